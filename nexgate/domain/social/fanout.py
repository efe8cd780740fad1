"""Fan-out on write (docs/social.md, "Feeds"): what the ``social_feeds`` consumer group does
with each event, inside its claim's transaction (so each event is handled once; a retry after
a failure pushes again, which Redis takes as the same push).

- ``social.post.published``: the post is added to the home feed of each author and of each
  active follower of an author that has at most ``NEXGATE_SOCIAL_FANOUT_MAX_FOLLOWERS``
  followers (bigger accounts are merged in when their followers read), walking the followers
  ``NEXGATE_SOCIAL_FANOUT_CHUNK`` at a time; a private post (mentioned users only) goes to the
  mentioned followers only. Each follower it reached (an active one) is told live,
  ``social.feed.new_posts``, once per event (the event's id is the stream id).
- ``social.collaboration.accepted`` of a post published already: the same for the new
  co-author and their followers (the post is theirs now; those it reached are told).
- ``social.post.deleted``: the post leaves those feeds (reads drop it anyway).
- ``users.follow.created`` / ``users.follow.accepted``: the followee's newest posts are merged
  into the follower's feed if it is built (a new follow shows at once, not only from the next post).
"""
from __future__ import annotations

import datetime
import uuid

from ...bus.event import Event
from ...platform import Platform
from ..users import audience
from ..users.events import FOLLOW_ACCEPTED, FOLLOW_CREATED
from . import feeds_repository as repository
from . import posts_repository
from .events import COLLABORATION_ACCEPTED, POST_DELETED, POST_PUBLISHED
from .feeds import NEWEST_FIRST, REBUILD_ON_FOLLOW, store

ROUTING_KEYS = (POST_PUBLISHED, COLLABORATION_ACCEPTED, POST_DELETED, FOLLOW_CREATED, FOLLOW_ACCEPTED)
NEW_POSTS = "social.feed.new_posts"


async def handle(platform: Platform, conn, event: Event) -> None:
    if event.type == POST_PUBLISHED:
        await published(platform, conn, event)
    elif event.type == COLLABORATION_ACCEPTED:
        await co_authored(platform, conn, event)
    elif event.type == POST_DELETED:
        await deleted(platform, conn, event)
    else:
        await followed(platform, conn, event)


async def _audience(platform: Platform, conn, author_ids: list[uuid.UUID]):
    """The followers of each author that is fanned out to, a chunk at a time."""
    counts = await audience.followers_counts(conn, author_ids)
    limit = platform.config.social_fanout_max_followers
    for author_id in author_ids:
        if counts.get(author_id, 0) <= limit:
            async for chunk in audience.follower_chunks(conn, author_id, platform.config.social_fanout_chunk):
                yield author_id, chunk


async def published(platform: Platform, conn, event: Event) -> None:
    payload = event.payload
    await _fan_out(platform, conn, event.id, uuid.UUID(payload["post_id"]), [uuid.UUID(a) for a in payload["author_ids"]],
                   datetime.datetime.fromisoformat(payload["published_at"]), payload["visibility"],
                   {uuid.UUID(u) for u in payload["mentioned_user_ids"]})


async def co_authored(platform: Platform, conn, event: Event) -> None:
    """A co-author joined a post published already: it reaches them and their followers. (A post
    that waited for them is fanned out, with every author, when it is published.)"""
    payload = event.payload
    if payload["published_at"] is None:
        return
    post_id = uuid.UUID(payload["post_id"])
    mentioned = set(await posts_repository.mentioned_ids(conn, post_id)) if payload["visibility"] == "private" else set()
    await _fan_out(platform, conn, event.id, post_id, [uuid.UUID(payload["user_id"])],
                   datetime.datetime.fromisoformat(payload["published_at"]), payload["visibility"], mentioned)


async def _fan_out(platform: Platform, conn, event_id, post_id: uuid.UUID, author_ids: list[uuid.UUID],
                   published_at: datetime.datetime, post_visibility: str, mentioned: set[uuid.UUID]) -> None:
    """The post into the feeds of its authors ``author_ids`` and their active followers (of a
    private post, the mentioned ones only), each follower it reached told live once."""
    feeds = store(platform)
    await feeds.push(author_ids, post_id, published_at)
    told: set[uuid.UUID] = set(author_ids)
    async for author_id, chunk in _audience(platform, conn, author_ids):
        if post_visibility == "private":
            chunk = [u for u in chunk if u in mentioned]
        chunk = [u for u in chunk if u not in told]
        reached = await feeds.push(chunk, post_id, published_at)
        told.update(chunk)
        if reached:
            await platform.realtime.publish_to_users(reached, NEW_POSTS, {
                "post_id": str(post_id), "author_id": str(author_id), "published_at": published_at.isoformat()},
                event_id=event_id)


async def deleted(platform: Platform, conn, event: Event) -> None:
    post_id = uuid.UUID(event.payload["post_id"])
    author_ids = [uuid.UUID(a) for a in event.payload["author_ids"]]
    feeds = store(platform)
    await feeds.remove(author_ids, [post_id])
    async for _, chunk in _audience(platform, conn, author_ids):
        await feeds.remove(chunk, [post_id])


async def followed(platform: Platform, conn, event: Event) -> None:
    follower_id = uuid.UUID(event.payload["follower_id"])
    followee_id = uuid.UUID(event.payload["followee_id"])
    rows = await repository.posts_by_authors(conn, [followee_id], NEWEST_FIRST.start, REBUILD_ON_FOLLOW)
    await store(platform).merge(follower_id, (r.position() for r in rows))
