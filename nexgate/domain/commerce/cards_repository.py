"""The SQL of the cards other areas show of products and shops (``sql/commerce/cards.sql``)."""
from __future__ import annotations

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
