"""Consumer group ``commerce_checkout``: an order's payment and its reservation's end
(docs/commerce.md, "Checkout"; ``domain/commerce/reservations.py``).

- ``payments.hold.funded``: the order its hold now covers is paid (its stock allocated); money
  into the hold of an order cancelled meanwhile, or beyond a paid order's total, is refunded;
- ``payments.payment.failed``: the order of a hold nothing was paid into is cancelled, its
  stock released;
- ``commerce.reservation.expired`` (the order's scheduled job): an order still unpaid is
  cancelled and its stock released.

Each runs under the order's row lock in the group's transaction, so a payment and the timeout
arriving together are applied one after the other, and the bus's idempotency handles a
redelivered event once.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.commerce import reservations
from ..domain.commerce.events import RESERVATION_EXPIRED
from ..domain.payments.events import HOLD_FUNDED, PAYMENT_FAILED
from ..platform import Platform

NAME = reservations.WORKER
HANDLERS = {
    HOLD_FUNDED: reservations.hold_funded,
    PAYMENT_FAILED: reservations.payment_failed,
    RESERVATION_EXPIRED: reservations.reservation_expired,
}


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await HANDLERS[event.type](conn, event.payload)

    return ConsumerGroup(name=NAME, routing_keys=tuple(HANDLERS), handle=handle, database=platform.core)
