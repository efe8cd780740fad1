"""Checkout (docs/commerce.md, "Checkout"): the buyer's cart, or the items of a "buy now", become
one order per shop, each waiting for its payment with its stock reserved.

In one transaction, under the buyer's cart lock: each line is priced for its quantity now
(``pricing``) and checked as the cart checks it (a product the buyer may see, active, of an open
shop not their own; for the cart, the price it last showed them: another is 409
``price_changed``, so the total shown is the total charged); each shop's order gets its
fulfilment (delivery to one of the buyer's addresses, at the shop's fee for its region, or pickup
where the shop offers it), its escrow hold for its total (``payments.holds.open_hold``, the buyer
its payer) and a durable job at ``reserved_until`` (``NEXGATE_COMMERCE_RESERVATION_S``, 15
minutes) that cancels it if still unpaid. The stock is reserved last (``reservations.reserve``:
every variant in id order, one conditional UPDATE each), so a variant's row is locked only from
its reservation to the commit; a variant without enough left is 409 ``out_of_stock`` or
``insufficient_stock`` naming it, and nothing of the checkout stays. Then, with a ``method_id``,
each order's payment is begun for exactly its total (``payments.payments.start``).

A checkout is made once per ``Idempotency-Key``: the route is idempotent (``nexgate/idempotency.py``
answers a retry), and the ``checkouts`` row, unique per buyer and key and written in the same
transaction with the request's fingerprint, answers a retry that runs again with the checkout
already made (and refuses the key with another request).
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from ... import limits
from ...errors import Conflict, DomainError, Invalid
from ...platform import Platform
from ..auth.caller import Caller
from ..payments import holds, methods, payments
from ..payments.ledger import Cause
from . import addresses, cart, orders, reservations, shops
from . import checkout_repository as repository
from . import shops_repository
from .cart import Line
from .orders_repository import NewItem

PAYABLE_KIND = "commerce.order"
MAX_ITEMS = 50


@dataclasses.dataclass(frozen=True)
class Wanted:
    """An item of a "buy now": a variant of a product, how many, and optionally the unit price
    the buyer was shown."""

    product_id: uuid.UUID
    variant_id: uuid.UUID
    quantity: int
    unit_price: int | None = None


@dataclasses.dataclass(frozen=True)
class Placed:
    checkout_id: uuid.UUID
    order_ids: tuple[uuid.UUID, ...]
    payments: dict[uuid.UUID, Any]  # order id -> the payment begun into its hold
    payment_errors: dict[uuid.UUID, DomainError]  # order id -> why its payment could not begin
    created: bool  # False: the checkout made before under this key
    placed: tuple[orders.OrderDetail, ...] = ()  # each order as its transaction wrote it (created only)


async def place(platform: Platform, caller: Caller, *, key: str, request_hash: bytes, items: Sequence[Wanted] | None,
                address_id: uuid.UUID | None, pickup_shop_ids: Sequence[uuid.UUID],
                method_id: uuid.UUID | None) -> Placed:
    """Check out the caller's cart (``items`` None) or the items named (buy now)."""
    buyer_id = caller.user_id
    source = "cart" if items is None else "buy_now"
    reserved_until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=platform.config.commerce_reservation_s)
    checkout_id = uuid.uuid4()
    async with platform.core.transaction("commerce.checkout") as conn:
        # The key first: a concurrent checkout under it waits here for the other's commit.
        made_before = await repository.insert_checkout(
            conn, id=checkout_id, buyer_id=buyer_id, idempotency_key=key, request_hash=request_hash,
            source=source) is None
        if not made_before:
            method = None if method_id is None else await _mobile_money(conn, buyer_id, method_id)
            address = None if address_id is None else await addresses.owned_address(conn, buyer_id, address_id)
            lines = await _lines(conn, buyer_id, items)
            groups = await _orders_of(conn, lines, address, set(pickup_shop_ids))
            if method is not None:
                _check_currencies(method, groups)
            placed = [await _place_order(conn, checkout_id, buyer_id, group, reserved_until) for group in groups]
            order_ids = tuple(detail.order.id for detail in placed)
            await reservations.reserve(conn, [(order_id, group.lines) for order_id, group in zip(order_ids, groups)],
                                       actor_id=buyer_id)
            if items is None:
                await cart.bought(conn, buyer_id, [line.offer.variant_id for line in lines])
    if made_before:
        return await _made_before(platform, buyer_id, key, request_hash)
    begun, errors = {}, {}
    if method is not None:
        for order_id, group in zip(order_ids, groups):
            try:
                await limits.enforce(platform, limits.PAYMENTS, str(buyer_id))  # counted as POST /api/payments is
                begun[order_id] = await payments.start(platform, caller, hold_id=group.hold_id, amount=group.total,
                                                       currency=group.shop.currency, method_id=method.id)
            except DomainError as refused:
                errors[order_id] = refused
    return Placed(checkout_id, order_ids, begun, errors, True, tuple(placed))


