"""Consumer group ``email``: sends the emails other areas request through the bus."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.notifications import deliveries
from ..domain.notifications.email import deliver_requested_email
from ..domain.notifications.events import EMAIL_REQUESTED
from ..platform import Platform

ROUTING_KEYS = (EMAIL_REQUESTED,)


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await deliver_requested_email(platform, conn, event)

    return ConsumerGroup(name="email", routing_keys=ROUTING_KEYS, handle=handle, database=platform.notify,
                         on_failure=deliveries.on_failure(platform, deliveries.EMAIL))
