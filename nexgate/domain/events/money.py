"""What happens to an event's ticket money (docs/events.md, "Money").

Cancellation (``cancel``, by the organizer): in one transaction, with the event's row locked
(checkout checks the event's state under that lock, so no order is placed into a cancelled
event), the event becomes ``cancelled``, every valid ticket is revoked (``events.ticket.revoked``
with reason ``cancelled`` for each), every unpaid order is
cancelled and what it held given back, ``events.event.cancelled`` is emitted and the holders are
told (``events.cancellation.announced``, in batches). The paid orders are then refunded by the
``events_timeline`` worker, a batch of ``REFUND_BATCH`` orders per transaction
(``refund_batch``), each order's whole hold back to its payers through payments
(``holds.refund``); when none is left the event's settlement is ``refunded``, or ``held`` for an
operator when a dispute froze some order's hold (it is not refunded; the operator refunds it once
the dispute is settled, ``decide``, which refuses while any hold is frozen). A second
cancellation answers the first's outcome (idempotent).

Completion and settlement: when the last day ends (the scheduled ``events.event_end.reached``)
the event is ``completed`` and its settlement ``waiting`` until ``settle_after`` (completion +
``NEXGATE_EVENTS_FEEDBACK_WINDOW_S``); when the window closes (``events.feedback_window.closed``)
the reviews written before ``settle_after`` decide: at least
``NEXGATE_EVENTS_RELEASE_MIN_REVIEWS`` of them averaging below
``NEXGATE_EVENTS_RELEASE_MIN_RATING`` hold the money (settlement ``held``, for an operator, who
releases or refunds it: ``decide``); otherwise every paid order's hold is released to the
organizer, net of the platform fee (settlement ``released``). Each step runs under the event's
row lock and only from the state before it, so it happens once however many workers or
operators act at once.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

from ... import bus
from ...errors import Conflict, Invalid, NotFound
from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..payments import holds
from ..payments.ledger import Cause
from . import access, issuing, ticket_orders, tickets_repository, timeline
from . import after_repository, money_repository as repository
from .events import (AVAILABILITY_CHANGED, CANCELLATION_ANNOUNCED, EVENT_CANCELLED, EVENT_COMPLETED, EVENT_SETTLED,
                     REFUNDS_CONTINUED, TICKET_REVOKED)

WORKER = "events_timeline"
REFUND_BATCH = 100
RELEASE_BATCH = 500
HOLDERS_PER_NOTICE = 500
_FIRST = uuid.UUID(int=0)
HELD_ORDER = Keyset("settle_after", (datetime.datetime, uuid.UUID),
                    (datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=0)))
DECISIONS = ("release", "refund")
CANCEL_REASON = "event_cancelled"


def event_not_found() -> NotFound:
    return NotFound("No such event", code="event_not_found")


@dataclasses.dataclass(frozen=True)
class Cancelled:
    event_id: uuid.UUID
    state: str
    cancelled_at: datetime.datetime
    reason: str | None
    settlement: str
    tickets_revoked: int
    orders_cancelled: int


async def lock_event(conn, event_id: uuid.UUID):
    """The event's row, held for the transaction (every step of this module takes it first)."""
    event = await repository.lock_event(conn, event_id)
    if event is None:
        raise event_not_found()
    return event


# cancellation

async def cancel(platform: Platform, caller: Caller, event_id: uuid.UUID, *, reason: str | None) -> Cancelled:
    """The organizer cancels a published or unpublished event (a draft is 409
    ``event_not_cancellable``, as a completed one; a cancelled one answers as it was cancelled)."""
    async with platform.core.transaction("events.cancel") as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, lock=True)
        event = await lock_event(conn, event_id)
        if event["state"] == "cancelled":
            return Cancelled(event_id, "cancelled", event["cancelled_at"], event["cancel_reason"],
                             event["settlement"], 0, 0)
        if event["state"] not in ("published", "unpublished"):
            raise Conflict(f"A {event['state']} event cannot be cancelled", code="event_not_cancellable",
                           details={"state": event["state"]})
        done = await repository.cancel_event(conn, event_id, reason)
        unpaid = await repository.unpaid_order_ids(conn, event_id)
        for order_id in unpaid:  # each as checkout's worker cancels one: its tickets given back, its hold refunded
            order = await tickets_repository.lock_order(conn, order_id)
            if order.state == ticket_orders.UNPAID:  # else paid meanwhile: its tickets are revoked below, it refunded
                await ticket_orders.cancel(conn, order, CANCEL_REASON)
        revoked = await repository.revoke_event_tickets(conn, event_id)
        for ticket in revoked:  # each holder's devices, and the scanners' revocation lists
            await bus.emit(conn, TICKET_REVOKED, {**issuing.about(ticket["id"], event_id, event["organizer_id"],
                                                                  ticket["ticket_type_id"], ticket["order_id"],
                                                                  ticket["holder_id"]), "reason": "cancelled"})
        types = await repository.release_committed(conn, event_id)
        await timeline.unschedule(conn, event_id)
        about = {"event_id": str(event_id), "organizer_id": str(event["organizer_id"])}
        if types:
            await bus.emit(conn, AVAILABILITY_CHANGED, {"event_id": str(event_id),
                                                        "ticket_type_ids": [str(t) for t in types]})
        await bus.emit(conn, EVENT_CANCELLED, {**about, "title": event["title"], "reason": reason})
        holders = sorted({str(row["holder_id"]) for row in revoked})
        for start in range(0, len(holders), HOLDERS_PER_NOTICE):
            await bus.emit(conn, CANCELLATION_ANNOUNCED, {**about, "title": event["title"], "reason": reason,
                                                          "holder_ids": holders[start:start + HOLDERS_PER_NOTICE]})
        return Cancelled(event_id, "cancelled", done["cancelled_at"], reason, event["settlement"], len(revoked),
                         len(unpaid))


