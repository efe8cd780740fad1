"""Reposts and quotes (sql/social/reposts.sql): each is a post row of its own, written through
the posts' insert; here what finds, counts and takes them back."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import all_rows, queries

_sql = queries("social")


async def active_repost(conn, author_id: uuid.UUID, original_post_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.active_repost(conn, author_id=author_id, original_post_id=original_post_id)


async def lock_active_repost(conn, author_id: uuid.UUID, original_post_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.lock_active_repost(conn, author_id=author_id, original_post_id=original_post_id)


async def delete_repost(conn, repost_id: uuid.UUID) -> bool:
    """Whether it was live and is now deleted."""
    return bool(await _sql.delete_repost(conn, id=repost_id))


async def add_reposts(conn, post_id: uuid.UUID, delta: int) -> int:
    return await _sql.add_post_reposts(conn, id=post_id, delta=delta)


async def add_quotes(conn, post_id: uuid.UUID, delta: int) -> int:
    return await _sql.add_post_quotes(conn, id=post_id, delta=delta)


async def reposts_page(conn, original_post_id: uuid.UUID, hidden: Sequence[uuid.UUID],
                       before: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.reposts_page, conn, original_post_id=original_post_id, hidden=list(hidden),
                          before_at=before[0], before_id=before[1], limit=limit)
