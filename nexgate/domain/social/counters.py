"""The social area's counters recounted from their rows (``python -m nexgate social reconcile``,
docs/social.md, "Counters"): each post's likes, comments, reposts, quotes and bookmarks, each
comment's likes and replies, each bookmark collection's bookmarks, and each user's likes
received and posts (through the users area, which alone writes ``users``). Every batch locks its rows
first, so no action changes them while they are counted; the counters that were wrong are
fixed and returned."""
from __future__ import annotations

import dataclasses
import uuid

from ..users import content_counts
from . import counters_repository as repository

BATCH = 500


@dataclasses.dataclass(frozen=True)
class Drift:
    """A counter that was wrong: what (post, comment, collection, user), its id, the counter, and
    the value it had and has."""

    kind: str
    id: uuid.UUID
    counter: str
    old: int
    new: int


def _drifts(kind: str, row, counters: tuple[str, ...]) -> list[Drift]:
    return [Drift(kind, row["id"], name, row[f"old_{name}"], row[name]) for name in counters
            if row[f"old_{name}"] != row[name]]


async def _batches(conn, lock, recount) -> list[Drift]:
    drift: list[Drift] = []
    after = uuid.UUID(int=0)
    while True:
        async with conn.transaction():
            ids = await lock(after)
            if not ids:
                return drift
            drift += await recount(ids)
        after = ids[-1]


async def reconcile(conn) -> list[Drift]:
    async def posts(found):
        rows = await repository.reconcile_post_counts(conn, found)
        return [d for row in rows for d in _drifts("post", row, ("likes", "comments", "reposts", "quotes",
                                                                 "bookmarks"))]

    async def comments(found):
        rows = await repository.reconcile_comment_counts(conn, found)
        return [d for row in rows for d in _drifts("comment", row, ("likes", "replies"))]

    async def collections(found):
        rows = await repository.reconcile_collection_counts(conn, found)
        return [d for row in rows for d in _drifts("collection", row, ("bookmarks",))]

    async def users(found):
        rows = await repository.user_content_counts(conn, found)
        fixed = await content_counts.set_recounted(conn, {row["id"]: content_counts.Recounted(
            row["likes_received"], row["posts"]) for row in rows})
        return [Drift("user", wrong.id, wrong.counter, wrong.old, wrong.new) for wrong in fixed]

    return (await _batches(conn, lambda after: repository.lock_post_ids_after(conn, after, BATCH), posts)
            + await _batches(conn, lambda after: repository.lock_comment_ids_after(conn, after, BATCH), comments)
            + await _batches(conn, lambda after: repository.lock_collection_ids_after(conn, after, BATCH),
                             collections)
            + await _batches(conn, lambda after: content_counts.lock_batch(conn, after, BATCH), users))
