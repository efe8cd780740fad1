"""A ticket order after checkout (docs/events.md, "Buying tickets"): the buyer's list and page,
and the ``events_checkout`` group's handlers that pay or cancel a paid order.

- ``payments.hold.funded`` (payable ``events.ticket_order`` only): an order pending payment whose
  hold now covers its total is paid and its tickets issued: their payloads are signed in the
  process pool first, then the order's row is locked and, if it is still pending, marked paid
  with its tickets written, its timeout called off. Money landing in the hold of an order
  cancelled meanwhile, or beyond what a paid order keeps, is refunded to the payer.
- ``payments.payment.failed``: the order of a hold nothing was paid into is cancelled at once
  and its tickets given back.
- ``events.reservation.expired`` (the order's scheduled job): an order still unpaid is
  cancelled and its tickets given back; one whose money arrived meanwhile is paid.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from ... import bus
from ...bus import scheduler
from ...errors import NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..payments import holds
from ..payments.ledger import Cause
from . import issuing
from . import tickets_repository as repository
from .checkout import PAYABLE_KIND, job_id, paid_fields
from .events import AVAILABILITY_CHANGED, TICKET_ORDER_CANCELLED, TICKET_ORDER_PAID
from .tickets_repository import TicketOrder, TicketRow

log = logging.getLogger(__name__)

WORKER = "events_checkout"
UNPAID = "pending_payment"


def order_not_found() -> NotFound:
    return NotFound("No such ticket order", code="ticket_order_not_found")


# the buyer's

async def orders_of_buyer(platform: Platform, caller: Caller, *, limit: int, cursor: str | None):
    """The caller's ticket orders, newest first, each with its lines and tickets."""
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.orders_of_buyer_page(conn, caller.user_id, before, n),
                           TicketOrder.position)
        return Page(await details(conn, page.items), page.next_cursor)


async def order_for(platform: Platform, caller: Caller, order_id: uuid.UUID):
    """One of the caller's ticket orders; anyone else's is not found, as an unknown one."""
    async with platform.core.connection() as conn:
        order = await repository.order_by_id(conn, order_id)
        if order is None or order.buyer_id != caller.user_id:
            raise order_not_found()
        return (await details(conn, [order]))[0]


async def details(conn, orders: list[TicketOrder]) -> list[tuple[TicketOrder, list, list[TicketRow]]]:
    """Each order with its lines and the tickets of it its buyer still holds."""
    ids = [order.id for order in orders]
    lines = await repository.lines(conn, ids)
    tickets: dict[uuid.UUID, list[TicketRow]] = {order_id: [] for order_id in ids}
    for ticket in await repository.tickets_of_orders(conn, ids):
        tickets[ticket.order_id].append(ticket)
    return [(order, lines[order.id], [t for t in tickets[order.id] if t.holder_id == order.buyer_id])
            for order in orders]


# the events_checkout group's handlers

async def hold_funded(platform: Platform, conn, payload: dict[str, Any]) -> None:
    if payload["payable_kind"] != PAYABLE_KIND:
        return
    order = await repository.order_by_id(conn, uuid.UUID(payload["payable_id"]))
    if order is None:
        return
    hold = await holds.get_hold(conn, hold_id=uuid.UUID(payload["hold_id"]))
    prepared = None
    if order.state == UNPAID and hold.funded_amount >= order.total:
        prepared = await _prepare(platform, conn, order)  # signed before the order's row is locked
    order = await repository.lock_order(conn, order.id)
    if order.state == UNPAID:
        hold = await holds.get_hold(conn, hold_id=order.hold_id)
        if hold.funded_amount < order.total:
            return  # partly paid: the rest may still come before the reservation ends
        if prepared is None:
            prepared = await _prepare(platform, conn, order)
        order = await _pay(conn, order, prepared)
    await refund_excess(conn, order, await holds.get_hold(conn, hold_id=order.hold_id))


async def payment_failed(platform: Platform, conn, payload: dict[str, Any]) -> None:
    hold = await holds.get_hold(conn, hold_id=uuid.UUID(payload["hold_id"]))
    if hold.payable_kind != PAYABLE_KIND:
        return
    order = await repository.lock_order(conn, hold.payable_id)
    if order is None or order.state != UNPAID or hold.funded_amount > 0:
        return
    await cancel(conn, order, "The payment failed: nothing was taken, and the tickets were put back on sale")


