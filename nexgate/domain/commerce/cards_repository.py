"""The SQL of what other areas show of products and shops: their cards (``sql/commerce/cards.sql``)
and who sells a product (``sql/commerce/sellers.sql``)."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from ...sql import all_rows, queries
from .products_repository import Product, _from
from .reviews_repository import Rating, _rating
from .shops_repository import Shop

_sql = queries("commerce")


async def products_by_ids(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Product]:
    return {row["id"]: _from(Product, row) for row in await all_rows(_sql.products_by_ids, conn, ids=list(ids))}


async def shops_by_ids(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Shop]:
    return {row["id"]: Shop.from_row(row) for row in await all_rows(_sql.shops_by_ids, conn, ids=list(ids))}


async def shop_ratings(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Rating]:
    found = {row["shop_id"]: _rating(row) for row in await all_rows(_sql.shop_ratings, conn, ids=list(ids))}
    return {shop_id: found.get(shop_id) or _rating(None) for shop_id in ids}


@dataclasses.dataclass(frozen=True)
class ProductSeller:
    product_id: uuid.UUID
    product_name: str
    seller_id: uuid.UUID  # the product's shop's owner


async def product_sellers(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProductSeller]:
    rows = await all_rows(_sql.product_sellers, conn, ids=list(ids))
    return {row["product_id"]: ProductSeller(**dict(row)) for row in rows}
