"""The SQL of the catalogue (``sql/commerce/products.sql``): categories, products, variants, their
media, price tiers and stock movements. It runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from ...bus import PendingEvent
from ...sql import queries
from .shops_repository import Shop

_sql = queries("commerce")


def _from(cls, row: asyncpg.Record | None):
    return None if row is None else cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class Category:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    slug: str
    name: str
    name_sw: str | None
    position: int
    created_at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class Product:
    id: uuid.UUID
    shop_id: uuid.UUID
    category_id: uuid.UUID | None
    name: str
    description: str | None
    condition: str  # new or used
    state: str  # draft, active, archived or suspended (by an operator)
    currency: str
    options: list[dict[str, Any]]  # the option axes: [{"name": "Size", "values": ["S", "M"]}]
    low_stock_threshold: int
    published_at: datetime.datetime | None
    suspended_reason: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


@dataclasses.dataclass(frozen=True)
class Variant:
    id: uuid.UUID
    product_id: uuid.UUID
    shop_id: uuid.UUID
    sku: str
    options: dict[str, str]
    price: int
    stock_on_hand: int
    stock_committed: int
    position: int
    archived_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @property
    def available(self) -> int:
        return self.stock_on_hand - self.stock_committed


@dataclasses.dataclass(frozen=True)
class PriceTier:
    """From ``min_quantity`` units (to ``max_quantity``; None: no end) each costs ``unit_price``."""

    id: uuid.UUID
    product_id: uuid.UUID
    variant_id: uuid.UUID | None  # None: the product's, for each variant without tiers of its own
    min_quantity: int
    max_quantity: int | None
    unit_price: int


@dataclasses.dataclass(frozen=True)
class Movement:
    id: int
    variant_id: uuid.UUID
    on_hand_delta: int
    committed_delta: int
    on_hand_after: int
    committed_after: int
    reason: str
    note: str | None
    actor_id: uuid.UUID | None
    order_id: uuid.UUID | None
    created_at: datetime.datetime


# categories

async def categories(conn) -> list[Category]:
    return [_from(Category, row) async for row in _sql.categories(conn)]


async def category_by_id(conn, category_id: uuid.UUID) -> Category | None:
    return _from(Category, await _sql.category_by_id(conn, id=category_id))


async def insert_category(conn, **fields) -> Category:
    return _from(Category, await _sql.insert_category(conn, **fields))


# products

async def insert_product(conn, **fields) -> Product:
    return _from(Product, await _sql.insert_product(conn, **fields))


async def product_by_id(conn, product_id: uuid.UUID) -> Product | None:
    return _from(Product, await _sql.product_by_id(conn, id=product_id))


@dataclasses.dataclass(frozen=True)
class Seen:
    product: Product
    shop: Shop
    role: str | None  # the viewer's on the shop's staff; None: not staff, or anonymous
    owner_relationship: dict[str, Any] | None  # the columns of user_relationship(viewer, shop owner)


async def product_seen(conn, product_id: uuid.UUID, viewer_id: uuid.UUID | None) -> Seen | None:
    row = await _sql.product_seen(conn, id=product_id, viewer_id=viewer_id)
    if row is None:
        return None
    shop = Shop(**{field.name: row[f"shop.{field.name}"] for field in dataclasses.fields(Shop)})
    return Seen(_from(Product, row), shop, row["viewer_role"], row["owner_relationship"])


async def lock_product(conn, product_id: uuid.UUID) -> Product | None:
    return _from(Product, await _sql.lock_product(conn, id=product_id))


async def update_product(conn, product: Product) -> Product:
    return _from(Product, await _sql.update_product(
        conn, id=product.id, category_id=product.category_id, name=product.name, description=product.description,
        condition=product.condition, options=product.options, low_stock_threshold=product.low_stock_threshold))


async def touch_product(conn, product_id: uuid.UUID) -> None:
    await _sql.touch_product(conn, id=product_id)


async def set_product_state(conn, product_id: uuid.UUID, state: str) -> Product:
    return _from(Product, await _sql.set_product_state(conn, id=product_id, state=state))


async def suspend_product(conn, product_id: uuid.UUID, reason: str) -> Product:
    return _from(Product, await _sql.suspend_product(conn, id=product_id, reason=reason))


async def reinstate_product(conn, product_id: uuid.UUID) -> Product:
    return _from(Product, await _sql.reinstate_product(conn, id=product_id))


async def products_of_shop_page(conn, shop_id: uuid.UUID, states: Sequence[str], before: tuple,
                                limit: int) -> list[Product]:
    return [_from(Product, row) async for row in _sql.products_of_shop_page(
        conn, shop_id=shop_id, states=list(states), before_at=before[0], before_id=before[1], limit=limit)]


async def product_media(conn, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = {product_id: [] for product_id in product_ids}
    async for row in _sql.product_media(conn, product_ids=list(product_ids)):
        found[row["product_id"]].append(row["media_id"])
    return found


async def replace_product_media(conn, product_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> None:
    await _sql.delete_product_media(conn, product_id=product_id)
    if media_ids:
        await _sql.insert_product_media(conn, product_id=product_id, media_ids=list(media_ids))


# variants

async def insert_variant(conn, **fields) -> Variant:
    return _from(Variant, await _sql.insert_variant(conn, **fields))


async def variants_of_products(conn, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Variant]]:
    found: dict[uuid.UUID, list[Variant]] = {product_id: [] for product_id in product_ids}
    async for row in _sql.variants_of_products(conn, product_ids=list(product_ids)):
        found[row["product_id"]].append(_from(Variant, row))
    return found


async def variants_by_ids(conn, variant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Variant]:
    return {row["id"]: _from(Variant, row) async for row in _sql.variants_by_ids(conn, ids=list(variant_ids))}


async def update_variant(conn, variant: Variant) -> Variant:
    return _from(Variant, await _sql.update_variant(conn, id=variant.id, sku=variant.sku, options=variant.options,
                                                    price=variant.price, position=variant.position))


async def archive_variant(conn, variant_id: uuid.UUID) -> None:
    await _sql.archive_variant(conn, id=variant_id)


async def count_live_variants(conn, product_id: uuid.UUID) -> int:
    return await _sql.count_live_variants(conn, product_id=product_id)


async def next_variant_position(conn, product_id: uuid.UUID) -> int:
    return await _sql.next_variant_position(conn, product_id=product_id)


async def skus_taken(conn, shop_id: uuid.UUID, skus: Sequence[str], except_id: uuid.UUID | None = None) -> set[str]:
    return {row["sku"] async for row in _sql.skus_taken(conn, shop_id=shop_id, skus=[s.lower() for s in skus],
                                                          except_id=except_id)}


async def variant_media(conn, variant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = {variant_id: [] for variant_id in variant_ids}
    async for row in _sql.variant_media(conn, variant_ids=list(variant_ids)):
        found[row["variant_id"]].append(row["media_id"])
    return found


async def replace_variant_media(conn, variant_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> None:
    await _sql.delete_variant_media(conn, variant_id=variant_id)
    if media_ids:
        await _sql.insert_variant_media(conn, variant_id=variant_id, media_ids=list(media_ids))


# price tiers

def _tier(row: asyncpg.Record) -> PriceTier:
    return _from(PriceTier, row)


async def tiers_of_products(conn, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PriceTier]]:
    found: dict[uuid.UUID, list[PriceTier]] = {product_id: [] for product_id in product_ids}
    async for row in _sql.tiers_of_products(conn, product_ids=list(product_ids)):
        found[row["product_id"]].append(_tier(row))
    return found


async def tiers_for_variants(conn, variant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PriceTier]]:
    found: dict[uuid.UUID, list[PriceTier]] = {variant_id: [] for variant_id in variant_ids}
    async for row in _sql.tiers_for_variants(conn, variant_ids=list(variant_ids)):
        found[row["for_variant_id"]].append(_tier(row))
    return found


async def replace_tiers(conn, product_id: uuid.UUID, tiers: Sequence[PriceTier]) -> None:
    await _sql.delete_tiers(conn, product_id=product_id)
    if tiers:
        await _sql.insert_tiers(conn, product_id=product_id, ids=[t.id for t in tiers],
                                variant_ids=[t.variant_id for t in tiers],
                                min_quantities=[t.min_quantity for t in tiers],
                                max_quantities=[t.max_quantity for t in tiers],
                                unit_prices=[t.unit_price for t in tiers])


# stock

async def move_stock(conn, variant_id: uuid.UUID, *, on_hand_delta: int, committed_delta: int, reason: str,
                     note: str | None, actor_id: uuid.UUID | None, order_id: uuid.UUID | None,
                     event: PendingEvent) -> asyncpg.Record | None:
    routing_key, payload = event
    return await _sql.move_stock(conn, id=variant_id, on_hand_delta=on_hand_delta, committed_delta=committed_delta,
                                 reason=reason, note=note, actor_id=actor_id, order_id=order_id,
                                 event_id=uuid.uuid4(), routing_key=routing_key, payload=payload)


async def movements_page(conn, variant_id: uuid.UUID, before: tuple, limit: int) -> list[Movement]:
    return [_from(Movement, row) async for row in _sql.movements_page(
        conn, variant_id=variant_id, before_id=before[0], limit=limit)]
