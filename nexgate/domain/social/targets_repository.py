"""The SQL of the posts that interactions act on (``sql/social/interactions.sql``); it runs
queries and decides nothing."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from ...sql import all_rows, queries

_sql = queries("social")


@dataclasses.dataclass(frozen=True)
class TargetPost:
    """A post as a like, a comment, a repost, a quote or a bookmark sees it."""

    id: uuid.UUID
    author_id: uuid.UUID
    kind: str
    state: str
    visibility: str
    original_post_id: uuid.UUID | None
    text: str
    likes_count: int
    comments_count: int
    reposts_count: int
    quotes_count: int
    bookmarks_count: int
    co_author_ids: list[uuid.UUID]
    product_ids: list[uuid.UUID]

    @property
    def author_ids(self) -> list[uuid.UUID]:
        """Its creator first, then its accepted co-authors."""
        return [self.author_id, *self.co_author_ids]


async def target_post(conn, post_id: uuid.UUID) -> TargetPost | None:
    row = await _sql.interaction_post(conn, id=post_id)
    return None if row is None else TargetPost(**{f.name: row[f.name] for f in dataclasses.fields(TargetPost)})


async def lock_post(conn, post_id: uuid.UUID) -> bool:
    return await _sql.lock_post_for_comments(conn, id=post_id) is not None


async def counters(conn, post_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    rows = await all_rows(_sql.post_counters, conn, ids=list(post_ids))
    return {row["id"]: {name: row[name] for name in ("likes_count", "comments_count", "reposts_count",
                                                      "quotes_count", "bookmarks_count")} for row in rows}
