"""The users area's SQL for who follows whom as id lists (``sql/users/audience.sql``); it runs
queries and decides nothing."""
from __future__ import annotations

import datetime
import uuid

from ...sql import all_rows, queries

_sql = queries("users")


async def follower_ids_after(conn, user_id: uuid.UUID, after: tuple[datetime.datetime, uuid.UUID],
                             batch: int) -> list[tuple[uuid.UUID, datetime.datetime]]:
    rows = await all_rows(_sql.follower_ids_after, conn, user_id=user_id, after_at=after[0], after_id=after[1],
                          batch=batch)
    return [(row["follower_id"], row["created_at"]) for row in rows]


async def following_ids(conn, user_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["followee_id"] for row in await all_rows(_sql.following_ids, conn, user_id=user_id)]


async def followed_among(conn, user_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return {row["followee_id"] for row in await all_rows(_sql.followed_among, conn, user_id=user_id, ids=ids)}


async def followed_with_followers_over(conn, user_id: uuid.UUID, threshold: int) -> list[uuid.UUID]:
    rows = await all_rows(_sql.followed_with_followers_over, conn, user_id=user_id, threshold=threshold)
    return [row["id"] for row in rows]


async def followers_counts(conn, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    return {row["id"]: row["followers_count"] for row in await all_rows(_sql.followers_counts, conn, ids=ids)}
