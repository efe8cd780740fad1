"""Consumer group ``payments_live``: tells the payer's devices that a payment settled, and the
receiver's devices where their refund or payout stands (``payments.refund.*``, ``payments.payout.*``,
carrying the ``disbursement`` view).

Each settlement's event (``payments.payment.succeeded``, ``.failed``, ``.expired``,
``.flagged``) was written to the outbox in the transaction of the change; from the bus this
group appends it to the payer's stream under the event's own name and id, carrying the
payment's view as REST shows it, so a redelivered event reaches each device once and a crash
between the commit and the publish loses nothing (DESIGN.md §13).
"""
from __future__ import annotations

import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.payments.events import DISBURSEMENT_EVENTS, PAYMENT_SETTLEMENTS
from ..platform import Platform

NAME = "payments_live"


# Whom each event is told to, and the view it carries.
TOLD = {**{name: ("payer_id", "payment") for name in PAYMENT_SETTLEMENTS},
        **{name: ("user_id", "disbursement") for name in DISBURSEMENT_EVENTS}}


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        recipient, view = TOLD[event.type]
        await platform.realtime.publish_to_user(
            uuid.UUID(event.payload[recipient]), event.type, {view: event.payload[view]}, event_id=event.id)

    return ConsumerGroup(name=NAME, routing_keys=tuple(TOLD), handle=handle, database=platform.core)
