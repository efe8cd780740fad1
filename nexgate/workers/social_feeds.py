"""Consumer group ``social_feeds``: fan-out on write of published and deleted posts to home
feeds, the "new posts" marker on followers' streams, and a new follow's posts merged into the follower's feed (``domain/social/fanout.py``, docs/social.md
"Feeds")."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.social import fanout
from ..platform import Platform

NAME = "social_feeds"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await fanout.handle(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=fanout.ROUTING_KEYS, handle=handle, database=platform.core)
