"""Consumer group ``social_live``: publishes on each post's topic, ``post:<id>``, its counters
(likes, reposts and quotes), its new, edited and deleted comments and its comments' likes, each
as the database holds it when published (nexgate/domain/social/post_live.py: the table ``FRAMES``
from event name to frame, which other parts of the area extend).

The events come from the outbox, so a crash between the commit and the publish loses nothing
(DESIGN.md §13); a redelivery publishes the current state again, which a watcher shows as it
shows any frame.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.social import post_live
from ..platform import Platform

NAME = "social_live"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await post_live.tell_post_watchers(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=tuple(post_live.FRAMES), handle=handle, database=platform.core)
