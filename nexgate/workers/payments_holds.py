"""Consumer group ``payments_holds``: fires escrow holds' auto-release timers (the scheduled
``payments.release_timer.expired`` events, docs/payments.md "Auto-release")."""
from __future__ import annotations

import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.payments.events import RELEASE_TIMER_EXPIRED
from ..domain.payments.holds import AUTO_RELEASE_WORKER, auto_release
from ..platform import Platform


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await auto_release(conn, hold_id=uuid.UUID(event.payload["hold_id"]), job_id=uuid.UUID(event.payload["job_id"]))

    return ConsumerGroup(name=AUTO_RELEASE_WORKER, routing_keys=(RELEASE_TIMER_EXPIRED,), handle=handle,
                         database=platform.core)
