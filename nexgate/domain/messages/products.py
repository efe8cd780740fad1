"""Product-context messages (spec 003 "Product-Context Messaging"): a message that carries a
product reference and a snapshot of it (name, image, price, shop), shown as a banner.

``product_snapshot`` is the seam the commerce area will implement. Commerce does not exist
yet, so today it checks the reference and snapshot the client sends and stores them as given.
Once products exist, it will look the product up by ``product_id`` (refusing unknown or
unpublished ones with ``product_not_found``) and build the snapshot from the product itself,
ignoring the client's copy; callers do not change.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...errors import Invalid
from ...platform import Platform

DEFAULT_TEXT = "Hi, I'm interested in {name}. Is this still available?"


async def product_snapshot(platform: Platform, *, product_id: uuid.UUID, given: dict[str, Any]) -> dict[str, Any]:
    """The snapshot stored with a message about ``product_id``: what the message shows even if
    the product later changes or goes away. ``given`` is the client's copy (already validated
    field by field by the caller's schema)."""
    price = given["price"]
    if price["amount"] < 0:
        raise Invalid.fields("body", {"product": {"price": {"amount": ["Must be 0 or more minor units."]}}})
    shop = given.get("shop")
    return {
        "product_id": str(product_id),
        "name": given["name"],
        "image_url": given.get("image_url"),
        "price": {"amount": int(price["amount"]), "currency": price["currency"]},
        "shop": None if shop is None else {"id": str(shop["id"]), "name": shop["name"]},
    }


def default_text(snapshot: dict[str, Any]) -> str:
    """What a product message says when the sender wrote nothing (spec 003's template)."""
    return DEFAULT_TEXT.format(name=snapshot["name"])
