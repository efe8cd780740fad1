"""The buyer's cart (docs/commerce.md, "Cart"): variants of any shops' products, each with a
quantity, kept until checkout buys them or the buyer takes them out.

A line remembers the unit price the buyer was last shown (``seen_price``). Every read of the cart
prices each line again (its variant's price, or the quantity tier that covers it, ``pricing``)
and checks it can still be bought (the product active and visible to the buyer, the variant not
archived, the shop open, enough available): a line whose price moved since the last read carries
the notice ``price_changed`` with both prices, one that sold out ``out_of_stock``, one with fewer
units left than it asks ``insufficient_stock`` (with what is left), one no longer on sale
``unavailable``; the read then records the prices it showed, so that checkout charges what the
buyer saw or refuses (409 ``price_changed``). Totals count only the lines that can be bought.
Every change to one buyer's cart, and a checkout from it, runs under one lock per buyer.
"""
from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ...errors import Conflict, DomainError, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from . import cart_repository as repository
from . import pricing, products
from .cart_repository import CartItem, Offer

MAX_LINES = 50  # variants in one cart
MAX_QUANTITY = 999  # units of one variant in one line (the table's CHECK)


@dataclasses.dataclass(frozen=True)
class Line:
    """A line of a cart or of a checkout, priced and checked now."""

    offer: Offer
    quantity: int
    unit_price: int  # now, for this quantity
    seen_price: int | None  # what the buyer was shown (the cart's last read); None: nothing shown
    notices: tuple[dict[str, Any], ...]

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def purchasable(self) -> bool:
        return not any(notice["code"] in BLOCKING for notice in self.notices)


BLOCKING = ("out_of_stock", "insufficient_stock", "unavailable")


def cart_item_not_found() -> NotFound:
    return NotFound("That variant is not in your cart", code="cart_item_not_found")


def variant_not_found() -> NotFound:
    return NotFound("No such variant", code="variant_not_found")


async def cart_of(platform: Platform, caller: Caller) -> list[Line]:
    """The caller's cart priced and checked now; the prices shown are remembered as seen."""
    async with _cart(platform, caller.user_id, "commerce.cart_read") as conn:
        return await _read(conn, caller.user_id)


async def add(platform: Platform, caller: Caller, *, product_id: uuid.UUID, variant_id: uuid.UUID,
              quantity: int) -> list[Line]:
    """Add ``quantity`` units of the variant (to what the cart has of it already)."""
    async with _cart(platform, caller.user_id, "commerce.cart_add") as conn:
        offer = await offer_to_buy(conn, caller.user_id, product_id, variant_id)
        held = await repository.cart_quantity(conn, caller.user_id, variant_id)
        if held is None and await repository.count_cart_items(conn, caller.user_id) >= MAX_LINES:
            raise Conflict(f"A cart holds at most {MAX_LINES} different items", code="cart_full",
                           details={"max": MAX_LINES})
        await _put(conn, caller.user_id, offer, (held or 0) + quantity)
        return await _read(conn, caller.user_id)


async def change(platform: Platform, caller: Caller, variant_id: uuid.UUID, *, quantity: int) -> list[Line]:
    """Set the quantity of a variant in the cart."""
    async with _cart(platform, caller.user_id, "commerce.cart_change") as conn:
        if await repository.cart_quantity(conn, caller.user_id, variant_id) is None:
            raise cart_item_not_found()
        offer = (await repository.offers(conn, [variant_id]))[variant_id]
        check_buyable(offer, caller.user_id)
        await _visible(conn, caller.user_id, offer)
        await _put(conn, caller.user_id, offer, quantity)
        return await _read(conn, caller.user_id)


async def remove(platform: Platform, caller: Caller, variant_id: uuid.UUID) -> list[Line]:
    async with _cart(platform, caller.user_id, "commerce.cart_remove") as conn:
        if not await repository.delete_cart_item(conn, caller.user_id, variant_id):
            raise cart_item_not_found()
        return await _read(conn, caller.user_id)


# shared with checkout

@contextlib.asynccontextmanager
async def _cart(platform: Platform, user_id: uuid.UUID, name: str) -> AsyncIterator:
    async with platform.core.transaction(name) as conn:
        await repository.lock_cart_of_user(conn, user_id)
        yield conn


async def lock(conn, user_id: uuid.UUID) -> None:
    """Hold the buyer's cart for the caller's transaction (checkout from it)."""
    await repository.lock_cart_of_user(conn, user_id)


async def items(conn, user_id: uuid.UUID) -> list[CartItem]:
    return await repository.cart_items_of_user(conn, user_id)


async def bought(conn, user_id: uuid.UUID, variant_ids: Sequence[uuid.UUID]) -> None:
    """Take the lines a checkout bought out of the cart."""
    await repository.delete_cart_items(conn, user_id, variant_ids)


