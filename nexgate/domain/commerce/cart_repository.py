"""The SQL of the cart (``sql/commerce/cart.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from ...sql import queries

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class Offer:
    """A variant as the cart and checkout read it: its price and what is available now, with
    its product and shop."""

    variant_id: uuid.UUID
    product_id: uuid.UUID
    shop_id: uuid.UUID
    sku: str
    options: dict[str, Any]
    price: int
    available: int
    variant_archived: bool
    product_name: str
    product_state: str
    currency: str
    low_stock_threshold: int
    shop_state: str
    seller_id: uuid.UUID
    shop_handle: str
    shop_name: str

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Offer:
        return cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class CartItem:
    offer: Offer
    quantity: int
    seen_price: int
    added_at: Any


async def lock_cart_of_user(conn, user_id: uuid.UUID) -> None:
    await _sql.lock_cart_of_user(conn, user_id=user_id)


async def cart_items_of_user(conn, user_id: uuid.UUID) -> list[CartItem]:
    return [CartItem(Offer.from_row(row), row["quantity"], row["seen_price"], row["added_at"])
            async for row in _sql.cart_items_of_user(conn, user_id=user_id)]


async def count_cart_items(conn, user_id: uuid.UUID) -> int:
    return await _sql.count_cart_items(conn, user_id=user_id)


async def cart_quantity(conn, user_id: uuid.UUID, variant_id: uuid.UUID) -> int | None:
    return await _sql.cart_quantity(conn, user_id=user_id, variant_id=variant_id)


async def put_cart_item(conn, user_id: uuid.UUID, variant_id: uuid.UUID, quantity: int, seen_price: int) -> None:
    await _sql.put_cart_item(conn, user_id=user_id, variant_id=variant_id, quantity=quantity, seen_price=seen_price)


async def delete_cart_item(conn, user_id: uuid.UUID, variant_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_cart_item(conn, user_id=user_id, variant_id=variant_id))


async def delete_cart_items(conn, user_id: uuid.UUID, variant_ids: Sequence[uuid.UUID]) -> None:
    await _sql.delete_cart_items(conn, user_id=user_id, variant_ids=list(variant_ids))


async def mark_cart_prices_seen(conn, user_id: uuid.UUID, prices: dict[uuid.UUID, int]) -> None:
    if prices:
        await _sql.mark_cart_prices_seen(conn, user_id=user_id, variant_ids=list(prices), prices=list(prices.values()))


async def offers(conn, variant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Offer]:
    return {row["variant_id"]: Offer.from_row(row)
            async for row in _sql.checkout_variants(conn, variant_ids=list(variant_ids))}
