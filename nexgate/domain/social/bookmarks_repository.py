"""The SQL of bookmarks and their collections (``sql/social/bookmarks.sql``); it runs queries
and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

from ...sql import all_rows, queries

_sql = queries("social")


@dataclasses.dataclass(frozen=True)
class Bookmark:
    user_id: uuid.UUID
    post_id: uuid.UUID
    collection_id: uuid.UUID | None
    created_at: datetime.datetime

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.post_id


@dataclasses.dataclass(frozen=True)
class Collection:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    description: str | None
    is_private: bool
    bookmarks_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


def _of(cls, row):
    return None if row is None else cls(**dict(row))


async def insert_bookmark(conn, user_id, post_id, collection_id) -> Bookmark | None:
    return _of(Bookmark, await _sql.insert_bookmark(conn, user_id=user_id, post_id=post_id,
                                                    collection_id=collection_id))


async def lock_bookmark(conn, user_id, post_id) -> Bookmark | None:
    return _of(Bookmark, await _sql.lock_bookmark(conn, user_id=user_id, post_id=post_id))


async def delete_bookmark(conn, user_id, post_id) -> Bookmark | None:
    return _of(Bookmark, await _sql.delete_bookmark(conn, user_id=user_id, post_id=post_id))


async def move_bookmark(conn, user_id, post_id, collection_id) -> Bookmark:
    return _of(Bookmark, await _sql.move_bookmark(conn, user_id=user_id, post_id=post_id,
                                                  collection_id=collection_id))


async def add_post_bookmarks(conn, post_id, delta: int) -> int:
    return await _sql.add_post_bookmarks(conn, id=post_id, delta=delta)


async def add_collection_bookmarks(conn, collection_id, delta: int) -> int:
    return await _sql.add_collection_bookmarks(conn, id=collection_id, delta=delta)


async def bookmarks_page(conn, user_id, collection_id, before, limit: int) -> list[Bookmark]:
    rows = await all_rows(_sql.bookmarks_page, conn, user_id=user_id, collection_id=collection_id,
                          before_at=before[0], before_id=before[1], limit=limit)
    return [Bookmark(**dict(row)) for row in rows]


async def insert_collection(conn, **columns) -> Collection:
    return _of(Collection, await _sql.insert_collection(conn, **columns))


async def collection_of(conn, collection_id, user_id, *, lock: bool = False) -> Collection | None:
    query = _sql.lock_collection_of if lock else _sql.collection_of
    return _of(Collection, await query(conn, id=collection_id, user_id=user_id))


async def update_collection(conn, collection_id, **columns) -> Collection:
    return _of(Collection, await _sql.update_collection(conn, id=collection_id, **columns))


async def delete_collection(conn, collection_id) -> bool:
    return bool(await _sql.delete_collection(conn, id=collection_id))


async def collections_page(conn, user_id, after, limit: int) -> list[Collection]:
    rows = await all_rows(_sql.collections_page, conn, user_id=user_id, after_at=after[0], after_id=after[1],
                          limit=limit)
    return [Collection(**dict(row)) for row in rows]
