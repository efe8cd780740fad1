"""The wishlist (docs/commerce.md, "Wishlist"): the products a buyer saved, each once,
optionally one variant of it, at most ``MAX_ITEMS``; and, from the catalogue's events, the
notices to its savers when a saved product's price drops or it is back in stock.

A product is saved only if the buyer may see it (``products.visible_product``); the list shows
each saved product the buyer may still see, with its price and availability now. The
``commerce_wishlist`` consumer group hears ``commerce.variant_price.changed`` and
``commerce.variant_stock.changed``: a lower price, or a variant from none available to some,
of a product on sale becomes ``commerce.wishlist_price.dropped`` or
``commerce.wishlist_item.restocked`` naming the savers (of the product as a whole, or of that
variant, who saved it before the change; never one blocked either way with the owner), which
the notification service tells each of. A new variant's first stock is no return to stock. They are written in the consumer's transaction, so each catalogue event is told once.
"""
from __future__ import annotations

import dataclasses
import uuid

from ... import bus
from ...bus import Event
from ...errors import Conflict, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import products
from . import wishlist_repository as repository
from .events import (VARIANT_PRICE_CHANGED, VARIANT_STOCK_CHANGED, WISHLIST_BACK_IN_STOCK,
                     WISHLIST_PRICE_DROPPED)
from .wishlist_repository import Saved

MAX_ITEMS = 500
RECIPIENTS_PER_EVENT = 500  # a product many saved is told in events of this many savers each


@dataclasses.dataclass(frozen=True)
class SaveResult:
    item: Saved
    created: bool  # False: it was saved already (its variant is now the one named)


def not_saved() -> NotFound:
    return NotFound("This product is not on your wishlist", code="wishlist_item_not_found")


async def save(platform: Platform, caller: Caller, product_id: uuid.UUID, variant_id: uuid.UUID | None) -> SaveResult:
    """Save a product the caller may see (404 ``product_not_found`` otherwise), optionally one
    of its variants not archived (422 naming ``variant_id`` otherwise)."""
    async with platform.core.transaction("commerce.wishlist_save") as conn:
        await products.visible_product(conn, caller.user_id, product_id)
        if variant_id is not None:
            variant = (await products.variants(conn, [variant_id])).get(variant_id)
            if variant is None or variant.product_id != product_id or variant.archived_at is not None:
                raise Invalid.fields("body", {"variant_id": "Not a variant of this product on sale."})
        await repository.lock_wishlist(conn, caller.user_id)
        saved = await repository.save_item(conn, caller.user_id, product_id, variant_id)
        if saved["created"] and await repository.count_items(conn, caller.user_id) > MAX_ITEMS:
            raise Conflict(f"Your wishlist holds {MAX_ITEMS} products, the most it can", code="wishlist_full",
                           details={"max": MAX_ITEMS})
        item = await _item(conn, caller.user_id, product_id)
        if item is None:  # what its staff see of it, but the wishlist never shows: a draft, a suspended shop's
            raise products.not_found()
    return SaveResult(item, saved["created"])


async def remove(platform: Platform, caller: Caller, product_id: uuid.UUID) -> None:
    async with platform.core.transaction("commerce.wishlist_remove") as conn:
        if not await repository.delete_item(conn, caller.user_id, product_id):
            raise not_saved()


async def items(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page[Saved]:
    """The caller's saved products they may still see, the latest saved first."""
    async with platform.core.connection() as conn:
        hidden = await visibility.blocked_either_way(conn, caller.user_id)
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.items_page(conn, caller.user_id, hidden, before, n),
                           Saved.position)


async def _item(conn, user_id: uuid.UUID, product_id: uuid.UUID) -> Saved | None:
    hidden = await visibility.blocked_either_way(conn, user_id)
    found = await repository.items_page(conn, user_id, hidden, NEWEST_FIRST.start, 1, product_id=product_id)
    return found[0] if found else None


# the notices, for the commerce_wishlist consumer group

async def tell_savers(conn, event: Event) -> None:
    """A catalogue event that is news to the product's savers becomes their notice."""
    payload = event.payload
    if event.type == VARIANT_PRICE_CHANGED:
        if payload["new_price"] >= payload["old_price"]:
            return
        notice = WISHLIST_PRICE_DROPPED
    elif event.type == VARIANT_STOCK_CHANGED:
        if payload["reason"] == "initial" or not payload["previous_available"] <= 0 < payload["available"]:
            return
        notice = WISHLIST_BACK_IN_STOCK
    else:
        return
    product = await repository.listed_product(conn, uuid.UUID(payload["product_id"]))
    if product is None:
        return
    savers = await repository.savers(conn, product["id"], uuid.UUID(payload["variant_id"]), product["owner_id"],
                                     event.occurred_at)
    told = {"product_id": str(product["id"]), "variant_id": payload["variant_id"], "shop_id": str(product["shop_id"]),
            "product_name": product["name"]}
    if notice == WISHLIST_PRICE_DROPPED:
        told |= {"old_price": payload["old_price"], "new_price": payload["new_price"], "currency": product["currency"]}
    else:
        told |= {"available": payload["available"]}
    for start in range(0, len(savers), RECIPIENTS_PER_EVENT):
        chunk = savers[start:start + RECIPIENTS_PER_EVENT]
        await bus.emit(conn, notice, {**told, "recipient_ids": [str(user_id) for user_id in chunk]})
