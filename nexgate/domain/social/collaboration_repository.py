"""Collaborative posts' co-authors and invites (sql/social/collaboration.sql); the invites made
with a post are written by the posts' insert."""
from __future__ import annotations

import datetime
import uuid

import asyncpg

from ...sql import all_rows, queries

_sql = queries("social")


async def collaborator(conn, post_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.collab_row(conn, post_id=post_id, user_id=user_id)


async def count(conn, post_id: uuid.UUID) -> int:
    """Co-authors and pending invites together."""
    return await _sql.collab_count(conn, post_id=post_id)


async def insert(conn, post_id: uuid.UUID, user_id: uuid.UUID, invited_by: uuid.UUID) -> bool:
    """Whether the invite is new (False: invited or co-authoring already)."""
    return bool(await _sql.collab_insert(conn, post_id=post_id, user_id=user_id, invited_by=invited_by))


async def accept(conn, post_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
    """The invite, now accepted; None when there was no pending one."""
    return await _sql.collab_accept(conn, post_id=post_id, user_id=user_id)


async def delete(conn, post_id: uuid.UUID, user_id: uuid.UUID) -> asyncpg.Record | None:
    """The co-author's or invite's row as it was, now deleted."""
    return await _sql.collab_delete(conn, post_id=post_id, user_id=user_id)


async def of_post(conn, post_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.collab_of_post, conn, post_id=post_id)


async def pending_of_user(conn, user_id: uuid.UUID, hidden: list[uuid.UUID],
                          after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.collab_pending_of_user, conn, user_id=user_id, hidden_user_ids=hidden,
                          after_at=after[0], after_id=after[1], limit=limit)
