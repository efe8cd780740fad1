"""Publishing a post (docs/social.md, "Posts", "Drafts and scheduling"): at once, at its
scheduled time (a durable job of the platform's scheduler, bus/scheduler.py), or when its last
collaboration invite is resolved. Publishing counts the post on each author's profile (the users
area's ``posts_count``), counts it on its hashtags and emits ``social.post.published``, all in
the same transaction; the post's row lock and its state make it happen once, however many
workers or clicks race."""
from __future__ import annotations

import datetime
import uuid

from ... import bus
from ...bus import scheduler
from ...errors import Conflict
from ...platform import Platform
from ..auth.caller import Caller
from ..commerce import cards as commerce_cards
from ..users import content_counts
from . import access
from . import posts_repository as repository
from .events import POST_PUBLISHED, POST_SCHEDULE_REACHED
from .posts_repository import LockedPost

_JOBS = uuid.UUID("4f2b7c1e-9d3a-4e8b-a6f1-0c5d2e7b9a31")
PREVIEW = 100


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def job_id(post_id: uuid.UUID) -> uuid.UUID:
    """The stable id of a scheduled post's publishing job."""
    return uuid.uuid5(_JOBS, f"{post_id}:publish")


async def schedule_in(conn, post_id: uuid.UUID, at: datetime.datetime) -> None:
    """Put the post in ``scheduled`` at ``at`` (a job that fires ``social.post_schedule.reached``)."""
    await repository.set_state(conn, post_id, "scheduled", at)
    await scheduler.schedule(conn, routing_key=POST_SCHEDULE_REACHED, payload={"post_id": str(post_id)}, run_at=at,
                             job_id=job_id(post_id), replace=True)


async def publish_in(conn, post: LockedPost) -> str:
    """Publish the locked post in the caller's transaction, or, while co-authors' invites are
    pending, put it in ``pending_collaboration`` (published when the last is resolved). The
    state it is left in."""
    if post.state == "scheduled":
        await scheduler.cancel(conn, job_id=job_id(post.id))
    if post.pending_ids:
        await repository.set_state(conn, post.id, "pending_collaboration")
        return "pending_collaboration"
    published_at = await repository.publish_post(conn, post.id, _now())
    if published_at is None:  # published (or deleted) already: nothing more
        return post.state
    await content_counts.change_posts_count(conn, post.author_ids, +1)
    tags = list(dict.fromkeys(e["tag"] for e in post.entities if e["type"] == "hashtag"))
    await repository.add_hashtags(conn, post.id, tags, published_at)
    embeds = (await repository.embeds_of_posts(conn, [post.id])).get(post.id, [])
    of = {kind: [str(e.id) for e in embeds if e.kind == kind] for kind in ("product", "shop", "event")}
    owners = await commerce_cards.shop_owners(conn, [e.id for e in embeds if e.kind == "shop"])
    tagged = [{"shop_id": str(shop_id), "owner_id": str(owner_id), "shop_name": name}
              for shop_id, (owner_id, name) in owners.items() if owner_id not in post.author_ids]
    await bus.emit(conn, POST_PUBLISHED, {
        "post_id": str(post.id), "author_ids": [str(i) for i in post.author_ids], "kind": post.kind,
        "visibility": post.visibility,
        "original_post_id": None if post.original_post_id is None else str(post.original_post_id),
        "published_at": published_at.isoformat(),
        "mentioned_user_ids": [str(i) for i in await repository.mentioned_ids(conn, post.id)
                               if i not in post.author_ids],
        "shop_ids": of["shop"], "product_ids": of["product"], "event_ids": of["event"], "hashtags": tags,
        "creator_id": str(post.author_id), "preview": post.text[:PREVIEW], "tagged_shops": tagged,
    })
    return "published"


async def publish(platform: Platform, caller: Caller, post_id: uuid.UUID,
                  scheduled_at: datetime.datetime | None = None) -> None:
    """An author publishes a draft or a scheduled post now, or (``scheduled_at``) schedules it.
    A published post is 409 ``post_already_published``; one waiting for its co-authors 409
    ``post_pending_collaboration``."""
    async with platform.core.transaction("social.post_publish") as conn:
        post = await access.lock_authored(conn, post_id, caller.user_id)
        if post.state == "published":
            raise Conflict("This post is published already", code="post_already_published")
        if post.state == "pending_collaboration":
            raise Conflict("This post is published when its co-authors have answered",
                           code="post_pending_collaboration")
        if scheduled_at is not None:
            await schedule_in(conn, post_id, scheduled_at)
        else:
            await publish_in(conn, post)


async def publish_when_due(conn, post_id: uuid.UUID) -> str | None:
    """The scheduled job's handler (workers/social_posts.py), in the delivery's transaction: a
    post still scheduled, and due, is published; anything else (published by hand meanwhile,
    rescheduled later, deleted) is left as it is."""
    post = await repository.lock_post(conn, post_id)
    if post is None or post.state != "scheduled" or post.scheduled_at is None or post.scheduled_at > _now():
        return None if post is None else post.state
    return await publish_in(conn, post)


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

