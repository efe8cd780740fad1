"""Keyset pages of user lists: newest first on (since, id), behind an opaque cursor."""
from __future__ import annotations

import base64
import dataclasses
import datetime
import uuid
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from ...errors import Invalid

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# The key before every real row: the first page starts here.
_START = (datetime.datetime(9999, 12, 31, tzinfo=datetime.timezone.utc), uuid.UUID(int=(1 << 128) - 1))

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def decode(cursor: str | None) -> tuple[datetime.datetime, uuid.UUID]:
    """The position a cursor names (the start for None); ``Invalid`` naming ``cursor`` otherwise."""
    if cursor is None:
        return _START
    try:
        raw = base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode()
        since, _, user_id = raw.partition("|")
        position = datetime.datetime.fromisoformat(since), uuid.UUID(user_id)
        if position[0].tzinfo is None:
            raise ValueError("naive time")
    except ValueError:
        raise Invalid.fields("query", {"cursor": "Not a cursor this list returned."}) from None
    return position


def encode(since: datetime.datetime, user_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{since.isoformat()}|{user_id}".encode()).decode().rstrip("=")


async def fetch(load: Callable[[tuple, int], Awaitable[list]], cursor: str | None, limit: int) -> Page:
    """One page from ``load(before, limit)``, whose rows carry ``since`` and ``id``: asks for one
    row more than the page holds, to know whether another page follows."""
    rows = await load(decode(cursor), limit + 1)
    items = rows[:limit]
    more = len(rows) > limit
    return Page(items, encode(items[-1].since, items[-1].id) if more else None)
