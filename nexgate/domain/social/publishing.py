"""Publishing a post (docs/social.md, "Posts"): at once, when its last collaboration invite is
resolved, or at its scheduled time. Publishing counts the post on each author's profile (the
users area's ``posts_count``) and emits ``social.post.published`` in the same transaction."""
from __future__ import annotations

import datetime
import uuid

from ... import bus
from ...platform import Platform
from ..users import named
from . import posts_repository as repository
from .events import POST_PUBLISHED
from .posts_repository import LockedPost


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


async def publish_in(conn, post: LockedPost) -> str:
    """Publish the locked post in the caller's transaction, or, while co-authors' invites are
    pending, put it in ``pending_collaboration`` (published when the last is resolved). The
    state it is left in."""
    if post.pending_ids:
        await repository.set_state(conn, post.id, "pending_collaboration")
        return "pending_collaboration"
    published_at = await repository.publish_post(conn, post.id, _now())
    if published_at is None:  # published already (a second worker, a second click): nothing more
        return post.state
    await named.change_posts_count(conn, post.author_ids, +1)
    entities = post.entities
    await bus.emit(conn, POST_PUBLISHED, {
        "post_id": str(post.id), "author_ids": [str(i) for i in post.author_ids], "kind": post.kind,
        "visibility": post.visibility,
        "original_post_id": None if post.original_post_id is None else str(post.original_post_id),
        "published_at": published_at.isoformat(),
        "mentioned_user_ids": [str(i) for i in await repository.mentioned_ids(conn, post.id)],
        "shop_ids": list(dict.fromkeys(e["shop_id"] for e in entities if e["type"] == "shop" and "shop_id" in e)),
        "product_ids": [], "event_ids": [],
        "hashtags": list(dict.fromkeys(e["tag"] for e in entities if e["type"] == "hashtag")),
    })
    return "published"


async def publish_if_resolved(conn, platform: Platform, post_id: uuid.UUID) -> str | None:
    """For the collaboration lane, in its own transaction after an invite was accepted or
    declined (or a collaborator removed): a ``pending_collaboration`` post whose invites are all
    resolved is published now. Returns the post's state afterwards (None: no such post)."""
    post = await repository.lock_post(conn, post_id)
    if post is None:
        return None
    if post.state != "pending_collaboration":
        return post.state
    return await publish_in(conn, post)
