"""The SQL of user search and suggested users (``sql/users/search.sql``, ``suggestions.sql``)."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

from ...sql import queries

_sql = queries("users")


@dataclasses.dataclass(frozen=True)
class Found:
    id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None
    following: bool  # the viewer follows them
    score: float


@dataclasses.dataclass(frozen=True)
class Suggested:
    id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None
    via_count: int  # how many of the viewer's followees (of those walked) follow them
    follows_you: bool
    via_usernames: list[str]  # up to three of those followees, most recently followed first


async def search_users(conn, *, viewer_id: uuid.UUID, q: str, fuzzy: bool, branch_limit: int,
                       after: tuple[int, float, uuid.UUID], limit: int) -> list[Found]:
    return [Found(**dict(row)) async for row in _sql.search_users(
        conn, viewer_id=viewer_id, q=q, fuzzy=fuzzy, branch_limit=branch_limit, after_following=after[0],
        after_score=after[1], after_id=after[2], limit=limit)]


async def suggested_users(conn, *, viewer_id: uuid.UUID, sample: int, per_followee: int, limit: int) -> list[Suggested]:
    return [Suggested(**dict(row)) async for row in _sql.suggested_users(
        conn, viewer_id=viewer_id, sample=sample, per_followee=per_followee, limit=limit)]
