"""Consumer group ``events_checkout``: a ticket order's payment and its reservation's end
(docs/events.md, "Buying tickets"; ``domain/events/ticket_orders.py``).

- ``payments.hold.funded`` (of holds of ``events.ticket_order`` only): the order its hold now
  covers is paid and its tickets issued (signed in the process pool before the order's row is
  locked); money into the hold of an order cancelled meanwhile, or beyond what a paid order
  keeps, is refunded;
- ``payments.payment.failed``: the order of a hold nothing was paid into is cancelled and its
  tickets given back;
- ``events.reservation.expired`` (the order's scheduled job): an order still unpaid is
  cancelled and its tickets given back.

Each runs under the order's row lock in the group's transaction, so a payment and the timeout
arriving together are applied one after the other; the bus's idempotency handles a redelivered
event once.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.events import ticket_orders
from ..domain.events.events import RESERVATION_EXPIRED
from ..domain.payments.events import HOLD_FUNDED, PAYMENT_FAILED
from ..platform import Platform

NAME = ticket_orders.WORKER
HANDLERS = {
    HOLD_FUNDED: ticket_orders.hold_funded,
    PAYMENT_FAILED: ticket_orders.payment_failed,
    RESERVATION_EXPIRED: ticket_orders.reservation_expired,
}


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await HANDLERS[event.type](platform, conn, event.payload)

    return ConsumerGroup(name=NAME, routing_keys=tuple(HANDLERS), handle=handle, database=platform.core)
