"""Buying tickets (docs/events.md, "Buying tickets"): one checkout is one ticket order of one
event, made once per ``Idempotency-Key``.

Checked first (each refusal names its line): the event published and not ended; each ticket
type of the event, not archived, on sale now (its sales window), at most its per-order limit.
Then, in one transaction with the event's row share-locked (a cancellation waits for it):

- a **free** order (total 0) is paid at once and its tickets issued in the same transaction;
  their payloads were signed in the process pool *before* it began, so no lock is held while
  signing;
- a **paid** order opens an escrow hold (``payments.holds.open_hold``, payable
  ``events.ticket_order``, the buyer its payer) and waits ``pending_payment`` until
  ``reserved_until`` (``NEXGATE_EVENTS_RESERVATION_S``); with ``method_id`` its payment is
  begun for exactly its total after the commit. The ``events_checkout`` group issues the tickets
  when the hold is funded, or cancels the order (payment failed, reservation expired) and gives
  its tickets back (``ticket_orders.py``).

The tickets are reserved last, every type in id order, each by ONE conditional
``UPDATE ticket_types SET committed = committed + n WHERE id = $1 AND committed + n <= quantity``:
of buyers racing for the last tickets exactly as many get them as there are; the others get 409
``sold_out`` (none left) or ``insufficient_tickets`` (``details.available``), and nothing of
their checkout stays. Every change of ``committed`` emits ``events.availability.changed``.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from ... import bus, limits
from ...bus import scheduler
from ...errors import Conflict, DomainError, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..payments import holds, methods, payments
from ..payments.ledger import Cause
from . import issuing
from . import tickets_repository as repository
from .events import AVAILABILITY_CHANGED, RESERVATION_EXPIRED, TICKET_ORDER_PAID, TICKET_ORDER_PLACED
from .tickets_repository import SaleEvent, SaleType, TicketOrder

PAYABLE_KIND = "events.ticket_order"
MAX_LINES = 10
MAX_QUANTITY = 100
_JOBS = uuid.UUID("3f6c2a71-8d4e-4b0a-9e55-0c7b1d2e9a46")  # names each order's reservation job


@dataclasses.dataclass(frozen=True)
class Line:
    ticket_type_id: uuid.UUID
    quantity: int


@dataclasses.dataclass(frozen=True)
class Placed:
    order: TicketOrder
    payment: Any  # the payment begun into its hold, or None
    payment_error: DomainError | None
    created: bool  # False: the order made before under this key


def job_id(order_id: uuid.UUID) -> uuid.UUID:
    """The id of the order's reservation timeout job (one per order, stable)."""
    return uuid.uuid5(_JOBS, str(order_id))


def event_not_found() -> NotFound:
    return NotFound("No such event", code="event_not_found")


def check_on_sale(event: SaleEvent | None, now: datetime.datetime) -> SaleEvent:
    """The event, if tickets can be bought for it now: 404 ``event_not_found`` (a draft too), 409
    ``event_not_on_sale`` (unpublished, cancelled, completed), 409 ``event_ended``."""
    if event is None or event.state == "draft":
        raise event_not_found()
    if event.state != "published":
        raise Conflict(f"The event is {event.state}: its tickets are not on sale", code="event_not_on_sale",
                       details={"state": event.state})
    if event.ends_at is not None and event.ends_at <= now:
        raise Conflict("The event has ended", code="event_ended", details={"ends_at": event.ends_at.isoformat()})
    return event


def _line_problem(index: int, field: str, text: str) -> dict:
    return {"lines": {index: {field: text}}}


