"""The feeds' SQL (``sql/social/feeds.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import all_rows, queries

_sql = queries("social")


@dataclasses.dataclass(frozen=True)
class FeedRow:
    """A published post as a feed sees it before visibility: its place and its authors
    (the creator first, then the accepted co-authors)."""

    id: uuid.UUID
    published_at: datetime.datetime
    author_id: uuid.UUID
    author_ids: tuple[uuid.UUID, ...]
    score: float | None = None  # explore's rank

    @classmethod
    def of(cls, row: asyncpg.Record) -> FeedRow:
        return cls(row["id"], row["published_at"], row["author_id"], tuple(row["author_ids"]),
                   row["score"] if "score" in row.keys() else None)

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.published_at, self.id


@dataclasses.dataclass(frozen=True)
class Hashtag:
    id: uuid.UUID
    tag: str
    posts_count: int


async def feed_rows(conn, ids: list[uuid.UUID]) -> dict[uuid.UUID, FeedRow]:
    return {row["id"]: FeedRow.of(row) for row in await all_rows(_sql.feed_rows, conn, ids=ids)}


async def posts_by_authors(conn, author_ids: list[uuid.UUID], before: tuple, limit: int) -> list[FeedRow]:
    rows = await all_rows(_sql.posts_by_authors, conn, author_ids=author_ids, before_at=before[0],
                          before_id=before[1], limit=limit)
    return [FeedRow.of(row) for row in rows]


async def hashtag_by_tag(conn, tag: str) -> Hashtag | None:
    row = await _sql.hashtag_by_tag(conn, tag=tag)
    return None if row is None else Hashtag(row["id"], row["tag"], row["posts_count"])


async def posts_of_hashtag(conn, hashtag_id: uuid.UUID, before: tuple, limit: int) -> list[FeedRow]:
    rows = await all_rows(_sql.posts_of_hashtag, conn, hashtag_id=hashtag_id, before_at=before[0],
                          before_id=before[1], limit=limit)
    return [FeedRow.of(row) for row in rows]


async def explore(conn, *, window_start: datetime.datetime, candidates: int, at: datetime.datetime,
                  before: tuple[float, uuid.UUID], limit: int) -> list[FeedRow]:
    rows = await all_rows(_sql.explore, conn, window_start=window_start, candidates=candidates, at=at,
                          before_score=before[0], before_id=before[1], limit=limit)
    return [FeedRow.of(row) for row in rows]
