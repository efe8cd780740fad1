"""Consumer group ``email``: sends the emails other areas request through the bus."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.notifications.email import deliver_requested_email
from ..domain.notifications.events import EMAIL_REQUESTED
from ..platform import Platform

ROUTING_KEYS = (EMAIL_REQUESTED,)


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await deliver_requested_email(conn, platform.mailer, event)

    return ConsumerGroup(name="email", routing_keys=ROUTING_KEYS, handle=handle, database=platform.notify)
