"""Consumer group ``notifications``: every area's events that a registered notification type
is made from, turned into the recipients' notifications (domain/notifications/triggers.py)."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.notifications import registry
from ..domain.notifications.triggers import tell
from ..platform import Platform


def consumer_group(platform: Platform) -> ConsumerGroup:
    types = registry.registered()

    async def handle(event, conn):
        await tell(platform, conn, types, event)

    return ConsumerGroup(name="notifications", routing_keys=types.sources(), handle=handle, database=platform.notify)
