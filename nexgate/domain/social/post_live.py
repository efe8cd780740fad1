"""What a post's watchers are told on its topic, ``post:<id>`` (docs/social.md, "Live";
docs/websocket.md), for the ``social_live`` consumer group (nexgate/workers/social_live.py).

``FRAMES`` maps each event the group publishes to the function that makes its frame's data from
the event and the database as it is when published: a frame that comes late or twice never shows
older counters than the last one. Each frame is named as its event and goes to the topic of the
event's ``post_id``. Another lane adds its events here (a poll's results: ``social.poll.voted``).
"""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from ...bus import Event
from ...platform import Platform
from . import comments_repository, interaction_views, poll_live, targets_repository
from .events import (COMMENT_CREATED, COMMENT_DELETED, COMMENT_EDITED, COMMENT_LIKED, COMMENT_UNLIKED, POLL_CLOSED,
                     POLL_VOTED, POST_BOOKMARKED, POST_LIKED, POST_QUOTED, POST_REPOSTED, POST_UNBOOKMARKED,
                     POST_UNLIKED, POST_UNREPOSTED)

FrameData = Callable[[Platform, Any, Event], Awaitable[dict[str, Any] | None]]


def post_topic(post_id: uuid.UUID | str) -> str:
    return f"post:{post_id}"


async def counters(platform: Platform, conn, event: Event) -> dict[str, Any] | None:
    """The post's counters now: ``{"post_id", "counters": {likes, comments, reposts, quotes, bookmarks}}``."""
    post_id = uuid.UUID(event.payload["post_id"])
    found = (await targets_repository.counters(conn, [post_id])).get(post_id)
    return None if found is None else interaction_views.json_ready(interaction_views.counters(post_id, found))


async def comment(platform: Platform, conn, event: Event) -> dict[str, Any] | None:
    """The comment as it is now (``liked`` false: the frame is the same for every watcher), with
    the post's counters."""
    found = await comments_repository.comment_by_id(conn, uuid.UUID(event.payload["comment_id"]))
    if found is None:
        return None
    return {"comment": interaction_views.json_ready(interaction_views.comment(found)),
            **(await counters(platform, conn, event) or {})}


async def comment_likes(platform: Platform, conn, event: Event) -> dict[str, Any] | None:
    found = await comments_repository.comment_by_id(conn, uuid.UUID(event.payload["comment_id"]))
    if found is None:
        return None
    return {"post_id": str(found.post_id), "comment_id": str(found.id), "likes_count": found.likes_count}


FRAMES: dict[str, FrameData] = {
    POST_LIKED: counters, POST_UNLIKED: counters, POST_REPOSTED: counters, POST_UNREPOSTED: counters,
    POST_QUOTED: counters, POST_BOOKMARKED: counters, POST_UNBOOKMARKED: counters,
    COMMENT_CREATED: comment, COMMENT_EDITED: comment, COMMENT_DELETED: comment,
    COMMENT_LIKED: comment_likes, COMMENT_UNLIKED: comment_likes,
    POLL_VOTED: poll_live.poll_frame, POLL_CLOSED: poll_live.poll_frame,
}


async def tell_post_watchers(platform: Platform, conn, event: Event) -> None:
    make = FRAMES.get(event.type)
    data = None if make is None else await make(platform, conn, event)
    if data is not None:
        await platform.realtime.publish_to_topic(post_topic(event.payload["post_id"]), event.type, data)
