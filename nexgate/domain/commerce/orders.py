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
from ...errors import Conflict, Forbidden, NotFound
from . import orders_repository as repository
from .events import ORDER_EVENTS, ORDER_PLACED
from .orders_repository import BuyerCard, Item, NewItem, Order, Step

__all__ = ("NewItem", "Order", "OrderDetail", "get_order", "lock_order", "place", "transition")

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
                hold_id: uuid.UUID | None = None, order_id: uuid.UUID | None = None) -> Order:
    """A new order in ``pending_payment`` (its stock reserved by the caller, checkout), with its
    items, the first line of its timeline (the buyer placed it) and ``commerce.order.placed``, in
    the caller's transaction. ``order_id`` may be chosen first (the hold's payable id)."""
    if not items:
        raise ValueError("an order has at least one item")
    if subtotal != sum(item.unit_price * item.quantity for item in items):
        raise ValueError("an order's subtotal is the sum of its lines")
    order_id = order_id or uuid.uuid4()
    await repository.insert_order(conn, id=order_id, checkout_id=checkout_id, buyer_id=buyer_id, shop_id=shop_id,
                                  seller_id=seller_id, currency=currency, subtotal=subtotal,
                                  delivery_fee=delivery_fee, fulfilment=fulfilment, address=address,
                                  hold_id=hold_id, reserved_until=reserved_until, items=items)
    await repository.insert_transition(conn, order_id=order_id, from_state=None, to_state="pending_payment",
                                       actor="buyer", actor_id=buyer_id, note=None)
    order = await repository.order_by_id(conn, order_id)
    await bus.emit(conn, ORDER_PLACED, event_payload(order, None, "buyer", buyer_id))
    return order


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
    if actor not in PARTIES:
        raise ValueError(f"an order's actor is one of {PARTIES}, not {actor!r}")
    if unknown := set(columns) - set(repository.COLUMNS):
        raise ValueError(f"transition cannot set {sorted(unknown)}")
    allowed = allowed_parties(order.state, to_state)
    if not allowed:
        raise Conflict(f"This order is {_said(order.state)}; it cannot become {_said(to_state)}",
                       code="order_state_invalid", details={"state": order.state, "to_state": to_state})
    if actor not in allowed:
        raise Forbidden(f"Only {' or '.join(_PARTY_NAMES[p] for p in sorted(allowed))} can make this order "
                        f"{_said(to_state)}", code="order_step_forbidden",
                        details={"state": order.state, "to_state": to_state, "allowed": sorted(allowed)})
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


def event_payload(order: Order, previous_state: str | None, actor: str, actor_id: uuid.UUID | None) -> dict:
    """The fields every order event carries."""
    return {"order_id": str(order.id), "checkout_id": str(order.checkout_id), "buyer_id": str(order.buyer_id),
            "shop_id": str(order.shop_id), "seller_id": str(order.seller_id), "shop_name": order.shop_name,
            "previous_state": previous_state, "state": order.state, "actor": actor,
            "actor_id": None if actor_id is None else str(actor_id), "total": order.total,
            "currency": order.currency}


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
