"""Consumer group ``sms``: sends the SMS other areas request through the bus."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.notifications import deliveries
from ..domain.notifications.events import SMS_REQUESTED
from ..domain.notifications.sms import deliver_requested_sms
from ..platform import Platform

ROUTING_KEYS = (SMS_REQUESTED,)


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await deliver_requested_sms(platform, conn, event)

    return ConsumerGroup(name="sms", routing_keys=ROUTING_KEYS, handle=handle, database=platform.notify,
                         on_failure=deliveries.on_failure(platform, deliveries.SMS))
