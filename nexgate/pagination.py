"""Keyset pages behind opaque cursors: the one way every list of the API pages.

A list declares its sort as a ``Keyset`` (newest first on ``(time, id)``, oldest first, by
score, by sequence): the types of the key's parts and the key before every real row. Its
domain function calls ``fetch``, which asks the repository for one row more than the page
holds and encodes the last row's key as ``next_cursor``. A cursor names its keyset, so one
list's cursor is refused by a list that sorts another way, with the same 422 as any other
cursor the list did not hand out. Handlers take ``PageQuery`` (``limit``, ``cursor``) and
answer with ``page_schema(ItemSchema)``: ``{"items": [...], "next_cursor": str | null}``.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import marshmallow as ma
import orjson

from .errors import Invalid

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR = 200
NOT_A_CURSOR = "Not a cursor this list returned."

T = TypeVar("T")
R = TypeVar("R")
Key = tuple


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    def map(self, view: Callable[[T], R]) -> Page[R]:
        """The same page with each item shown as ``view`` shows it."""
        return Page([view(item) for item in self.items], self.next_cursor)


_PARTS: dict[type, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    # part type: (to JSON, from JSON: raises ValueError or TypeError on anything else)
    datetime.datetime: (datetime.datetime.isoformat, lambda raw: _aware(datetime.datetime.fromisoformat(raw))),
    uuid.UUID: (str, lambda raw: uuid.UUID(raw)),
    int: (int, lambda raw: raw if type(raw) is int else _refuse(raw)),
    float: (float, lambda raw: float(raw) if type(raw) in (int, float) else _refuse(raw)),
}


@dataclasses.dataclass(frozen=True)
class Keyset:
    """A sort order of a list: ``name`` (written into its cursors), the types of its key's
    parts, and ``start``, the key before the first row."""

    name: str
    parts: tuple[type, ...]
    start: Key

    def encode(self, key: Key) -> str:
        if len(key) != len(self.parts):
            raise ValueError(f"a {self.name} key has {len(self.parts)} parts, not {len(key)}")
        raw = orjson.dumps([self.name, *(_PARTS[part][0](value) for part, value in zip(self.parts, key))])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str | None) -> Key:
        """The key a cursor names (``start`` for None), or ``Invalid`` naming ``cursor``."""
        if cursor is None:
            return self.start
        try:
            name, *values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            if name != self.name or len(values) != len(self.parts):
                raise ValueError(name)
            return tuple(_PARTS[part][1](value) for part, value in zip(self.parts, values))
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
            raise Invalid.fields("query", {"cursor": NOT_A_CURSOR}) from None


NEWEST_FIRST = Keyset("newest", (datetime.datetime, uuid.UUID),
                      (datetime.datetime.max.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=(1 << 128) - 1)))
OLDEST_FIRST = Keyset("oldest", (datetime.datetime, uuid.UUID),
                      (datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=0)))


async def fetch(keyset: Keyset, cursor: str | None, limit: int, load: Callable[[Key, int], Awaitable[Sequence[R]]],
                key: Callable[[R], Key]) -> Page[R]:
    """One page of the rows ``load(after, n)`` returns (the first ``n`` rows past the key
    ``after``, in the keyset's order): one row more is asked for, to know whether another
    page follows; ``key(row)`` is a row's position."""
    rows = await load(keyset.decode(cursor), limit + 1)
    items = list(rows[:limit])
    return Page(items, keyset.encode(key(items[-1])) if len(rows) > limit else None)


class PageQuery(ma.Schema):
    """The query of every list: how many items, and from where."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=MAX_CURSOR),
                              metadata={"description": "next_cursor of the previous page"})


def page_schema(item: type[ma.Schema], *, name: str | None = None, description: str = "null on the last page",
                ) -> type[ma.Schema]:
    """The response schema of a list of ``item``: its OpenAPI component (``<Item>Page`` unless
    ``name`` says otherwise) names what the page holds."""
    name = name or f"{item.__name__.removesuffix('Schema')}PageSchema"
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "next_cursor": ma.fields.String(allow_none=True, required=True, metadata={"description": description}),
    }, name=name)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise ValueError("a cursor's time has a time zone")
    return moment


def _refuse(raw: Any) -> Any:
    raise ValueError(raw)
