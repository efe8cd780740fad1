"""Orders (docs/commerce.md, "Orders"): what one buyer bought of one shop in one checkout, and its
life after payment.

The state machine is ``MOVES``: each step, the parties who may take it (the buyer, the shop's
staff as ``seller``, the ``system`` (checkout, the timers), an ``operator``). ``transition`` is
the one way an order changes state: it checks the step and the party, moves the row with a
conditional UPDATE on the state the caller saw (of two concurrent steps of one order, exactly one
wins; the other is 409 ``order_state_changed``), writes the timeline and emits the event of the
new state, all in the caller's transaction. Checkout places orders (``place``) and moves them
``pending_payment`` → ``paid`` or ``cancelled``; the rest of this module takes them on from
``paid``: the shop accepts and ships (with tracking), the buyer confirms delivery, a durable
timer completes the order N days after delivery (or after shipping if the buyer never confirms)
unless disputed, completion releases the hold to the seller net of the fee, a cancellation
before shipping refunds in full and releases the stock, a dispute freezes the hold until an
operator decides for the buyer (refund) or the seller (release).
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from ... import bus
from ...bus import Event, scheduler
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..payments import holds
from ..payments.holds import Payee
from ..payments.ledger import Cause
from . import orders_repository as repository
from . import shops_repository, stock
from .events import DISPUTE_LOST, ORDER_EVENTS, ORDER_PLACED, ORDER_TIMER_EXPIRED
from .orders_repository import BuyerCard, Item, NewItem, Order, Step
from .shops import staff_role_of

__all__ = ("NewItem", "Order", "OrderDetail", "cancel_order", "get_order", "lock_order", "place", "transition")

STATES = ("pending_payment", "paid", "accepted", "shipped", "delivered", "completed", "cancelled", "refunded",
          "disputed")
FINAL = ("completed", "cancelled", "refunded")
PARTIES = ("buyer", "seller", "system", "operator")
# Each step an order may take, and the parties who may take it.
MOVES: dict[tuple[str, str], frozenset[str]] = {
    ("pending_payment", "paid"): frozenset({"system"}),
    ("pending_payment", "cancelled"): frozenset({"buyer", "system", "operator"}),
    ("paid", "accepted"): frozenset({"seller"}),
    ("paid", "cancelled"): frozenset({"buyer", "seller", "system", "operator"}),
    ("accepted", "shipped"): frozenset({"seller"}),
    ("accepted", "cancelled"): frozenset({"seller", "operator"}),
    ("shipped", "delivered"): frozenset({"buyer"}),
    ("shipped", "disputed"): frozenset({"buyer"}),
    ("shipped", "completed"): frozenset({"system"}),
    ("delivered", "disputed"): frozenset({"buyer"}),
    ("delivered", "completed"): frozenset({"system"}),
    ("disputed", "refunded"): frozenset({"operator"}),
    ("disputed", "completed"): frozenset({"operator"}),
}
_PARTY_NAMES = {"buyer": "the buyer", "seller": "the shop's staff", "system": "Nexgate itself",
                "operator": "an operator"}


@dataclasses.dataclass(frozen=True)
class OrderDetail:
    """An order with what its page shows beside it."""

    order: Order
    items: list[Item]
    timeline: list[Step]
    buyer: BuyerCard | None  # None once the account is gone


def not_found() -> NotFound:
    return NotFound("No such order", code="order_not_found")


def allowed_parties(from_state: str, to_state: str) -> frozenset[str]:
    return MOVES.get((from_state, to_state), frozenset())


# reading

async def get_order(conn, order_id: uuid.UUID) -> Order | None:
    return await repository.order_by_id(conn, order_id)


async def lock_order(conn, order_id: uuid.UUID) -> Order:
    """The order, its row locked for the caller's transaction; 404 ``order_not_found``."""
    order = await repository.lock_order(conn, order_id)
    if order is None:
        raise not_found()
    return order


