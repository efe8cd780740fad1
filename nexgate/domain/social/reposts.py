"""Reposts and quotes (docs/social.md, "Reposts and quotes").

A repost or a quote is a post of its own (kind ``repost``: no text; ``quote``: its own text),
written through the posts' insert and published by ``publishing.publish_in``, so it appears in
its author's followers' feeds like any post (``social.post.published``). Reposting or quoting a
repost acts on its original. Only a public post of a public account can be reposted or quoted
(409 ``not_repostable``: a followers-only or private post, or a private account's, would reach
people its authors did not choose). One plain repost per user and post (the schema's unique
index): reposting again answers the repost there is. ``posts.reposts_count`` and
``quotes_count`` count the published reposts and quotes, moved in the transaction of each.
"""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ... import bus
from ... import entities as text_entities
from ...errors import Conflict
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import content_counts, visibility
from . import comments, composing, posts, publishing, targets
from . import posts_repository, reposts_repository, targets_repository
from .events import POST_DELETED, POST_QUOTED, POST_REPOSTED, POST_UNREPOSTED
from .targets_repository import TargetPost


def _not_repostable(why: str) -> Conflict:
    return Conflict(f"This post cannot be reposted or quoted: {why}", code="not_repostable")


async def _count(conn, post_id: uuid.UUID, counter: str) -> int:
    found = (await targets_repository.counters(conn, [post_id])).get(post_id)
    if found is None:
        raise targets.post_not_found()
    return found[counter]


async def _original(conn, caller: Caller, post_id: uuid.UUID) -> TargetPost:
    """The post to repost or quote: the post, or the original of a repost; refused unless public."""
    post = await targets.visible_post(conn, caller.user_id, post_id)
    if post.kind == "repost":
        post = await targets.visible_post(conn, caller.user_id, post.original_post_id)
    if post.visibility != "public":
        raise _not_repostable(f"it is shown to {'followers' if post.visibility == 'followers' else 'a few'} only")
    if post.author_id != caller.user_id and (await visibility.relationship_in(conn, caller.user_id,
                                                                                post.author_id)).is_private:
        raise _not_repostable("its author's account is private")
    return post


async def _write(conn, caller: Caller, *, kind: str, original: TargetPost, text: str = "",
                 found: list | None = None, mentioned: list | None = None, visibility_: str = "public") -> uuid.UUID:
    post_id = uuid.uuid4()
    await posts_repository.insert_post(
        conn, id=post_id, author_id=caller.user_id, kind=kind, post_type=kind, state="draft", visibility=visibility_,
        text=text, entities=found or [], original_post_id=original.id, scheduled_at=None, published_at=None)
    if mentioned:
        await posts_repository.insert_mentions(conn, post_id, mentioned)
    await publishing.publish_in(conn, await posts_repository.lock_post(conn, post_id))
    return post_id


async def repost(platform: Platform, caller: Caller, post_id: uuid.UUID) -> tuple[dict[str, Any], bool]:
    """The caller's repost of the post (and whether it is new), with the original's count."""
    async with platform.core.transaction("social.repost") as conn:
        original = await _original(conn, caller, post_id)
        repost_id = await reposts_repository.active_repost(conn, caller.user_id, original.id)
        created = repost_id is None
        if created:
            try:
                async with conn.transaction():
                    repost_id = await _write(conn, caller, kind="repost", original=original)
            except asyncpg.UniqueViolationError:  # the same user's repost at the same time
                repost_id, created = await reposts_repository.active_repost(conn, caller.user_id,
                                                                           original.id), False
        if created:
            count = await reposts_repository.add_reposts(conn, original.id, 1)
            await bus.emit(conn, POST_REPOSTED, {
                "post_id": str(original.id), "repost_id": str(repost_id), "user_id": str(caller.user_id),
                "original_author_ids": [str(i) for i in original.author_ids], "reposts_count": count})
        else:
            count = await _count(conn, original.id, "reposts_count")
    return await _answer(platform, caller, original.id, repost_id, count, "reposts_count"), created


async def unrepost(platform: Platform, caller: Caller, post_id: uuid.UUID) -> dict[str, Any]:
    """Takes back the caller's plain repost of the post (also of a post they may no longer see);
    none changes nothing. A quote is deleted as any post is (``DELETE /api/posts/{quote_id}``)."""
    async with platform.core.transaction("social.unrepost") as conn:
        repost_id = await reposts_repository.lock_active_repost(conn, caller.user_id, post_id)
        if repost_id is None or not await reposts_repository.delete_repost(conn, repost_id):
            count = await _count(conn, post_id, "reposts_count")
            return {"post_id": post_id, "reposts_count": count, "post": None}
        await content_counts.change_posts_count(conn, [caller.user_id], -1)
        await bus.emit(conn, POST_DELETED, {"post_id": str(repost_id), "author_ids": [str(caller.user_id)],
                                            "deleted_by": str(caller.user_id)})
        count = await reposts_repository.add_reposts(conn, post_id, -1)
        await bus.emit(conn, POST_UNREPOSTED, {"post_id": str(post_id), "repost_id": str(repost_id),
                                               "user_id": str(caller.user_id), "reposts_count": count})
    return {"post_id": post_id, "reposts_count": count, "post": None}


async def quote(platform: Platform, caller: Caller, post_id: uuid.UUID, *, text: str,
                visibility: str = "public") -> dict[str, Any]:
    async with platform.core.transaction("social.quote") as conn:
        original = await _original(conn, caller, post_id)
        found, mentioned = await composing.resolve(platform, conn, caller.user_id,
                                                         text_entities.parse(text))
        quote_id = await _write(conn, caller, kind="quote", original=original, text=text, found=found,
                                mentioned=mentioned, visibility_=visibility)
        count = await reposts_repository.add_quotes(conn, original.id, 1)
        await bus.emit(conn, POST_QUOTED, {
            "post_id": str(original.id), "quote_id": str(quote_id), "user_id": str(caller.user_id),
            "original_author_ids": [str(i) for i in original.author_ids], "preview": comments.preview(text),
            "quotes_count": count})
    return await _answer(platform, caller, original.id, quote_id, count, "quotes_count")


async def _answer(platform: Platform, caller: Caller, original_id: uuid.UUID, post_id: uuid.UUID, count: int,
                  counter: str) -> dict[str, Any]:
    shown = await posts.visible_posts(platform, caller.user_id, [post_id])
    return {"post_id": original_id, counter: count, "post": shown[0] if shown else None}


async def original_lost(conn, kind: str, original_post_id: uuid.UUID | None) -> None:
    """For the posts' delete, in its transaction: a repost or quote left the published posts, so
    its original counts one fewer."""
    if kind == "repost" and original_post_id is not None:
        await reposts_repository.add_reposts(conn, original_post_id, -1)
    elif kind == "quote" and original_post_id is not None:
        await reposts_repository.add_quotes(conn, original_post_id, -1)


async def of_post(platform: Platform, caller: Caller | None, post_id: uuid.UUID, *, cursor: str | None,
                  limit: int) -> Page[dict[str, Any]]:
    """The post's reposts and quotes, newest first, as the viewer may see them (a page may hold
    fewer than ``limit`` when some are not for the viewer; ``next_cursor`` says whether more follow)."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        post = await targets.visible_post(conn, viewer_id, post_id)
        hidden = await visibility.blocked_either_way(conn, viewer_id)

        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: reposts_repository.reposts_page(conn, post.id, hidden, before, n),
                           lambda row: (row["published_at"], row["id"]))
    shown = await posts.visible_posts(platform, viewer_id, [row["id"] for row in page.items])
    return Page(shown, page.next_cursor)
