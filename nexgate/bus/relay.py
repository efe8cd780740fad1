"""The outbox relay: publishes committed events to RabbitMQ and marks them sent.

Rows are locked with ``FOR UPDATE SKIP LOCKED``, so any number of relays (one per
server process) share the work without publishing a row twice. A relay keeps publishing
while it finds full batches and polls every ``NEXGATE_OUTBOX_POLL_MS`` once idle: no
LISTEN/NOTIFY, since a transaction that notifies holds a cluster-wide lock through its commit
and would queue every commit that writes an event (messages, at hundreds a second). A row is marked sent
only after the broker confirmed it; a crash between the two publishes it again, which
the consumers' idempotency absorbs. While the broker is down, events wait in the table.
"""
from __future__ import annotations

import asyncio
import logging

from ..db import Database
from . import outbox
from .broker import Broker
from .event import Event
from .polling import poll_forever

log = logging.getLogger(__name__)

BATCH_SIZE = 200


class OutboxRelay:
    name = "outbox-relay"

    def __init__(self, database: Database, broker: Broker, *, poll_interval: float):
        self.database = database
        self.broker = broker
        self.poll_interval = poll_interval

    async def run(self) -> None:
        await poll_forever(self.publish_batch, name="outbox relay", poll_interval=self.poll_interval,
                           batch_size=BATCH_SIZE)

    async def publish_batch(self) -> tuple[int, bool]:
        """Publish up to one batch; returns (how many were published, whether all were).

        The batch's publishes go out together, in the outbox's order on the one channel, and
        their confirms are awaited together: one round trip to the broker a batch, not one an
        event. Only the confirmed rows are marked; the others wait for the next batch, the
        first of them with the error (one line logged a batch, not one an event)."""
        async with self.database.transaction("bus.outbox_relay") as conn:
            rows = await outbox.lock_unpublished(conn, BATCH_SIZE)
            events = [Event(row["id"], row["routing_key"], row["payload"], row["created_at"]) for row in rows]
            results = await asyncio.gather(
                *(self.broker.publish_event(event.type, event.to_json(), str(event.id)) for event in events),
                return_exceptions=True)
            if cancelled := next((r for r in results if isinstance(r, asyncio.CancelledError)), None):
                raise cancelled
            published = [event.id for event, result in zip(events, results) if not isinstance(result, BaseException)]
            failed = [(event, result) for event, result in zip(events, results) if isinstance(result, BaseException)]
            if failed:  # broker down or channel closed: kept for later, the first one's error recorded
                event, error = failed[0]
                log.warning("outbox relay cannot publish %d of %d events, %s first: %r",
                            len(failed), len(events), event.id, error)
                await outbox.record_publish_failure(conn, event.id, repr(error))
            if published:
                await outbox.mark_published(conn, published)
            return len(published), len(published) == len(rows)