async def detail(conn, order: Order) -> OrderDetail:
    cards = await repository.buyer_cards(conn, [order.buyer_id])
    return OrderDetail(order, await repository.items_of_order(conn, order.id),
                       await repository.transitions_of_order(conn, order.id), cards.get(order.buyer_id))


# placing and moving

async def place(conn, *, checkout_id: uuid.UUID, buyer_id: uuid.UUID, shop_id: uuid.UUID, seller_id: uuid.UUID,
                currency: str, subtotal: int, delivery_fee: int, fulfilment: str, address: dict | None,
                items: Sequence[NewItem], reserved_until: datetime.datetime | None = None,
                hold_id: uuid.UUID | None = None, order_id: uuid.UUID | None = None) -> OrderDetail:
    """A new order in ``pending_payment`` (its stock reserved by the caller, checkout), with its
    items, the first line of its timeline (the buyer placed it) and ``commerce.order.placed``, in
    the caller's transaction; as its page shows it. ``order_id`` may be chosen first (the hold's
    payable id)."""
    if not items:
        raise ValueError("an order has at least one item")
    if subtotal != sum(item.unit_price * item.quantity for item in items):
        raise ValueError("an order's subtotal is the sum of its lines")
    order_id = order_id or uuid.uuid4()
    event = bus.pending(ORDER_PLACED, _event_fields(order_id, checkout_id, buyer_id, shop_id, seller_id,
                                                    subtotal + delivery_fee, currency, None, "pending_payment",
                                                    "buyer", buyer_id), added_later=SHOP_NAME_ADDED)
    order, placed_items, step, buyer = await repository.place_order(
        conn, id=order_id, checkout_id=checkout_id, buyer_id=buyer_id, shop_id=shop_id, seller_id=seller_id,
        currency=currency, subtotal=subtotal, delivery_fee=delivery_fee, fulfilment=fulfilment, address=address,
        hold_id=hold_id, reserved_until=reserved_until, items=items, event=event)
    return OrderDetail(order, placed_items, [step], buyer)


async def transition(conn, order: Order, to_state: str, *, actor: str, actor_id: uuid.UUID | None = None,
                     note: str | None = None, event_fields: dict[str, Any] | None = None, **columns) -> Order:
    """Move ``order`` (as the caller read it) to ``to_state`` for ``actor`` (one of ``PARTIES``;
    ``actor_id`` the user acting, None for the system), setting ``columns`` too (any of
    ``orders_repository.COLUMNS``: ``stock_state``, ``hold_id``, ``tracking``, ...; the step's own
    time is set with it), in the caller's transaction: the timeline's line (with ``note``) and the
    new state's event (``events.ORDER_EVENTS``; ``event_fields``: what that event declares beyond
    the common fields) are written with it.

    409 ``order_state_invalid`` when the order's state has no such step, 403 ``order_step_forbidden``
    when ``actor`` may not take it, 409 ``order_state_changed`` when the order is no longer in the
    state the caller read (a concurrent step won)."""
    if unknown := set(columns) - set(repository.COLUMNS):
        raise ValueError(f"transition cannot set {sorted(unknown)}")
    check_step(order, to_state, actor)
    moved = await repository.move(conn, order.id, order.state, to_state, columns)
    if moved is None:
        now = await repository.order_by_id(conn, order.id)
        raise Conflict(f"This order changed meanwhile: it is {_said(now.state)}", code="order_state_changed",
                       details={"state": now.state})
    await repository.insert_transition(conn, order_id=order.id, from_state=order.state, to_state=to_state,
                                       actor=actor, actor_id=actor_id, note=note)
    await bus.emit(conn, ORDER_EVENTS[to_state], event_payload(moved, order.state, actor, actor_id)
                   | _state_fields(moved) | (event_fields or {}))
    return moved


