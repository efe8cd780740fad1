"""Consumer group ``payments_live``: tells the payer's devices that a payment settled, and the
receiver's devices where their refund or payout stands (``payments.refund.*``, ``payments.payout.*``,
carrying the ``disbursement`` view).

Each settlement's event (``payments.payment.succeeded``, ``.failed``, ``.expired``,
``.flagged``) was written to the outbox in the transaction of the change; from the bus this
group appends it to the payer's stream under the event's own name and id, carrying the
payment's view as REST shows it, so a redelivered event reaches each device once and a crash
between the commit and the publish loses nothing (DESIGN.md §13).

A succeeded payment's receipt is emailed from here too (``receipts.email_receipts``), on
``payments.payment.succeeded`` and on ``payments.payment.resolved`` when an operator credited
it: the email's request is written in the group's transaction that claims the event, so it is
requested once, after the settlement committed, and never from inside it.
"""
from __future__ import annotations

import asyncio
import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.payments import receipts
from ..domain.payments.events import DISBURSEMENT_EVENTS, PAYMENT_RESOLVED, PAYMENT_SETTLEMENTS, PAYMENT_SUCCEEDED
from ..platform import Platform

NAME = "payments_live"


# Whom each event is told to, and the view it carries.
TOLD = {**{name: ("payer_id", "payment") for name in PAYMENT_SETTLEMENTS},
        **{name: ("user_id", "disbursement") for name in DISBURSEMENT_EVENTS}}


RECEIPTS = (PAYMENT_SUCCEEDED, PAYMENT_RESOLVED)  # a receipt is emailed if the payment then stands succeeded


BATCH = 100  # events handled together once they queue up (bus.consumer: one transaction, one claim)


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle_batch(events, conn):
        paid = [uuid.UUID(event.payload["payment_id"]) for event in events if event.type in RECEIPTS]
        if paid:
            await receipts.email_receipts(conn, paid)
        # Together: the Redis client sends the commands issued at once in one round trip.
        await asyncio.gather(*(tell(event) for event in events if event.type in TOLD))

    def tell(event):
        recipient, view = TOLD[event.type]
        return platform.realtime.publish_to_user(
            uuid.UUID(event.payload[recipient]), event.type, {view: event.payload[view]}, event_id=event.id)

    return ConsumerGroup(name=NAME, routing_keys=(*TOLD, PAYMENT_RESOLVED), handle=None, handle_batch=handle_batch,
                         batch=BATCH, database=platform.core)
