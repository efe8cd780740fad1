"""Product and shop cards for other areas (a post's embeds, docs/social.md "Embeds"): checking
that a user may embed them, and their cards for a viewer, in batch (a fixed number of queries
whatever the count).

A card is shown for every product or shop that exists, in the state it is in now: an archived
product's card says ``archived``; one the viewer may no longer see (a draft again, suspended, of
a suspended shop, of an owner blocked either way) says ``unavailable`` and shows nothing else.
Each card names the topic its live changes come on (``product:<id>``; a shop has none).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ...platform import Platform
from ..media import attachments
from ..users import visibility
from . import cards_repository, products_repository
from .products import SUSPENDED
from .views import product_embed_card, shop_embed_card

EMBEDDABLE_PRODUCT_STATES = ("active",)


def _product_seen(product, shop, hidden: set[uuid.UUID]) -> bool:
    return (product.state not in ("draft", SUSPENDED) and shop is not None and shop.state != "suspended"
            and shop.owner_id not in hidden)


async def unembeddable(conn, author_id: uuid.UUID, product_ids: Sequence[uuid.UUID],
                       shop_ids: Sequence[uuid.UUID]) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """The products and shops of these the author may not embed in a post: no such product, not
    published (``active``), of a suspended shop or of an owner blocked either way; no such shop,
    suspended, or of an owner blocked either way."""
    products = await cards_repository.products_by_ids(conn, product_ids)
    shops = await cards_repository.shops_by_ids(conn, {*shop_ids, *(p.shop_id for p in products.values())})
    hidden = set(await visibility.blocked_either_way(conn, author_id))
    bad_products = {i for i in product_ids if i not in products or products[i].state not in EMBEDDABLE_PRODUCT_STATES
                    or not _product_seen(products[i], shops.get(products[i].shop_id), hidden)}
    bad_shops = {i for i in shop_ids if i not in shops or shops[i].state == "suspended" or shops[i].owner_id in hidden}
    return bad_products, bad_shops


async def shop_owners(conn, shop_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """Each shop's owner and name (for telling the owner their shop was tagged)."""
    return {i: (shop.owner_id, shop.name) for i, shop in (await cards_repository.shops_by_ids(conn, shop_ids)).items()}


async def embed_cards(platform: Platform, conn, viewer_id: uuid.UUID | None, product_ids: Sequence[uuid.UUID],
                      shop_ids: Sequence[uuid.UUID]) -> tuple[dict[uuid.UUID, dict[str, Any]], dict[uuid.UUID, dict[str, Any]]]:
    """The cards of these products and shops as the viewer sees them, by id."""
    if not product_ids and not shop_ids:
        return {}, {}
    products = await cards_repository.products_by_ids(conn, product_ids) if product_ids else {}
    shops = await cards_repository.shops_by_ids(conn, {*shop_ids, *(p.shop_id for p in products.values())})
    hidden = set(await visibility.blocked_either_way(conn, viewer_id))
    variants = await products_repository.variants_of_products(conn, list(products)) if products else {}
    media = await products_repository.product_media(conn, list(products)) if products else {}
    ratings = await cards_repository.shop_ratings(conn, list(shop_ids)) if shop_ids else {}
    images = [media[i][0] for i in products if media.get(i)]
    logos = [shop.logo_media_id for shop in shops.values() if shop.logo_media_id is not None]
    views = await attachments.attachment_views(platform, [*images, *logos]) if images or logos else {}
    product_cards = {}
    for product_id, product in products.items():
        shop = shops.get(product.shop_id)
        seen = _product_seen(product, shop, hidden)
        image = views.get(media[product_id][0]) if media.get(product_id) else None
        product_cards[product_id] = product_embed_card(product, shop, variants.get(product_id, []), image, seen)
    shop_cards = {shop_id: shop_embed_card(shops[shop_id], views.get(shops[shop_id].logo_media_id), ratings[shop_id],
                                           shops[shop_id].state != "suspended" and shops[shop_id].owner_id not in hidden)
                  for shop_id in shop_ids if shop_id in shops}
    return product_cards, shop_cards