def check_step(order: Order, to_state: str, actor: str) -> None:
    """Raise unless ``actor`` may move the order from its state to ``to_state`` (what ``transition``
    checks first; a caller that moves money before the step checks it before that)."""
    if actor not in PARTIES:
        raise ValueError(f"an order's actor is one of {PARTIES}, not {actor!r}")
    allowed = allowed_parties(order.state, to_state)
    if not allowed:
        raise Conflict(f"This order is {_said(order.state)}; it cannot become {_said(to_state)}",
                       code="order_state_invalid", details={"state": order.state, "to_state": to_state})
    if actor not in allowed:
        raise Forbidden(f"Only {' or '.join(_PARTY_NAMES[p] for p in sorted(allowed))} can make this order "
                        f"{_said(to_state)}", code="order_step_forbidden",
                        details={"state": order.state, "to_state": to_state, "allowed": sorted(allowed)})


def event_payload(order: Order, previous_state: str | None, actor: str, actor_id: uuid.UUID | None) -> dict:
    """The fields every order event carries."""
    return {**_event_fields(order.id, order.checkout_id, order.buyer_id, order.shop_id, order.seller_id,
                            order.total, order.currency, previous_state, order.state, actor, actor_id),
            "shop_name": order.shop_name}


SHOP_NAME_ADDED = frozenset({"shop_name"})  # by the statement that places the order


def _event_fields(order_id: uuid.UUID, checkout_id: uuid.UUID, buyer_id: uuid.UUID, shop_id: uuid.UUID,
                  seller_id: uuid.UUID, total: int, currency: str, previous_state: str | None, state: str, actor: str,
                  actor_id: uuid.UUID | None) -> dict:
    return {"order_id": str(order_id), "checkout_id": str(checkout_id), "buyer_id": str(buyer_id),
            "shop_id": str(shop_id), "seller_id": str(seller_id), "previous_state": previous_state, "state": state,
            "actor": actor, "actor_id": None if actor_id is None else str(actor_id), "total": total,
            "currency": currency}


def _state_fields(order: Order) -> dict:
    """What the event of the order's new state declares beyond the common fields, as the row says
    it (the money moved is the caller's to say, in ``event_fields``)."""
    match order.state:
        case "shipped":
            return {"tracking": order.tracking}
        case "cancelled":
            return {"refunded": 0, "reason": order.cancel_reason}
        case "completed":
            return {"released": 0, "fee": 0, "net": 0}
        case "refunded":
            return {"refunded": 0}
        case "disputed":
            return {"reason": order.dispute_reason or ""}
    return {}


def _said(state: str) -> str:
    return state.replace("_", " ")


# what the buyer, the shop's staff and the operators do (one transaction each)

async def order_for(platform: Platform, caller: Caller, order_id: uuid.UUID) -> OrderDetail:
    """The order's page, for its buyer and its shop's staff (404 ``order_not_found`` for anyone else)."""
    async with platform.core.connection() as conn:
        order = await get_order(conn, order_id)
        await _party(conn, caller.user_id, order, None)
        return await detail(conn, order)


async def order_for_operator(platform: Platform, order_id: uuid.UUID) -> OrderDetail:
    async with platform.core.connection() as conn:
        order = await get_order(conn, order_id)
        if order is None:
            raise not_found()
        return await detail(conn, order)


async def accept(platform: Platform, caller: Caller, order_id: uuid.UUID, *, note: str | None = None) -> OrderDetail:
    """The shop's staff accept a paid order: they will ship it."""
    async with platform.core.transaction("commerce.order_accept") as conn:
        order = await lock_order(conn, order_id)
        await _party(conn, caller.user_id, order, "seller")
        order = await transition(conn, order, "accepted", actor="seller", actor_id=caller.user_id, note=note)
        return await detail(conn, order)


