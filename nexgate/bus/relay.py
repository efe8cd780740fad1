"""The outbox relay: publishes committed events to RabbitMQ and marks them sent.

Rows are locked with ``FOR UPDATE SKIP LOCKED``, so any number of relays (one per
server process) share the work without publishing a row twice. A row is marked sent
only after the broker confirmed it; a crash between the two publishes it again, which
the consumers' idempotency absorbs. While the broker is down, events wait in the table.
"""
from __future__ import annotations

import asyncio
import logging

import asyncpg

from ..db import Database
from . import outbox
from .broker import Broker
from .event import Event

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BACKOFF = 10.0
CHANNEL = "nexgate_outbox"


class OutboxRelay:
    name = "outbox-relay"

    def __init__(self, database: Database, broker: Broker, *, poll_interval: float):
        self.database = database
        self.broker = broker
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="outbox-listener")
        failures = 0
        try:
            while True:
                self._wake.clear()
                try:
                    published, complete = await self.publish_batch()
                    failures = 0 if complete else failures + 1
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                    log.warning("outbox relay cannot reach PostgreSQL: %s", error)
                    published, failures = 0, failures + 1
                if failures:
                    await asyncio.sleep(min(MAX_BACKOFF, 0.2 * 2**failures))
                elif published < BATCH_SIZE:
                    await self._wait_for_work()
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def _wait_for_work(self) -> None:
        try:
            async with asyncio.timeout(self.poll_interval):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _listen(self) -> None:
        """Hold a LISTEN connection so commits wake the relay at once; polling covers gaps."""
        while True:
            try:
                async with self.database.connection() as conn:
                    await conn.add_listener(CHANNEL, self._on_notify)
                    try:
                        while not conn.is_closed():
                            await asyncio.sleep(self.poll_interval)
                    finally:
                        if not conn.is_closed():
                            await conn.remove_listener(CHANNEL, self._on_notify)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await asyncio.sleep(self.poll_interval)

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def publish_batch(self) -> tuple[int, bool]:
        """Publish up to one batch; returns (how many were published, whether all were)."""
        async with self.database.transaction() as conn:
            rows = await outbox.lock_unpublished(conn, BATCH_SIZE)
            published = []
            for row in rows:
                event = Event(row["id"], row["routing_key"], row["payload"], row["created_at"])
                try:
                    await self.broker.publish_event(event.type, event.to_json(), str(event.id))
                except Exception as error:  # broker down or channel closed: stop, keep the rest for later
                    log.warning("outbox relay cannot publish %s: %r", event.id, error)
                    await outbox.record_publish_failure(conn, event.id, repr(error))
                    break
                published.append(event.id)
            if published:
                await outbox.mark_published(conn, published)
            return len(published), len(published) == len(rows)
