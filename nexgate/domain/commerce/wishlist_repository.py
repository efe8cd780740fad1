"""The SQL of the wishlist (``sql/commerce/wishlist.sql``): it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class Saved:
    """A saved product as the wishlist shows it."""

    product_id: uuid.UUID
    variant_id: uuid.UUID | None
    saved_at: datetime.datetime
    name: str
    state: str
    shop_id: uuid.UUID
    shop_handle: str
    shop_name: str
    shop_logo_media_id: uuid.UUID | None
    shop_region: str | None
    shop_city: str | None
    category_id: uuid.UUID | None
    condition: str
    currency: str
    price: int | None
    in_stock: bool
    variant_price: int | None
    rating: float
    rating_count: int
    listed_at: datetime.datetime
    image_media_id: uuid.UUID | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Saved:
        return cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.saved_at, self.product_id


async def lock_wishlist(conn, user_id: uuid.UUID) -> None:
    await _sql.lock_wishlist(conn, user_id=user_id)


async def count_items(conn, user_id: uuid.UUID) -> int:
    return await _sql.count_items(conn, user_id=user_id)


async def save_item(conn, user_id: uuid.UUID, product_id: uuid.UUID, variant_id: uuid.UUID | None) -> asyncpg.Record:
    return await _sql.save_item(conn, user_id=user_id, product_id=product_id, variant_id=variant_id)


async def delete_item(conn, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_item(conn, user_id=user_id, product_id=product_id))


async def items_page(conn, user_id: uuid.UUID, hidden_owner_ids: list[uuid.UUID], before: tuple,
                     limit: int, product_id: uuid.UUID | None = None) -> list[Saved]:
    return [Saved.from_row(row) async for row in _sql.items_page(
        conn, user_id=user_id, product_id=product_id, hidden_owner_ids=hidden_owner_ids, before_at=before[0], before_id=before[1],
        limit=limit)]


async def listed_product(conn, product_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.listed_product(conn, product_id=product_id)


async def savers(conn, product_id: uuid.UUID, variant_id: uuid.UUID, owner_id: uuid.UUID,
                 saved_before: datetime.datetime) -> list[uuid.UUID]:
    return [row["user_id"] async for row in _sql.savers(conn, product_id=product_id, variant_id=variant_id,
                                                         owner_id=owner_id, saved_before=saved_before)]