async def ship(platform: Platform, caller: Caller, order_id: uuid.UUID, *, tracking: dict | None,
               note: str | None = None) -> OrderDetail:
    """The shop's staff ship an accepted order (a delivery with its ``tracking``: carrier, number,
    url; a pickup is handed over, tracking optional): its units leave the shop's stock, and it
    completes by itself ``commerce_order_complete_after_shipping_s`` later unless the buyer
    confirms delivery or disputes it first."""
    async with platform.core.transaction("commerce.order_ship") as conn:
        order = await lock_order(conn, order_id)
        await _party(conn, caller.user_id, order, "seller")
        check_step(order, "shipped", "seller")
        if order.fulfilment == "delivery" and not tracking:
            raise Invalid.fields("body", {"tracking": "A delivery ships with its tracking: the carrier and the "
                                                      "tracking number."}, message="Say how it ships",
                                 code="tracking_required")
        for item in await repository.items_of_order(conn, order.id):
            moved = await stock.move(conn, variant_id=item.variant_id, on_hand_delta=-item.quantity,
                                     committed_delta=-item.quantity, reason="shipped", actor_id=caller.user_id,
                                     order_id=order.id)
            if moved is None:  # the units are committed to this order: the database lost them
                raise RuntimeError(f"order {order.id}: {item.quantity} of variant {item.variant_id} are not committed")
        due = await _arm_timer(conn, order, platform.config.commerce_order_complete_after_shipping_s)
        order = await transition(conn, order, "shipped", actor="seller", actor_id=caller.user_id, note=note,
                                 tracking=tracking or None, stock_state="shipped", auto_complete_at=due)
        return await detail(conn, order)


async def confirm_delivery(platform: Platform, caller: Caller, order_id: uuid.UUID) -> OrderDetail:
    """The buyer says the order arrived: it completes ``commerce_order_complete_after_delivery_s``
    later (the buyer's time to dispute) unless disputed."""
    async with platform.core.transaction("commerce.order_deliver") as conn:
        order = await lock_order(conn, order_id)
        await _party(conn, caller.user_id, order, "buyer")
        check_step(order, "delivered", "buyer")
        due = await _arm_timer(conn, order, platform.config.commerce_order_complete_after_delivery_s)
        order = await transition(conn, order, "delivered", actor="buyer", actor_id=caller.user_id,
                                 auto_complete_at=due)
        return await detail(conn, order)


async def cancel(platform: Platform, caller: Caller, order_id: uuid.UUID, *, reason: str) -> OrderDetail:
    """The buyer (before the shop accepts it) or the shop's staff (before shipping) cancel the
    order: all its hold holds goes back to the buyer and its stock is released."""
    async with platform.core.transaction("commerce.order_cancel") as conn:
        order = await lock_order(conn, order_id)
        party = await _party(conn, caller.user_id, order, None)
        order = await cancel_order(conn, order, actor=party, actor_id=caller.user_id, reason=reason)
        return await detail(conn, order)


async def cancel_order(conn, order: Order, *, actor: str, actor_id: uuid.UUID | None, reason: str) -> Order:
    """Cancel ``order`` (locked by the caller) in the caller's transaction, for ``actor``: refund
    all its hold holds to the buyer (``holds.refund``), release its reserved or allocated stock
    (``stock.move``, reason ``released``), then the step to ``cancelled``. What checkout's
    reservation timeout calls too (``actor="system"``)."""
    check_step(order, "cancelled", actor)
    refunded = 0
    if order.hold_id is not None:
        hold = await holds.get_hold(conn, hold_id=order.hold_id)
        if hold.balance > 0:
            refunded = (await holds.refund(conn, hold_id=hold.id, cause=_cause(
                actor, actor_id, f"order {order.id} cancelled: {reason}"))).amount
    if order.stock_state in ("reserved", "allocated"):
        # In variant id order, as checkout reserves: a release and a reservation of the same
        # variants never wait for each other in a cycle.
        for item in sorted(await repository.items_of_order(conn, order.id), key=lambda item: item.variant_id):
            if await stock.move(conn, variant_id=item.variant_id, committed_delta=-item.quantity, reason="released",
                                actor_id=actor_id, order_id=order.id) is None:
                raise RuntimeError(f"order {order.id}: {item.quantity} of variant {item.variant_id} are not committed")
    return await transition(conn, order, "cancelled", actor=actor, actor_id=actor_id, note=reason,
                            stock_state="released", cancel_reason=reason, reserved_until=None,
                            event_fields={"refunded": refunded, "reason": reason})


