"""Likes of posts and of comments (docs/social.md, "Likes").

Who may like a post is who may see it (``targets.visible_post``: 404 ``post_not_found``
otherwise); a comment, whoever may see its post. A like is one row per (thing, user): liking
again is no error and changes nothing, it answers the current state; the counter moves in the
like's transaction, by one, only when a row was inserted (``INSERT ... ON CONFLICT DO NOTHING``)
or deleted, so that any number of likes at once count exactly. A post's like also moves its
creator's ``likes_received`` (the users area's function).
"""
from __future__ import annotations

import uuid
from typing import Any

from ... import bus
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import content_counts, visibility
from ..users.repository import UserListItem
from . import comments, interaction_views, targets
from . import likes_repository as repository
from .events import COMMENT_LIKED, COMMENT_UNLIKED, POST_LIKED, POST_UNLIKED


def _ids(ids) -> list[str]:
    return [str(i) for i in ids]


async def like_post(platform: Platform, caller: Caller, post_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.transaction("social.like_post") as conn:
        post = await targets.visible_post(conn, caller.user_id, post_id)
        if await repository.insert_post_like(conn, post.id, caller.user_id):
            count = await repository.add_post_likes(conn, post.id, 1)
            await content_counts.add_likes_received(conn, post.author_id, 1)
            await bus.emit(conn, POST_LIKED, {
                "post_id": str(post.id), "author_ids": _ids(post.author_ids), "user_id": str(caller.user_id),
                "likes_count": count, "product_ids": _ids(post.product_ids),
                "product_sellers": await targets.product_sellers(conn, post, caller.user_id)})
        else:
            count = await repository.post_likes_count(conn, post.id)
    return interaction_views.post_like(post.id, True, count)


async def unlike_post(platform: Platform, caller: Caller, post_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.transaction("social.unlike_post") as conn:
        post = await targets.visible_post(conn, caller.user_id, post_id)
        if await repository.delete_post_like(conn, post.id, caller.user_id):
            count = await repository.add_post_likes(conn, post.id, -1)
            await content_counts.add_likes_received(conn, post.author_id, -1)
            await bus.emit(conn, POST_UNLIKED, {
                "post_id": str(post.id), "author_ids": _ids(post.author_ids), "user_id": str(caller.user_id),
                "likes_count": count})
        else:
            count = await repository.post_likes_count(conn, post.id)
    return interaction_views.post_like(post.id, False, count)


async def like_comment(platform: Platform, caller: Caller, comment_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.transaction("social.like_comment") as conn:
        comment = await comments.live_comment(conn, caller.user_id, comment_id)
        if await repository.insert_comment_like(conn, comment.id, caller.user_id):
            count = await repository.add_comment_likes(conn, comment.id, 1)
            await bus.emit(conn, COMMENT_LIKED, {
                "post_id": str(comment.post_id), "comment_id": str(comment.id),
                "comment_author_id": str(comment.author_id), "user_id": str(caller.user_id), "likes_count": count})
        else:
            count = await repository.comment_likes_count(conn, comment.id)
    return interaction_views.comment_like(comment.id, True, count)


async def unlike_comment(platform: Platform, caller: Caller, comment_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.transaction("social.unlike_comment") as conn:
        comment = await comments.live_comment(conn, caller.user_id, comment_id)
        if await repository.delete_comment_like(conn, comment.id, caller.user_id):
            count = await repository.add_comment_likes(conn, comment.id, -1)
            await bus.emit(conn, COMMENT_UNLIKED, {
                "post_id": str(comment.post_id), "comment_id": str(comment.id), "user_id": str(caller.user_id),
                "likes_count": count})
        else:
            count = await repository.comment_likes_count(conn, comment.id)
    return interaction_views.comment_like(comment.id, False, count)


async def post_likers(platform: Platform, caller: Caller | None, post_id: uuid.UUID, *, cursor: str | None,
                      limit: int) -> Page[UserListItem]:
    """Who liked the post, newest first, without anyone hidden from the viewer by a block."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        post = await targets.visible_post(conn, viewer_id, post_id)
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.post_likers_page(conn, post.id, hidden, before, n),
                           UserListItem.position)


async def comment_likers(platform: Platform, caller: Caller | None, comment_id: uuid.UUID, *, cursor: str | None,
                         limit: int) -> Page[UserListItem]:
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        comment = await comments.visible_comment(conn, viewer_id, comment_id)
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.comment_likers_page(conn, comment.id, hidden, before, n),
                           UserListItem.position)
