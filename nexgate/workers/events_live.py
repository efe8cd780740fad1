"""Consumer group ``events_live``: publishes on each event's topic, ``event:<id>``, what its
ticket types have left (``events.availability.changed``) and the changes of its page
(``events.event.published``, ``changed``, ``unpublished``, ``cancelled``, ``completed``), each
with the state as it is when published (docs/events.md, "Ticket types and availability").

The events come from the outbox, so a crash between the commit and the publish loses nothing; a
redelivery publishes the current state again, which a watcher shows as it shows any frame.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.events import live
from ..platform import Platform

NAME = "events_live"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await live.tell_event_watchers(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=live.TOPIC_LIVE, handle=handle, database=platform.core)