@dataclasses.dataclass
class _Order:
    shop: shops_repository.Shop
    lines: list[Line]
    fulfilment: str
    address: dict[str, Any] | None
    delivery_fee: int
    hold_id: uuid.UUID | None = None

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal + self.delivery_fee


async def _made_before(platform: Platform, buyer_id: uuid.UUID, key: str, request_hash: bytes) -> Placed:
    """The checkout the buyer made under this key, with the payments begun into its orders."""
    async with platform.core.connection() as conn:
        made = await repository.checkout_by_key(conn, buyer_id, key)
        if made is None:  # the checkout the insert waited for did not commit
            raise Conflict("A checkout with this Idempotency-Key is being made; retry once it has answered",
                           code="idempotency_key_in_use", details={"header": "Idempotency-Key"})
        if made.request_hash != request_hash:
            raise Invalid("This Idempotency-Key was used for another checkout; use a new key for a new operation",
                          code="idempotency_key_reused", details={"header": "Idempotency-Key"})
        order_ids = tuple(await repository.checkout_order_ids(conn, made.id))
        begun = {}
        for order_id in order_ids:
            order = await orders.get_order(conn, order_id)
            if order.hold_id is not None and (payment := await payments.latest_into(conn, hold_id=order.hold_id,
                                                                                     payer_id=buyer_id)):
                begun[order_id] = payment
        return Placed(made.id, order_ids, begun, {}, False)


async def _mobile_money(conn, buyer_id: uuid.UUID, method_id: uuid.UUID):
    """The buyer's method to pay the orders with: 404 if not theirs, 422 unless mobile money."""
    method = await methods.method_of(conn, buyer_id, method_id)
    if method.kind != "mobile_money":
        raise Invalid.fields("body", {"method_id": "A card pays through the provider's checkout page: check out "
                                                   "without method_id, then pay by card."},
                             code="method_not_mobile_money")
    return method


def _check_currencies(method, groups: Sequence[_Order]) -> None:
    for group in groups:
        if group.shop.currency != method.currency:
            raise Invalid.fields("body", {"method_id": f"This method pays in {method.currency}; "
                                                       f"{group.shop.name} sells in {group.shop.currency}."},
                                 code="currency_mismatch")


async def _lines(conn, buyer_id: uuid.UUID, items: Sequence[Wanted] | None) -> list[Line]:
    """The lines bought, priced now and checked: any that cannot be bought is refused, naming it."""
    if items is None:
        await cart.lock(conn, buyer_id)
        held = await cart.items(conn, buyer_id)
        if not held:
            raise Conflict("Your cart is empty", code="cart_empty")
        lines = await cart.price(conn, [(item.offer, item.quantity, item.seen_price) for item in held], buyer_id)
    else:
        seen_variants = set()
        wanted = []
        for index, item in enumerate(items):
            if item.variant_id in seen_variants:
                raise Invalid.fields("body", {"items": {index: {"variant_id": "Named twice: send it once with "
                                                                              "its whole quantity."}}})
            seen_variants.add(item.variant_id)
            offer = await cart.offer_to_buy(conn, buyer_id, item.product_id, item.variant_id)
            wanted.append((offer, item.quantity, item.unit_price))
        lines = await cart.price(conn, wanted, buyer_id, seen=frozenset(item.product_id for item in items))
    for line in lines:
        offer = line.offer
        for notice in line.notices:
            if notice["code"] == "unavailable":
                cart.check_buyable(offer, buyer_id)  # raises the reason's own 409
                raise Conflict(notice["message"], code="product_unavailable", details=cart.about(offer))
        cart.check_quantity(offer, line.quantity)
        if line.seen_price is not None and line.seen_price != line.unit_price:
            raise Conflict(f"The price of {offer.product_name} ({offer.sku}) changed from {line.seen_price} to "
                           f"{line.unit_price} {offer.currency} (minor units) since you saw it",
                           code="price_changed",
                           details={**cart.about(offer), "seen_price": line.seen_price, "price": line.unit_price,
                                    "currency": offer.currency})
    return lines