async def dispute(platform: Platform, caller: Caller, order_id: uuid.UUID, *, reason: str) -> OrderDetail:
    """The buyer disputes a shipped or delivered order: its hold is frozen (``holds.freeze``) and
    its auto-completion called off until an operator decides."""
    async with platform.core.transaction("commerce.order_dispute") as conn:
        order = await lock_order(conn, order_id)
        await _party(conn, caller.user_id, order, "buyer")
        check_step(order, "disputed", "buyer")
        if order.hold_id is not None:
            await holds.freeze(conn, hold_id=order.hold_id,
                               cause=Cause.user(caller.user_id, f"order {order.id} disputed: {reason}"[:500]))
        await scheduler.cancel(conn, job_id=timer_job_id(order.id))
        order = await transition(conn, order, "disputed", actor="buyer", actor_id=caller.user_id, note=reason,
                                 dispute_reason=reason, auto_complete_at=None, event_fields={"reason": reason})
        return await detail(conn, order)


async def resolve(platform: Platform, operator: Caller, order_id: uuid.UUID, *, outcome: str,
                  reason: str) -> OrderDetail:
    """An operator decides a dispute: for the ``buyer`` (the hold is refunded to them: ``refunded``,
    and ``commerce.dispute.lost`` for the seller) or for the ``seller`` (the hold is released to
    them: ``completed``)."""
    if outcome not in ("buyer", "seller"):
        raise ValueError(f"a dispute is decided for the buyer or the seller, not {outcome!r}")
    to_state = "refunded" if outcome == "buyer" else "completed"
    async with platform.core.transaction("commerce.order_resolve") as conn:
        order = await lock_order(conn, order_id)
        check_step(order, to_state, "operator")
        cause = _cause("operator", operator.user_id, f"order {order.id}'s dispute decided for the {outcome}: {reason}")
        if order.hold_id is not None:
            await holds.unfreeze(conn, hold_id=order.hold_id, cause=cause)
        if outcome == "seller":
            order = await _complete(conn, order, actor="operator", actor_id=operator.user_id, note=reason,
                                    cause=cause, resolution="seller")
        else:
            refunded = 0
            if order.hold_id is not None:
                hold = await holds.get_hold(conn, hold_id=order.hold_id)
                if hold.balance > 0:
                    refunded = (await holds.refund(conn, hold_id=hold.id, cause=cause)).amount
            order = await transition(conn, order, "refunded", actor="operator", actor_id=operator.user_id,
                                     note=reason, resolution="buyer", event_fields={"refunded": refunded})
            await bus.emit(conn, DISPUTE_LOST, {"order_id": str(order.id), "buyer_id": str(order.buyer_id),
                                                "shop_id": str(order.shop_id), "seller_id": str(order.seller_id),
                                                "reason": reason})
        return await detail(conn, order)


async def complete_when_due(platform: Platform, conn, event: Event) -> Order | None:
    """What the order's timer does when it fires (``commerce.order_timer.expired``, in the
    ``commerce_orders`` consumer's transaction): complete the order if it is still shipped or
    delivered and its time has come; nothing for a timer made stale (a dispute, a later step, a
    delivery that moved the time on, a redelivery of the event)."""
    order = await repository.lock_order(conn, uuid.UUID(event.payload["order_id"]))
    if order is None or order.state not in ("shipped", "delivered") or order.auto_complete_at is None:
        return None
    if order.auto_complete_at > await repository.now(conn):
        return None
    return await _complete(conn, order, actor="system", actor_id=None, note=None,
                           cause=Cause.worker("commerce_orders", f"order {order.id} completed undisputed"))