async def refund_batch(conn, event_id: uuid.UUID, after_id: uuid.UUID = _FIRST) -> int:
    """Refund the next ``REFUND_BATCH`` paid orders of a cancelled event after ``after_id`` (the
    ``events_timeline`` worker's transaction, on ``events.event.cancelled`` and then on each
    ``events.refunds.continued`` it emits while orders are left); the last batch sets the
    settlement ``refunded``, or ``held`` for an operator when a dispute froze some order's hold
    (that order stays paid; the operator refunds it once the dispute is settled). Returns how
    many orders it refunded."""
    event = await lock_event(conn, event_id)
    if event["state"] != "cancelled" or event["settlement"] in ("refunded", "held"):  # done, or an operator's
        return 0
    batch = REFUND_BATCH
    orders = await repository.paid_orders_after(conn, event_id, after_id, batch + 1)
    refunded = 0
    for order in orders[:batch]:
        if await _refund_order(conn, order, Cause.worker(WORKER, f"event {event_id} cancelled by its organizer"),
                               CANCEL_REASON):
            refunded += 1
    if len(orders) > batch:
        await bus.emit(conn, REFUNDS_CONTINUED, {"event_id": str(event_id), "after_order_id": str(orders[batch - 1]["id"])})
    elif await repository.paid_orders_left(conn, event_id):  # frozen by a dispute: not refunded
        await repository.hold_for_operator(conn, event_id)
        await bus.emit(conn, EVENT_SETTLED, {"event_id": str(event_id), "organizer_id": str(event["organizer_id"]),
                                             "settlement": "held", "amount": await _paid_total(conn, event_id),
                                             "currency": event["currency"]})
    else:
        await repository.set_settlement(conn, event_id, "refunded")
    return refunded


async def _refund_order(conn, order, cause: Cause, reason: str) -> bool:
    """The order's hold (what it still holds) back to its payers, the order ``refunded`` and its
    tickets revoked; False for a hold frozen by a dispute (left as it is)."""
    hold = await holds.get_hold(conn, hold_id=order["hold_id"])
    if hold.state == holds.FROZEN:
        return False
    if hold.balance > 0:
        await holds.refund(conn, hold_id=hold.id, cause=cause)
    await repository.mark_order_refunded(conn, order["id"], reason)
    await repository.cancel_order_tickets(conn, order["id"])
    return True


# completion and settlement

async def complete_when_due(platform: Platform, conn, event_id: uuid.UUID):
    """The last day's end came (``events.event_end.reached``): a published event whose end has
    passed is completed and its settlement starts waiting for the feedback window; nothing for a
    job made stale (an event cancelled, unpublished, already completed, or moved later)."""
    event = await lock_event(conn, event_id)
    now = await after_repository.now(conn)
    if event["state"] != "published" or event["ends_at"] is None or event["ends_at"] > now:
        return None
    settle_after = now + datetime.timedelta(seconds=platform.config.events_feedback_window_s)
    done = await repository.complete_event(conn, event_id, settle_after)
    await timeline.schedule_feedback_close(conn, event_id, done["settle_after"])
    await bus.emit(conn, EVENT_COMPLETED, {"event_id": str(event_id), "organizer_id": str(event["organizer_id"]),
                                           "title": event["title"]})
    return done


def _below(config, count: int, total: int) -> bool:
    """Whether ``count`` reviews summing ``total`` hold the money: enough of them, averaging
    below the threshold (compared exactly, in hundredths of a star)."""
    threshold = round(config.events_release_min_rating * 100)
    return count >= config.events_release_min_reviews and total * 100 < threshold * count