async def reservation_expired(platform: Platform, conn, payload: dict[str, Any]) -> None:
    order = await repository.order_by_id(conn, uuid.UUID(payload["order_id"]))
    if order is None or order.state != UNPAID:
        return
    hold = await holds.get_hold(conn, hold_id=order.hold_id)
    prepared = await _prepare(platform, conn, order) if hold.funded_amount >= order.total else None
    order = await repository.lock_order(conn, order.id)
    if order.state != UNPAID:
        return
    hold = await holds.get_hold(conn, hold_id=order.hold_id)
    if hold.funded_amount >= order.total:
        order = await _pay(conn, order, prepared or await _prepare(platform, conn, order))
        await refund_excess(conn, order, hold)
        return
    await cancel(conn, order, "Not paid in time: the reservation ended and the tickets were put back on sale")


async def _prepare(platform: Platform, conn, order: TicketOrder) -> list[issuing.Prepared]:
    event = await repository.event(conn, order.event_id)
    lines = (await repository.lines(conn, [order.id]))[order.id]
    days = await issuing.days_of(conn, order.event_id, [line.ticket_type_id for line in lines])
    return await issuing.prepare(platform, event_id=order.event_id, event_ends_at=event.ends_at, wanted=[
        issuing.Wanted(line.ticket_type_id, days[line.ticket_type_id], line.unit_price, order.buyer_id)
        for line in lines for _ in range(line.quantity)])


async def _pay(conn, order: TicketOrder, prepared: list[issuing.Prepared]) -> TicketOrder:
    """pending_payment -> paid: its tickets written, its timeout called off."""
    if not await repository.pay_order(conn, order.id):
        raise RuntimeError(f"ticket order {order.id} left pending_payment under its lock")
    event = await repository.event(conn, order.event_id)
    await issuing.write(conn, prepared, event_id=order.event_id, organizer_id=order.organizer_id, order_id=order.id)
    await scheduler.cancel(conn, job_id=job_id(order.id))
    await bus.emit(conn, TICKET_ORDER_PAID, paid_fields(_order_fields(order), event, len(prepared)))
    return await repository.order_by_id(conn, order.id)


def _order_fields(order: TicketOrder) -> dict[str, Any]:
    return {"event_id": str(order.event_id), "organizer_id": str(order.organizer_id), "order_id": str(order.id),
            "buyer_id": str(order.buyer_id), "total": order.total, "currency": order.currency}


async def cancel(conn, order: TicketOrder, reason: str) -> TicketOrder:
    """An unpaid order (its row locked by the caller) cancelled: its tickets given back (every
    type in id order), what its hold holds (a part paid in time) refunded, its timeout called off."""
    if not await repository.close_order(conn, order.id, from_state=UNPAID, state="cancelled", reason=reason):
        raise RuntimeError(f"ticket order {order.id} left pending_payment under its lock")
    lines = (await repository.lines(conn, [order.id]))[order.id]
    for line in sorted(lines, key=lambda one: one.ticket_type_id):
        await repository.release(conn, line.ticket_type_id, line.quantity)
    await bus.emit(conn, AVAILABILITY_CHANGED, {"event_id": str(order.event_id),
                                                "ticket_type_ids": [str(line.ticket_type_id) for line in lines]})
    await bus.emit(conn, TICKET_ORDER_CANCELLED, {
        "event_id": str(order.event_id), "organizer_id": str(order.organizer_id), "order_id": str(order.id),
        "buyer_id": str(order.buyer_id), "reason": reason})
    await scheduler.cancel(conn, job_id=job_id(order.id))
    order = await repository.order_by_id(conn, order.id)
    await refund_excess(conn, order, await holds.get_hold(conn, hold_id=order.hold_id))
    return order


async def refund_excess(conn, order: TicketOrder, hold: holds.Hold) -> None:
    """Give the payers back what the hold holds beyond what the order keeps: all of it for a
    cancelled order; for a paid one, beyond the prices of its tickets still valid, as long as
    nothing was released from it."""
    if hold.state == holds.FROZEN:
        return
    if order.state == "cancelled":
        excess = hold.balance
    elif order.state == "paid" and hold.released_amount == 0:
        kept = sum(t.price for t in await repository.tickets_of_orders(conn, [order.id]) if t.state == "valid")
        excess = hold.balance - kept
    else:
        return
    if excess <= 0:
        return
    await holds.refund(conn, hold_id=hold.id, amount=excess,
                       cause=Cause.worker(WORKER, f"ticket order {order.id} is {order.state}: money beyond what "
                                                  "it keeps"))
    log.info("refunded %s %s of ticket order %s (%s)", excess, hold.currency, order.id, order.state)
