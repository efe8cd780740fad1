"""Consumer group ``social_posts``: a scheduled post's time came (``social.post_schedule.reached``,
fired once by the platform's scheduler): it is published, in the delivery's own transaction,
if it is still scheduled and due (publishing.publish_when_due); a post published by hand
meanwhile, rescheduled or deleted is left as it is, so a redelivery does nothing."""
from __future__ import annotations

import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.social import publishing
from ..domain.social.events import POST_SCHEDULE_REACHED
from ..platform import Platform

NAME = "social_posts"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await publishing.publish_when_due(conn, uuid.UUID(event.payload["post_id"]))

    return ConsumerGroup(name=NAME, routing_keys=(POST_SCHEDULE_REACHED,), handle=handle, database=platform.core)
