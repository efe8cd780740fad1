"""Consumer group ``payments_live``: tells the payer's devices that a payment settled.

Each settlement's event (``payments.payment.succeeded``, ``.failed``, ``.expired``,
``.flagged``) was written to the outbox in the transaction of the change; from the bus this
group appends it to the payer's stream under the event's own name and id, carrying the
payment's view as REST shows it, so a redelivered event reaches each device once and a crash
between the commit and the publish loses nothing (DESIGN.md §13).
"""
from __future__ import annotations

import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.payments.events import PAYMENT_SETTLEMENTS
from ..platform import Platform

NAME = "payments_live"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await platform.realtime.publish_to_user(
            uuid.UUID(event.payload["payer_id"]), event.type, {"payment": event.payload["payment"]}, event_id=event.id)

    return ConsumerGroup(name=NAME, routing_keys=PAYMENT_SETTLEMENTS, handle=handle, database=platform.core)
