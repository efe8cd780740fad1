"""Who sells a product, for the areas that tell sellers of what happens around their products
(the social area: a like of, or a comment on, a post featuring one; docs/social.md)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from . import cards_repository
from .cards_repository import ProductSeller


async def product_sellers(conn, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ProductSeller]:
    """The seller and name of each product that exists, by product id (on the caller's connection)."""
    if not product_ids:
        return {}
    return await cards_repository.product_sellers(conn, product_ids)
