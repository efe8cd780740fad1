"""Consumer group ``commerce_orders``: completes an order when its auto-completion job comes due
(``commerce.order_timer.expired``, a scheduled job of the bus that a shipping or a delivery
confirmation set): the hold is released to the seller net of the fee and the order is
``completed``, unless it was disputed meanwhile or a later step moved its time on. Durable: the
job is a row written in the step's transaction, fired once by the scheduler, and its event is
handled once (the bus's idempotency; a redelivery finds the order completed and does nothing).
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.commerce import orders
from ..domain.commerce.events import ORDER_TIMER_EXPIRED
from ..platform import Platform

NAME = "commerce_orders"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await orders.complete_when_due(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=(ORDER_TIMER_EXPIRED,), handle=handle, database=platform.core)
