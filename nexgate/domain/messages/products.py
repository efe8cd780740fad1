"""Product-context messages (spec 003 "Product-Context Messaging"): a message that carries a
product reference and a snapshot of it (name, image, price, shop), shown as a banner.

``product_snapshot`` builds the snapshot from the product itself, as the sender may see it
(``commerce.products.get_product``: a product they may not see, a draft of someone else's shop,
a suspended shop's, one whose owner and the sender blocked each other, is 404
``product_not_found``, as one that does not exist). Whatever else the client sends of the
product is ignored: a banner shows what the product was when the message was sent.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...platform import Platform
from ..auth.caller import Caller
from ..commerce import products as catalogue

DEFAULT_TEXT = "Hi, I'm interested in {name}. Is this still available?"


async def product_snapshot(platform: Platform, sender: Caller, *, product_id: uuid.UUID) -> dict[str, Any]:
    """The snapshot stored with a message about ``product_id``: what the message shows even if
    the product later changes or goes away. Its price is the lowest of its variants on sale (the
    "from" price a product card shows); its image the product's first, at its largest size."""
    found = await catalogue.get_product(platform, sender, product_id)
    product, shop = found.product, found.shop
    on_sale = [variant.price for variant in found.variants if variant.archived_at is None]
    prices = on_sale or [variant.price for variant in found.variants] or [0]
    image = next((found.media[media_id] for media_id in found.media_ids if media_id in found.media), None)
    return {
        "product_id": str(product.id),
        "name": product.name,
        "image_url": _largest_url(image),
        "price": {"amount": min(prices), "currency": product.currency},
        "shop": {"id": str(shop.id), "name": shop.name},
    }


def _largest_url(media: dict[str, Any] | None) -> str | None:
    if media is None or not media.get("variants"):
        return None
    return max(media["variants"], key=lambda variant: variant["width"] or 0)["url"]


def default_text(snapshot: dict[str, Any]) -> str:
    """What a product message says when the sender wrote nothing (spec 003's template)."""
    return DEFAULT_TEXT.format(name=snapshot["name"])
