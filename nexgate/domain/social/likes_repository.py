"""The SQL of likes (``sql/social/likes.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

from ...sql import all_rows, queries
from ..users.repository import UserListItem

_sql = queries("social")


async def insert_post_like(conn, post_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.insert_post_like(conn, post_id=post_id, user_id=user_id))


async def delete_post_like(conn, post_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_post_like(conn, post_id=post_id, user_id=user_id))


async def add_post_likes(conn, post_id: uuid.UUID, delta: int) -> int:
    return await _sql.add_post_likes(conn, id=post_id, delta=delta)


async def post_likes_count(conn, post_id: uuid.UUID) -> int:
    return await _sql.post_likes_count(conn, id=post_id)


async def insert_comment_like(conn, comment_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.insert_comment_like(conn, comment_id=comment_id, user_id=user_id))


async def delete_comment_like(conn, comment_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_comment_like(conn, comment_id=comment_id, user_id=user_id))


async def add_comment_likes(conn, comment_id: uuid.UUID, delta: int) -> int:
    return await _sql.add_comment_likes(conn, id=comment_id, delta=delta)


async def comment_likes_count(conn, comment_id: uuid.UUID) -> int:
    return await _sql.comment_likes_count(conn, id=comment_id)


async def post_likers_page(conn, post_id: uuid.UUID, hidden: list[uuid.UUID],
                           before: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[UserListItem]:
    rows = await all_rows(_sql.post_likers_page, conn, post_id=post_id, hidden=hidden, before_at=before[0],
                          before_id=before[1], limit=limit)
    return [UserListItem(**dict(row)) for row in rows]


async def comment_likers_page(conn, comment_id: uuid.UUID, hidden: list[uuid.UUID],
                              before: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[UserListItem]:
    rows = await all_rows(_sql.comment_likers_page, conn, comment_id=comment_id, hidden=hidden, before_at=before[0],
                          before_id=before[1], limit=limit)
    return [UserListItem(**dict(row)) for row in rows]


async def comments_liked(conn, viewer_id: uuid.UUID, comment_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    rows = await all_rows(_sql.comments_liked, conn, viewer_id=viewer_id, ids=list(comment_ids))
    return {row["comment_id"] for row in rows}
