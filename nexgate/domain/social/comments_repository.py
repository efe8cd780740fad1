"""The SQL of comments and replies (``sql/social/comments.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

from ...sql import all_rows, queries

_sql = queries("social")


@dataclasses.dataclass(frozen=True)
class Comment:
    id: uuid.UUID
    post_id: uuid.UUID
    author_id: uuid.UUID
    parent_comment_id: uuid.UUID | None
    depth: int
    text: str
    entities: list[dict[str, Any]]
    likes_count: int
    replies_count: int
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    deleted_at: datetime.datetime | None

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


@dataclasses.dataclass(frozen=True)
class ListedComment(Comment):
    """A comment with its author's public card."""

    username: str = ""
    display_name: str = ""
    avatar_media_id: uuid.UUID | None = None
    verified_at: datetime.datetime | None = None


def _comment(cls, row):
    if row is None:
        return None
    return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


async def insert_comment(conn, **columns) -> Comment:
    return _comment(Comment, await _sql.insert_comment(conn, **columns))


async def comment_by_id(conn, comment_id: uuid.UUID) -> ListedComment | None:
    return _comment(ListedComment, await _sql.comment_by_id(conn, id=comment_id))


async def lock_comment(conn, comment_id: uuid.UUID) -> Comment | None:
    return _comment(Comment, await _sql.lock_comment(conn, id=comment_id))


async def add_post_comments(conn, post_id: uuid.UUID, delta: int) -> int:
    return await _sql.add_post_comments(conn, id=post_id, delta=delta)


async def add_comment_replies(conn, comment_id: uuid.UUID, delta: int) -> int:
    return await _sql.add_comment_replies(conn, id=comment_id, delta=delta)


async def edit_comment(conn, comment_id: uuid.UUID, text: str, entities: list) -> Comment:
    return _comment(Comment, await _sql.edit_comment(conn, id=comment_id, text=text,
                                                     entities=entities))


async def delete_comment(conn, comment_id: uuid.UUID) -> Comment | None:
    return _comment(Comment, await _sql.delete_comment(conn, id=comment_id))


async def comments_page(conn, post_id: uuid.UUID, hidden: list[uuid.UUID],
                        after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[ListedComment]:
    rows = await all_rows(_sql.comments_page, conn, post_id=post_id, hidden=hidden, after_at=after[0],
                          after_id=after[1], limit=limit)
    return [_comment(ListedComment, row) for row in rows]


async def replies_page(conn, parent_id: uuid.UUID, hidden: list[uuid.UUID],
                       after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[ListedComment]:
    rows = await all_rows(_sql.replies_page, conn, parent_comment_id=parent_id, hidden=hidden, after_at=after[0],
                          after_id=after[1], limit=limit)
    return [_comment(ListedComment, row) for row in rows]