def check_lines(lines: Sequence[Line], types: dict[uuid.UUID, SaleType], now: datetime.datetime) -> None:
    """Each line a ticket type of the event on sale now, within its per-order limit."""
    seen = set()
    for index, line in enumerate(lines):
        if line.ticket_type_id in seen:
            raise Invalid.fields("body", _line_problem(index, "ticket_type_id",
                                                       "Named twice: send it once with its whole quantity."))
        seen.add(line.ticket_type_id)
        kind = types.get(line.ticket_type_id)
        if kind is None or kind.archived_at is not None:
            raise Invalid.fields("body", _line_problem(index, "ticket_type_id", "No such ticket type of this event."),
                                 code="ticket_type_not_found", ticket_type_id=str(line.ticket_type_id))
        if line.quantity > kind.per_order_limit:
            raise Invalid.fields("body", _line_problem(index, "quantity",
                                                       f"At most {kind.per_order_limit} {kind.name} tickets per order."),
                                 code="over_per_order_limit", ticket_type_id=str(kind.id),
                                 per_order_limit=kind.per_order_limit)
        if kind.sales_start_at is not None and now < kind.sales_start_at:
            raise Conflict(f"{kind.name} tickets go on sale at {kind.sales_start_at.isoformat()}",
                           code="sales_not_started", details={"ticket_type_id": str(kind.id),
                                                              "sales_start_at": kind.sales_start_at.isoformat()})
        if kind.sales_end_at is not None and now >= kind.sales_end_at:
            raise Conflict(f"{kind.name} tickets are no longer on sale", code="sales_ended",
                           details={"ticket_type_id": str(kind.id), "sales_end_at": kind.sales_end_at.isoformat()})


async def place(platform: Platform, caller: Caller, event_id: uuid.UUID, *, key: str, request_hash: bytes,
                lines: Sequence[Line], method_id: uuid.UUID | None) -> Placed:
    buyer_id = caller.user_id
    now = datetime.datetime.now(datetime.UTC)
    type_ids = sorted(line.ticket_type_id for line in lines)
    async with platform.core.connection() as conn:
        made = await _made_before(conn, buyer_id, key, request_hash)
        if made is not None:
            return made
        event = check_on_sale(await repository.event(conn, event_id), now)
        types = await repository.types(conn, event_id, type_ids)
        check_lines(lines, types, now)
        check_left(lines, types)
        days = await issuing.days_of(conn, event_id, type_ids)
        total = sum(types[line.ticket_type_id].price * line.quantity for line in lines)
        method = None
        if total > 0 and method_id is not None:
            method = await methods.method_of(conn, buyer_id, method_id)
    if method is not None:
        if method.kind != "mobile_money":
            raise Invalid.fields("body", {"method_id": "A card pays through the provider's checkout page: check out "
                                                       "without method_id, then pay by card."},
                                 code="method_not_mobile_money")
        if method.currency != event.currency:
            raise Invalid.fields("body", {"method_id": f"This method pays in {method.currency}; the event's tickets "
                                                       f"are sold in {event.currency}."}, code="currency_mismatch")
    prepared = []
    if total == 0:  # issued in the order's own transaction: signed now, before it
        prepared = await issuing.prepare(platform, event_id=event_id, event_ends_at=event.ends_at, wanted=[
            issuing.Wanted(line.ticket_type_id, days[line.ticket_type_id], 0, buyer_id)
            for line in lines for _ in range(line.quantity)])
    order_id = uuid.uuid4()
    reserved_until = None if total == 0 else now + datetime.timedelta(seconds=platform.config.events_reservation_s)
    async with platform.core.transaction("events.checkout") as conn:
        event = check_on_sale(await repository.event(conn, event_id, share=True), now)
        hold_id = None
        if total > 0:
            hold = await holds.open_hold(conn, payable_kind=PAYABLE_KIND, payable_id=order_id,
                                         currency=event.currency, expected_amount=total,
                                         payers=(buyer_id,), cause=Cause.user(buyer_id, "ticket checkout"))
            hold_id = hold.id
        if await repository.insert_order(
                conn, id=order_id, event_id=event_id, buyer_id=buyer_id, organizer_id=event.organizer_id,
                state="paid" if total == 0 else "pending_payment", currency=event.currency, total=total,
                hold_id=hold_id, idempotency_key=key, request_hash=request_hash,
                reserved_until=reserved_until) is None:
            raise Conflict("A checkout with this Idempotency-Key is being made; retry once it has answered",
                           code="idempotency_key_in_use", details={"header": "Idempotency-Key"})
        for line in sorted(lines, key=lambda one: one.ticket_type_id):
            kind = types[line.ticket_type_id]
            await repository.insert_line(conn, order_id=order_id, ticket_type_id=kind.id, quantity=line.quantity,
                                         unit_price=kind.price, type_name=kind.name)
        await reserve(conn, [(types[line.ticket_type_id], line.quantity) for line in lines])
        await bus.emit(conn, AVAILABILITY_CHANGED, {"event_id": str(event_id),
                                                    "ticket_type_ids": [str(type_id) for type_id in type_ids]})
        order_fields = {"event_id": str(event_id), "organizer_id": str(event.organizer_id),
                        "order_id": str(order_id), "buyer_id": str(buyer_id), "total": total,
                        "currency": event.currency}
        await bus.emit(conn, TICKET_ORDER_PLACED, order_fields)
        if total == 0:
            await issuing.write(conn, prepared, event_id=event_id, organizer_id=event.organizer_id,
                                order_id=order_id)
            await bus.emit(conn, TICKET_ORDER_PAID, paid_fields(order_fields, event, len(prepared)))
        else:
            await scheduler.schedule(conn, routing_key=RESERVATION_EXPIRED, payload={"order_id": str(order_id)},
                                     run_at=reserved_until, job_id=job_id(order_id))
        order = await repository.order_by_id(conn, order_id)
    begun, error = None, None
    if method is not None:
        try:
            await limits.enforce(platform, limits.PAYMENTS, str(buyer_id))  # counted as POST /api/payments is
            begun = await payments.start(platform, caller, hold_id=order.hold_id, amount=order.total,
                                         currency=order.currency, method_id=method.id)
        except DomainError as refused:
            error = refused
    return Placed(order, begun, error, True)