async def settle_when_due(platform: Platform, conn, event_id: uuid.UUID) -> str | None:
    """The feedback window closed (``events.feedback_window.closed``): hold or release the
    event's money; nothing unless its settlement is still ``waiting`` and the window is over."""
    event = await lock_event(conn, event_id)
    now = await after_repository.now(conn)
    if event["settlement"] != "waiting" or event["settle_after"] is None or event["settle_after"] > now:
        return None
    reviews = await repository.window_reviews(conn, event_id, event["settle_after"])
    if _below(platform.config, reviews["count"], reviews["total"]):
        amount = await _paid_total(conn, event_id)
        await _settled(conn, event, "held", amount)
        return "held"
    amount = await _release_all(conn, event, Cause.worker(WORKER, f"event {event_id}'s feedback window closed"))
    await _settled(conn, event, "released", amount)
    return "released"


async def _paid_total(conn, event_id: uuid.UUID) -> int:
    total = 0
    async for order in _orders(conn, event_id):
        total += (await holds.get_hold(conn, hold_id=order["hold_id"])).balance
    return total


async def _orders(conn, event_id: uuid.UUID):
    after = _FIRST
    while True:
        batch = await repository.paid_orders_after(conn, event_id, after, RELEASE_BATCH)
        for order in batch:
            yield order
        if len(batch) < RELEASE_BATCH:
            return
        after = batch[-1]["id"]


async def _release_all(conn, event, cause: Cause) -> int:
    """Every paid order's hold released whole to the organizer (payments takes the fee): the gross."""
    released = 0
    async for order in _orders(conn, event["id"]):
        hold = await holds.get_hold(conn, hold_id=order["hold_id"])
        if hold.balance > 0 and hold.state != holds.FROZEN:
            done = await holds.release(conn, hold_id=hold.id, payees=[holds.Payee(event["organizer_id"], hold.balance)],
                                       cause=cause)
            released += done.amount
    return released


async def _settled(conn, event, settlement: str, amount: int) -> None:
    await repository.set_settlement(conn, event["id"], settlement)
    await bus.emit(conn, EVENT_SETTLED, {"event_id": str(event["id"]), "organizer_id": str(event["organizer_id"]),
                                         "settlement": settlement, "amount": amount, "currency": event["currency"]})


# the operator's decision

async def held_events(platform: Platform, *, settlement: str, cursor: str | None, limit: int) -> Page:
    """Events of one settlement (``held`` by default), the longest waiting first, with what their
    window's reviews were and what their paid orders hold."""
    async with platform.core.connection() as conn:
        return await fetch(HELD_ORDER, cursor, limit,
                           lambda after, n: repository.held_events(conn, settlement, after, n),
                           lambda row: (row["settle_after"], row["id"]))


async def decide(platform: Platform, caller: Caller, event_id: uuid.UUID, *, decision: str,
                 reason: str) -> dict[str, Any]:
    """An operator releases a held event's money to the organizer (net of the fee) or refunds
    it to the buyers; 409 ``settlement_not_held`` unless its settlement is ``held``."""
    if decision not in DECISIONS:
        raise Invalid.fields("body", {"decision": f"One of {', '.join(DECISIONS)}."})
    async with platform.core.transaction("events.settlement_decide") as conn:
        event = await lock_event(conn, event_id)
        if event["settlement"] != "held":
            raise Conflict("Only an event whose money is held for an operator can be decided",
                           code="settlement_not_held", details={"settlement": event["settlement"]})
        frozen = await _frozen_orders(conn, event_id)
        if frozen:
            raise Conflict("A dispute froze some of this event's money: settle the dispute first", code="hold_frozen",
                           details={"order_ids": [str(order_id) for order_id in frozen]})
        if decision == "release" and event["state"] == "cancelled":
            raise Conflict("A cancelled event's money goes back to its buyers: refund it", code="event_cancelled",
                           details={"state": "cancelled"})
        cause = Cause.operator(caller.username, reason)
        if decision == "release":
            amount = await _release_all(conn, event, cause)
            settlement = "released"
        else:
            amount = 0
            async for order in _orders(conn, event_id):
                hold = await holds.get_hold(conn, hold_id=order["hold_id"])
                if await _refund_order(conn, order, cause, "refunded by an operator's decision"):
                    amount += hold.balance
            settlement = "refunded"
        await _settled(conn, event, settlement, amount)
        return {"event_id": event_id, "settlement": settlement, "amount": amount, "currency": event["currency"]}


async def _frozen_orders(conn, event_id: uuid.UUID) -> list[uuid.UUID]:
    """The event's paid orders whose hold a dispute froze."""
    return [order["id"] async for order in _orders(conn, event_id)
            if (await holds.get_hold(conn, hold_id=order["hold_id"])).state == holds.FROZEN]