async def _orders_of(conn, lines: Sequence[Line], address, pickup: set[uuid.UUID]) -> list[_Order]:
    """The lines as one order per shop (in shop id order), each with its fulfilment and fee."""
    by_shop: dict[uuid.UUID, list[Line]] = {}
    for line in lines:
        by_shop.setdefault(line.offer.shop_id, []).append(line)
    strangers = pickup - set(by_shop)
    if strangers:
        raise Invalid.fields("body", {"pickup_shop_ids": "Name only shops whose items you are buying."})
    groups = []
    for shop_id in sorted(by_shop):
        shop = await shops_repository.shop_by_id(conn, shop_id)
        if shop_id in pickup:
            if not shop.pickup:
                raise Invalid.fields("body", {"pickup_shop_ids": f"{shop.name} offers no pickup."},
                                     code="pickup_unavailable", shop_id=str(shop_id))
            groups.append(_Order(shop, by_shop[shop_id], "pickup", None, 0))
            continue
        if address is None:
            raise Invalid.fields("body", {"address_id": f"Name one of your addresses for {shop.name} to deliver to, "
                                                        "or pick up (pickup_shop_ids) where the shop allows it."},
                                 code="address_required", shop_id=str(shop_id))
        fee = shops.delivery_fee(shop, await shops_repository.delivery_fees(conn, shop_id), address.region)
        if fee is None:
            raise Invalid.fields("body", {"address_id": f"{shop.name} does not deliver to {address.region}."},
                                 code="delivery_unavailable", shop_id=str(shop_id))
        groups.append(_Order(shop, by_shop[shop_id], "delivery", _address_copy(address), fee))
    return groups


async def _place_order(conn, checkout_id: uuid.UUID, buyer_id: uuid.UUID, group: _Order,
                       reserved_until: datetime.datetime) -> orders.OrderDetail:
    order_id = uuid.uuid4()
    hold = await holds.open_hold(conn, payable_kind=PAYABLE_KIND, payable_id=order_id, currency=group.shop.currency,
                                 expected_amount=group.total, payers=(buyer_id,),
                                 cause=Cause.user(buyer_id, "checkout"))
    group.hold_id = hold.id
    placed = await orders.place(
        conn, order_id=order_id, checkout_id=checkout_id, buyer_id=buyer_id, shop_id=group.shop.id,
        seller_id=group.shop.owner_id, currency=group.shop.currency, subtotal=group.subtotal,
        delivery_fee=group.delivery_fee, fulfilment=group.fulfilment, address=group.address, hold_id=hold.id,
        reserved_until=reserved_until,
        items=[NewItem(product_id=line.offer.product_id, variant_id=line.offer.variant_id, quantity=line.quantity,
                       unit_price=line.unit_price, product_name=line.offer.product_name, sku=line.offer.sku,
                       variant_label=_label(line.offer.options)) for line in group.lines])
    await reservations.expire_at(conn, order_id=order_id, buyer_id=buyer_id, at=reserved_until)
    return placed


def _label(options: dict[str, Any]) -> str | None:
    return ", ".join(f"{axis}: {value}" for axis, value in options.items()) or None


def _address_copy(address) -> dict[str, Any]:
    """The address as the order keeps it (the book may change afterwards)."""
    return {"id": str(address.id), "label": address.label, "country": address.country, "region": address.region,
            "district": address.district, "ward": address.ward, "street": address.street,
            "landmark": address.landmark, "recipient_name": address.recipient_name, "phone": address.phone}


async def details(platform: Platform, placed: Placed) -> list[tuple[orders.OrderDetail, Any, DomainError | None]]:
    """Each order of the checkout as its page shows it, with the payment begun into it (or why not):
    as placed, or read again for a checkout made before."""
    if placed.placed:
        shown = list(placed.placed)
    else:
        async with platform.core.connection() as conn:
            shown = [await orders.detail(conn, await orders.get_order(conn, order_id))
                     for order_id in placed.order_ids]
    return [(detail, placed.payments.get(detail.order.id), placed.payment_errors.get(detail.order.id))
            for detail in shown]
