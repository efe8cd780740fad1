"""A user's content counters on their profile: ``likes_received`` (the likes of the posts they
created), moved by the social area in the transaction of each like and unlike, and ``posts``
(the posts they published or co-author, moved by ``change_posts_count``). Both are
recounted by the social area's reconcile command (``python -m nexgate social reconcile``). Only
the users area writes ``users``; the social area calls these."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping

from . import repository

COUNTERS = ("likes_received", "posts")


@dataclasses.dataclass(frozen=True)
class Recounted:
    """A user's content counters as counted from the social area's rows."""

    likes_received: int
    posts: int


@dataclasses.dataclass(frozen=True)
class CountDrift:
    id: uuid.UUID
    counter: str  # one of COUNTERS
    old: int
    new: int


async def add_likes_received(conn, user_id: uuid.UUID, delta: int) -> None:
    """On the caller's connection, inside its transaction (the like's)."""
    await repository.add_likes_received(conn, user_id, delta)


async def change_posts_count(conn, author_ids: Iterable[uuid.UUID], delta: int) -> None:
    """In the caller's transaction: each author published or joined (+1), or deleted or left (-1),
    a post. Never below 0."""
    ids = list(dict.fromkeys(author_ids))
    if ids:
        await repository.change_posts_count(conn, ids, delta)


async def lock_batch(conn, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
    """Lock the next ``limit`` users by id after ``after`` (for the caller's transaction), so that
    no like or post moves their counts while the caller recounts them; their ids."""
    return await repository.lock_user_ids_after(conn, after, limit)


async def set_recounted(conn, counts: Mapping[uuid.UUID, Recounted]) -> list[CountDrift]:
    """Set each user's counters (locked by ``lock_batch``) to the ones recounted; each counter
    that was wrong."""
    if not counts:
        return []
    ids = sorted(counts)
    rows = await repository.set_content_counts(conn, ids, [counts[i].likes_received for i in ids],
                                               [counts[i].posts for i in ids])
    return [CountDrift(row["id"], name, row[f"old_{name}"], row[name]) for row in rows for name in COUNTERS
            if row[f"old_{name}"] != row[name]]