def paid_fields(order_fields: dict[str, Any], event: SaleEvent, tickets: int) -> dict[str, Any]:
    return {**order_fields, "title": event.title or "", "format": event.format or "in_person",
            "streaming_url": event.streaming_url if event.format == "online" else None, "tickets": tickets}


async def reserve(conn, wanted: Sequence[tuple[SaleType, int]]) -> None:
    """``committed += n`` of each type, in id order, by one conditional UPDATE each: 409
    ``sold_out`` / ``insufficient_tickets`` naming the first type without enough left."""
    for kind, quantity in sorted(wanted, key=lambda item: item[0].id):
        if await repository.reserve(conn, kind.id, quantity) is None:
            raise short_of(kind, quantity, max(await repository.left(conn, kind.id), 0))


def check_left(lines: Sequence[Line], types: dict[uuid.UUID, SaleType]) -> None:
    """Refuse at once a line of more than was left when the types were read: in a rush most buyers
    find them gone, and are told so before their tickets are signed (the conditional UPDATE of
    ``reserve`` still decides for those who find some)."""
    for line in lines:
        kind = types[line.ticket_type_id]
        if line.quantity > kind.available:
            raise short_of(kind, line.quantity, kind.available)


def short_of(kind: SaleType, quantity: int, available: int) -> Conflict:
    details = {"ticket_type_id": str(kind.id), "available": available, "requested": quantity}
    if available == 0:
        return Conflict(f"{kind.name} tickets are sold out", code="sold_out", details=details)
    return Conflict(f"Only {available} {kind.name} tickets are left", code="insufficient_tickets", details=details)


async def _made_before(conn, buyer_id: uuid.UUID, key: str, request_hash: bytes) -> Placed | None:
    made = await repository.order_by_key(conn, buyer_id, key)
    if made is None:
        return None
    if made.request_hash != request_hash:
        raise Invalid("This Idempotency-Key was used for another checkout; use a new key for a new operation",
                      code="idempotency_key_reused", details={"header": "Idempotency-Key"})
    return Placed(made, None, None, False)