async def offer_to_buy(conn, buyer_id: uuid.UUID, product_id: uuid.UUID, variant_id: uuid.UUID) -> Offer:
    """The variant, if the buyer may buy it now: 404 for a product they may not see or a variant
    that does not exist, 422 ``variant_not_of_product`` for a variant of another product, 409 for
    one not on sale, of a closed shop or of their own shop."""
    await products.visible_product(conn, buyer_id, product_id)
    offer = (await repository.offers(conn, [variant_id])).get(variant_id)
    if offer is None:
        raise variant_not_found()
    if offer.product_id != product_id:
        raise Invalid.fields("body", {"variant_id": "This variant is not one of the product's."},
                             code="variant_not_of_product")
    check_buyable(offer, buyer_id)
    return offer


def check_buyable(offer: Offer, buyer_id: uuid.UUID) -> None:
    """409 unless the offer is on sale: the product active, the variant not archived, the shop
    open and not the buyer's own."""
    if offer.product_state != "active" or offer.variant_archived:
        raise Conflict(f"{offer.product_name} ({offer.sku}) is no longer on sale", code="product_unavailable",
                       details=about(offer))
    if offer.shop_state != "open":
        raise Conflict(f"{offer.shop_name} is not taking orders", code="shop_closed", details=about(offer))
    if offer.seller_id == buyer_id:
        raise Conflict("You cannot buy from your own shop", code="own_shop", details=about(offer))


def check_quantity(offer: Offer, quantity: int) -> None:
    """409 ``out_of_stock`` (none left) or ``insufficient_stock`` (fewer than asked) naming the variant."""
    if quantity <= offer.available:
        return
    details = {**about(offer), "available": max(offer.available, 0), "requested": quantity}
    if offer.available <= 0:
        raise Conflict(f"{offer.product_name} ({offer.sku}) is out of stock", code="out_of_stock", details=details)
    raise Conflict(f"Only {offer.available} of {offer.product_name} ({offer.sku}) left", code="insufficient_stock",
                   details=details)


async def price(conn, wanted: Sequence[tuple[Offer, int, int | None]], buyer_id: uuid.UUID, *,
                seen: frozenset[uuid.UUID] = frozenset()) -> list[Line]:
    """Each (offer, quantity, price seen) priced for its quantity now and checked, with its notices
    (``seen``: products the caller checked the buyer may see already)."""
    tiers = await pricing.tiers_for(conn, [offer.variant_id for offer, _, _ in wanted])
    hidden = await _hidden(conn, buyer_id, {offer.product_id for offer, _, _ in wanted} - seen)
    lines = []
    for offer, quantity, seen in wanted:
        unit = pricing.unit_price(offer.price, tiers.get(offer.variant_id, ()), quantity)
        lines.append(Line(offer, quantity, unit, seen, tuple(_notices(offer, quantity, unit, seen, buyer_id,
                                                                      offer.product_id in hidden))))
    return lines


def _notices(offer: Offer, quantity: int, unit: int, seen: int | None, buyer_id: uuid.UUID,
             hidden: bool) -> list[dict[str, Any]]:
    notices = []
    try:
        if hidden:
            raise Conflict(f"{offer.product_name} is no longer shown", code="product_unavailable")
        check_buyable(offer, buyer_id)
    except DomainError as refused:
        return [{"code": "unavailable", "reason": refused.code, "message": refused.message}]
    if seen is not None and seen != unit:
        notices.append({"code": "price_changed", "old_price": seen, "new_price": unit,
                        "message": f"The price changed from {seen} to {unit} {offer.currency} (minor units) "
                                   "since you last saw it"})
    if offer.available <= 0:
        notices.append({"code": "out_of_stock", "available": 0, "message": "Sold out since you added it"})
    elif offer.available < quantity:
        notices.append({"code": "insufficient_stock", "available": offer.available,
                        "message": f"Only {offer.available} left: lower the quantity to buy it"})
    return notices


async def _hidden(conn, buyer_id: uuid.UUID, product_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    hidden = set()
    for product_id in sorted(product_ids):
        try:
            await products.visible_product(conn, buyer_id, product_id)
        except NotFound:
            hidden.add(product_id)
    return hidden


async def _visible(conn, buyer_id: uuid.UUID, offer: Offer) -> None:
    await products.visible_product(conn, buyer_id, offer.product_id)


async def _put(conn, user_id: uuid.UUID, offer: Offer, quantity: int) -> None:
    if quantity > MAX_QUANTITY:
        raise Invalid.fields("body", {"quantity": f"At most {MAX_QUANTITY} units of one item in a cart."})
    check_quantity(offer, quantity)
    tiers = await pricing.tiers_for(conn, [offer.variant_id])
    await repository.put_cart_item(conn, user_id, offer.variant_id, quantity,
                                   pricing.unit_price(offer.price, tiers.get(offer.variant_id, ()), quantity))


async def _read(conn, user_id: uuid.UUID) -> list[Line]:
    held = await repository.cart_items_of_user(conn, user_id)
    lines = await price(conn, [(item.offer, item.quantity, item.seen_price) for item in held], user_id)
    await repository.mark_cart_prices_seen(conn, user_id, {
        line.offer.variant_id: line.unit_price for line in lines if line.unit_price != line.seen_price})
    return lines


def about(offer: Offer) -> dict[str, Any]:
    return {"variant_id": str(offer.variant_id), "product_id": str(offer.product_id), "sku": offer.sku}
