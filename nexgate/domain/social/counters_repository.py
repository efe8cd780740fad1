"""The reconcile command's recount (sql/social/counters.sql): each batch's ids locked, then its
counters recounted from their rows and fixed where they drifted."""
from __future__ import annotations

import uuid

import asyncpg

from ...sql import all_rows, queries

_sql = queries("social")


async def lock_post_ids_after(conn, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.lock_post_ids_after, conn, after=after, limit=limit)]


async def lock_comment_ids_after(conn, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.lock_comment_ids_after, conn, after=after, limit=limit)]


async def lock_collection_ids_after(conn, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.lock_collection_ids_after, conn, after=after, limit=limit)]


async def reconcile_post_counts(conn, ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    """The posts whose counters were wrong, now fixed: each counter old and new."""
    return await all_rows(_sql.reconcile_post_counts, conn, ids=ids)


async def reconcile_comment_counts(conn, ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await all_rows(_sql.reconcile_comment_counts, conn, ids=ids)


async def reconcile_collection_counts(conn, ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await all_rows(_sql.reconcile_collection_counts, conn, ids=ids)


async def user_content_counts(conn, ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    """Each user's likes received and posts, counted from the rows."""
    return await all_rows(_sql.user_content_counts, conn, ids=ids)
