"""A user's likes received (their profile's ``likes_received``): the likes of the posts they
created, moved by the social area in the transaction of each like and unlike, and recounted
by its reconcile command (``python -m nexgate social reconcile``). Only the users area writes
``users``; the social area calls these."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping

from . import repository


@dataclasses.dataclass(frozen=True)
class LikesDrift:
    id: uuid.UUID
    username: str
    old_count: int
    new_count: int


async def add_likes_received(conn, user_id: uuid.UUID, delta: int) -> None:
    """On the caller's connection, inside its transaction (the like's)."""
    await repository.add_likes_received(conn, user_id, delta)


async def lock_batch(conn, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """Lock the next ``limit`` users by id after ``after`` (for the caller's transaction), so that
    no like moves their counts while the caller recounts them; their ids."""
    return await repository.lock_user_ids_after(conn, after, limit)


async def set_likes_received(conn, counts: Mapping[uuid.UUID, int]) -> list[LikesDrift]:
    """Set each user's count (locked by ``lock_batch``) to the one recounted; the users whose
    count was wrong."""
    if not counts:
        return []
    ids = sorted(counts)
    rows = await repository.set_likes_received(conn, ids, [counts[i] for i in ids])
    return [LikesDrift(**dict(row)) for row in rows]
