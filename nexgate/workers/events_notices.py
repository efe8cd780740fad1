"""Consumer group ``events_notices``: a published event whose schedule, place or streaming link
changed (``events.event.changed``) becomes ``events.event_change.announced`` naming its valid
ticket holders, written in the delivery's own transaction, for the notification service
(docs/events.md, "Notifications")."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.events import announcements
from ..domain.events.events import EVENT_CHANGED
from ..platform import Platform

NAME = "events_notices"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await announcements.tell_holders(conn, event)

    return ConsumerGroup(name=NAME, routing_keys=(EVENT_CHANGED,), handle=handle, database=platform.core)
