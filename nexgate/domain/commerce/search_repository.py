"""The SQL of search (``sql/commerce/search.sql``): it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ...sql import all_rows, queries
from .shops_repository import Shop

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class Found:
    """A product as a search lists it, with its place in the sort (k1, k2, then its id)."""

    product_id: uuid.UUID
    name: str
    shop_id: uuid.UUID
    shop_handle: str
    shop_name: str
    shop_logo_media_id: uuid.UUID | None
    shop_region: str | None
    shop_city: str | None
    category_id: uuid.UUID | None
    condition: str
    currency: str
    price: int
    in_stock: bool
    rating: float
    rating_count: int
    listed_at: datetime.datetime
    image_media_id: uuid.UUID | None
    k1: float
    k2: float

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Found:
        return cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})

    def position(self) -> tuple[float, float, uuid.UUID]:
        return self.k1, self.k2, self.product_id


async def search_products(conn, **params: Any) -> list[Found]:
    return [Found.from_row(row) for row in await all_rows(_sql.search_products, conn, **params)]


async def category_subtree(conn, category_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.category_subtree, conn, category_id=category_id)]


async def category_by_slug(conn, slug: str) -> uuid.UUID | None:
    return await _sql.category_by_slug(conn, slug=slug)


async def search_shops(conn, **params: Any) -> list[tuple[Shop, float]]:
    return [(Shop.from_row(row), row["score"]) for row in await all_rows(_sql.search_shops, conn, **params)]