async def _complete(conn, order: Order, *, actor: str, actor_id: uuid.UUID | None, note: str | None, cause: Cause,
                    **columns) -> Order:
    """Release what the order's hold holds to the seller, net of the platform's fee, and complete it."""
    check_step(order, "completed", actor)
    released = fee = net = 0
    if order.hold_id is not None:
        hold = await holds.get_hold(conn, hold_id=order.hold_id)
        if hold.balance > 0:
            release = await holds.release(conn, hold_id=hold.id, payees=[Payee(order.seller_id, hold.balance)],
                                          cause=cause)
            released, fee, net = release.amount, release.fee, release.payees[0].net
    return await transition(conn, order, "completed", actor=actor, actor_id=actor_id, note=note,
                            auto_complete_at=None, event_fields={"released": released, "fee": fee, "net": net},
                            **columns)


# the lists

async def orders_of_buyer(platform: Platform, caller: Caller, *, state: str | None, limit: int,
                          cursor: str | None) -> Page[OrderDetail]:
    """The caller's orders, newest first, of one state or all."""
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.orders_of_buyer_page(conn, caller.user_id, state, before, n),
                           Order.position)
        return await _listed(conn, page)


async def orders_of_shop(platform: Platform, caller: Caller, shop_id: uuid.UUID, *, state: str | None, limit: int,
                         cursor: str | None) -> Page[OrderDetail]:
    """The shop's orders, newest first, of one state or all: for its staff (403 ``not_shop_staff``)."""
    async with platform.core.connection() as conn:
        await staff_role_of(conn, caller.user_id, await shops_repository.shop_by_id(conn, shop_id))
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.orders_of_shop_page(conn, shop_id, state, before, n),
                           Order.position)
        return await _listed(conn, page)


async def orders_in_state(platform: Platform, *, state: str, limit: int, cursor: str | None) -> Page[OrderDetail]:
    """Every order in ``state``, newest first: for operators (``disputed``: the disputes to decide)."""
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.orders_in_state_page(conn, state, before, n), Order.position)
        return await _listed(conn, page)


async def _listed(conn, page: Page[Order]) -> Page[OrderDetail]:
    items = await repository.items_of_orders(conn, [order.id for order in page.items])
    cards = await repository.buyer_cards(conn, [order.buyer_id for order in page.items])
    return page.map(lambda order: OrderDetail(order, items[order.id], [], cards.get(order.buyer_id)))


# shared

async def _party(conn, user_id: uuid.UUID, order: Order | None, wanted: str | None) -> str:
    """Which party of the order the user is (``buyer`` or ``seller``, the shop's staff), checked
    against ``wanted``: 404 ``order_not_found`` for a user who is neither (another shop's staff
    included: they learn nothing of it), 403 ``not_order_buyer`` / ``not_shop_staff`` for the other party."""
    if order is None:
        raise not_found()
    is_buyer = user_id == order.buyer_id
    is_staff = await shops_repository.staff_role(conn, order.shop_id, user_id) is not None
    if not (is_buyer or is_staff):
        raise not_found()
    if wanted == "buyer" and not is_buyer:
        raise Forbidden("Only the order's buyer can do this", code="not_order_buyer")
    if wanted == "seller" and not is_staff:
        raise Forbidden("Only the shop's owner and managers can do this", code="not_shop_staff")
    return wanted or ("buyer" if is_buyer else "seller")


def timer_job_id(order_id: uuid.UUID) -> uuid.UUID:
    """The id of the order's one auto-completion job (moved by each step that sets its time)."""
    return uuid.uuid5(order_id, "commerce.order.auto_complete")


async def _arm_timer(conn, order: Order, after_s: int) -> datetime.datetime:
    due = await repository.now(conn) + datetime.timedelta(seconds=after_s)
    await scheduler.schedule(conn, routing_key=ORDER_TIMER_EXPIRED, payload={"order_id": str(order.id)}, run_at=due,
                             job_id=timer_job_id(order.id), replace=True)
    return due


def _cause(actor: str, actor_id: uuid.UUID | None, reason: str) -> Cause:
    reason = reason[:500]
    if actor == "operator":
        return Cause.operator(str(actor_id), reason)
    if actor_id is None:
        return Cause.worker("commerce", reason)
    return Cause.user(actor_id, reason)
