"""Who sells a product, for the areas that tell sellers of what happens around their products
(the social area: a like of, or a comment on, a post featuring one; docs/social.md)."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from ...sql import all_rows, queries

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class ProductSeller:
    product_id: uuid.UUID
    product_name: str
    seller_id: uuid.UUID  # the product's shop's owner


async def product_sellers(conn, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProductSeller]:
    """The seller and name of each product that exists, by product id (on the caller's connection)."""
    if not product_ids:
        return {}
    rows = await all_rows(_sql.product_sellers, conn, ids=list(product_ids))
    return {row["product_id"]: ProductSeller(**dict(row)) for row in rows}
