"""An order's stock from checkout to payment (docs/commerce.md, "Stock"): reserved when the
order is placed, allocated when it is paid, released when it is cancelled unpaid.

- ``reserve``: checkout's reservation of every line of its orders, in variant id order (so two
  checkouts of the same variants never wait for each other in a cycle), each one conditional
  UPDATE through ``stock.move`` (``committed += n`` only while ``on_hand - committed >= n``):
  of buyers racing for the last units exactly the units there are get them, the others a 409
  naming the variant.
- Released (``committed -= n``, reason ``released``) by ``orders.cancel_order``, as any order
  cancelled before shipping is.
- The reservation's timeout is a scheduled job (``bus.scheduler``) of a stable id per order,
  written with the order: at ``reserved_until`` its event ``commerce.reservation.expired``
  reaches the ``commerce_checkout`` group, which cancels the order if it is still unpaid and
  releases its stock. Durable: it fires once, after a restart too.
- The same group hears ``payments.hold.funded``: an order pending payment whose hold now holds
  its total is paid (``orders.transition``; its reservation becomes an allocation) and its
  timeout called off; money that lands in the hold of an order cancelled meanwhile (expired,
  or its payment failed) is refunded to the payer, and what a second payment adds beyond the
  total of a paid order is refunded too, so no order is paid without its stock and no buyer
  pays twice. And ``payments.payment.failed``: the order of a hold nothing was paid into, and
  no other payment into it still pending, is cancelled and its stock released at once (checking
  out again starts afresh).
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from ...bus import scheduler
from ...errors import Conflict, NotFound
from ..payments import holds, payments
from ..payments.ledger import Cause
from . import cart_repository, orders, stock
from .events import RESERVATION_EXPIRED

log = logging.getLogger(__name__)

WORKER = "commerce_checkout"
PAYABLE_KIND = "commerce.order"
UNPAID = "pending_payment"
_JOBS = uuid.UUID("6c1d9a4e-2f0b-4c8e-9f3a-5b7d1e0c2a94")  # names each order's reservation job


def job_id(order_id: uuid.UUID) -> uuid.UUID:
    """The id of the order's reservation timeout job (one per order, stable)."""
    return uuid.uuid5(_JOBS, str(order_id))


async def reserve(conn, orders_lines: Sequence[tuple[uuid.UUID, Sequence[Any]]], *, actor_id: uuid.UUID) -> None:
    """Reserve the stock of each order's lines (``cart.Line``), every variant in id order; 409
    ``out_of_stock`` / ``insufficient_stock`` naming the first variant without enough left."""
    wanted = sorted(((line.offer.variant_id, line, order_id) for order_id, lines in orders_lines for line in lines),
                    key=lambda item: item[0])
    for variant_id, line, order_id in wanted:
        level = await stock.move(conn, variant_id=variant_id, committed_delta=line.quantity, reason="reserved",
                                 actor_id=actor_id, order_id=order_id)
        if level is None:
            now = (await cart_repository.offers(conn, [variant_id]))[variant_id]
            offer = line.offer
            details = {"variant_id": str(variant_id), "product_id": str(offer.product_id), "sku": offer.sku,
                       "available": max(now.available, 0), "requested": line.quantity}
            if now.available <= 0:
                raise Conflict(f"{offer.product_name} ({offer.sku}) is out of stock", code="out_of_stock",
                               details=details)
            raise Conflict(f"Only {now.available} of {offer.product_name} ({offer.sku}) left",
                           code="insufficient_stock", details=details)


async def expire_at(conn, *, order_id: uuid.UUID, buyer_id: uuid.UUID, at) -> None:
    """The order's reservation timeout, a durable job written in the caller's transaction."""
    await scheduler.schedule(conn, routing_key=RESERVATION_EXPIRED,
                             payload={"order_id": str(order_id), "buyer_id": str(buyer_id)}, run_at=at,
                             job_id=job_id(order_id))


# the commerce_checkout group's handlers (workers/commerce_checkout.py)

async def hold_funded(conn, payload: dict[str, Any]) -> None:
    """``payments.hold.funded``: pay the order its hold now covers, or give back money it must not keep."""
    if payload["payable_kind"] != PAYABLE_KIND:
        return
    order = await _locked(conn, uuid.UUID(payload["payable_id"]))
    if order is None:
        return
    hold = await holds.get_hold(conn, hold_id=uuid.UUID(payload["hold_id"]))
    if order.state == UNPAID:
        if hold.funded_amount >= order.total:
            order = await _pay(conn, order)
        else:
            return  # partly paid: the rest may still come before the reservation ends
    await _refund_excess(conn, order, hold)


async def payment_failed(conn, payload: dict[str, Any]) -> None:
    """``payments.payment.failed``: the order of a hold nothing was paid into, and no other payment
    into it still pending, is cancelled, its stock released (a pending one may yet pay it; if it
    fails too, its own event cancels the order)."""
    hold = await holds.get_hold(conn, hold_id=uuid.UUID(payload["hold_id"]))
    if hold.payable_kind != PAYABLE_KIND:
        return
    order = await _locked(conn, hold.payable_id)
    if order is None or order.state != UNPAID or hold.funded_amount > 0:
        return
    if await payments.pending_into(conn, hold_id=hold.id):
        return
    await _cancel(conn, order, "The payment failed: nothing was taken, and the order's items were put back on sale")


async def reservation_expired(conn, payload: dict[str, Any]) -> None:
    """``commerce.reservation.expired``: an order still unpaid is cancelled and its stock released;
    one whose money arrived but was not yet taken up is paid."""
    order = await _locked(conn, uuid.UUID(payload["order_id"]))
    if order is None or order.state != UNPAID:
        return
    hold = await holds.get_hold(conn, hold_id=order.hold_id)
    if hold.funded_amount >= order.total:
        order = await _pay(conn, order)
        await _refund_excess(conn, order, hold)
        return
    await _cancel(conn, order, "Not paid in time: the reservation ended and the order's items were put back on sale")


async def _locked(conn, order_id: uuid.UUID):
    try:
        return await orders.lock_order(conn, order_id)
    except NotFound:
        return None  # a hold of no checkout's order (the payments area opens such holds in its own tests)


async def _pay(conn, order):
    order = await orders.transition(conn, order, "paid", actor="system", stock_state="allocated", reserved_until=None)
    await scheduler.cancel(conn, job_id=job_id(order.id))
    return order


async def _cancel(conn, order, reason: str):
    """The order cancelled as any cancellation before shipping is (``orders.cancel_order``: what its
    hold holds, a part paid in time, goes back to the buyer, its stock is released, in variant id
    order), and its timeout called off."""
    order = await orders.cancel_order(conn, order, actor="system", actor_id=None, reason=reason)
    await scheduler.cancel(conn, job_id=job_id(order.id))
    return order


async def _refund_excess(conn, order, hold: holds.Hold) -> None:
    """Give the payers back what the hold holds beyond what the order keeps: all of it for a
    cancelled order; beyond its total for a paid one nothing was released from yet."""
    if hold.state == holds.FROZEN:
        return
    if order.state == "cancelled":
        excess = hold.balance
    elif order.state in ("paid", "accepted", "shipped", "delivered") and hold.released_amount == 0:
        excess = hold.balance - order.total
    else:
        return
    if excess <= 0:
        return
    await holds.refund(conn, hold_id=hold.id, amount=excess,
                       cause=Cause.worker(WORKER, f"order {order.id} is {order.state}: money beyond what it keeps"))
    log.info("refunded %s %s of order %s (%s)", excess, hold.currency, order.id, order.state)
