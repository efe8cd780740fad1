"""Who follows whom, as plain ids: what the social area's feeds need from the graph (its
fan-out walks an author's followers, its home feed reads whom the viewer follows). The users
area keeps the graph; other areas ask here, never its tables."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator, Iterable

from ...platform import Platform
from . import audience_repository as repository

_START = (datetime.datetime.max.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=(1 << 128) - 1))


async def follower_chunks(conn, user_id: uuid.UUID, chunk: int) -> AsyncIterator[list[uuid.UUID]]:
    """The user's followers, ``chunk`` ids at a time (newest followers first), read on the
    caller's connection: a big audience is never held whole."""
    after = _START
    while True:
        rows = await repository.follower_ids_after(conn, user_id, after, chunk)
        if rows:
            yield [follower_id for follower_id, _ in rows]
        if len(rows) < chunk:
            return
        after = (rows[-1][1], rows[-1][0])


async def following_ids(platform: Platform, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Every account the user follows."""
    async with platform.core.connection() as conn:
        return await repository.following_ids(conn, user_id)


async def followed_among(platform: Platform, user_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` the user follows."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return set()
    async with platform.core.connection() as conn:
        return await repository.followed_among(conn, user_id, ids)


async def followed_with_followers_over(platform: Platform, user_id: uuid.UUID, threshold: int) -> list[uuid.UUID]:
    """The accounts the user follows that have more than ``threshold`` followers."""
    async with platform.core.connection() as conn:
        return await repository.followed_with_followers_over(conn, user_id, threshold)


async def followers_counts(conn, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each user's followers count (users that no longer exist are left out)."""
    return await repository.followers_counts(conn, list(ids))
