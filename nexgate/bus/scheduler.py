"""Scheduled jobs: an event to emit at a given time, durable across restarts (escrow timers,
scheduled posts, reservation expiry).

``schedule(conn, ...)`` writes the job in the caller's transaction; ``cancel`` removes one
that has not fired; ``schedule(..., job_id=..., replace=True)`` makes the job of a stable id
anew (a reminder moved to another time), whether it has fired or not. The scheduler worker (``python -m nexgate worker scheduler``) polls for due
jobs every ``NEXGATE_SCHEDULER_POLL_MS``, taking them with ``FOR UPDATE SKIP LOCKED`` and, in
the same transaction, writing each one's event to the outbox and marking it fired: a job fires
once however many schedulers run, and a scheduler that dies mid-batch leaves its jobs to the
next. From the outbox the event travels as any other (relay, consumer group, idempotency,
retries, dead letters), so the job's handler is an ordinary idempotent consumer. A job fires
when due, not before; how late is one poll interval plus the relay's.
"""
from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

import asyncpg

from ..db import Database
from ..sql import queries
from . import catalogue, outbox
from .polling import poll_forever

log = logging.getLogger(__name__)

_sql = queries("platform")
BATCH_SIZE = 200


async def schedule(conn: asyncpg.Connection, *, routing_key: str, payload: dict[str, Any], run_at: datetime.datetime,
                   job_id: uuid.UUID | None = None, replace: bool = False) -> uuid.UUID:
    """Emit ``routing_key`` with ``payload`` at ``run_at`` (checked against the event catalogue
    now, as ``bus.emit`` would check it then); the job exists if the caller's transaction commits.
    With ``replace``, a job of ``job_id`` already there, fired or not, is replaced by this one: it
    fires (again) at ``run_at``; one being fired at that moment fires first, then waits anew."""
    if run_at.tzinfo is None:
        raise ValueError("run_at must be timezone-aware")
    if replace and job_id is None:
        raise ValueError("replace needs the job_id of the job to replace")
    outbox.pending(routing_key, payload)
    job_id = job_id or uuid.uuid4()
    write = _sql.put_job if replace else _sql.insert_job
    await write(conn, id=job_id, routing_key=routing_key, payload=payload, run_at=run_at)
    return job_id


async def cancel(conn: asyncpg.Connection, *, job_id: uuid.UUID) -> bool:
    """Remove a job that has not fired; False if it had already fired (or never existed)."""
    return bool(await _sql.delete_unfired_job(conn, id=job_id))


async def job(conn: asyncpg.Connection, job_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.job(conn, id=job_id)


async def fire_due(conn: asyncpg.Connection, batch_size: int = BATCH_SIZE) -> int:
    """Turn the due jobs (up to a batch) into outbox events in the caller's transaction."""
    fired = 0
    async for row in _sql.lock_due_jobs(conn, batch_size=batch_size):
        try:
            outbox.pending(row["routing_key"], row["payload"])
        except (catalogue.UndeclaredEvent, catalogue.PayloadMismatch) as error:
            # Scheduled before a release that changed its event: kept, with why, not retried forever.
            log.error("scheduled job %s cannot fire: %s", row["id"], error)
            await _sql.mark_failed(conn, id=row["id"], error=str(error)[:1000])
            continue
        event_id = await outbox.emit(conn, row["routing_key"], row["payload"])
        await _sql.mark_fired(conn, id=row["id"], event_id=event_id)
        fired += 1
    return fired


class Scheduler:
    name = "scheduler"

    def __init__(self, database: Database, *, poll_interval: float):
        self.database = database
        self.poll_interval = poll_interval

    async def run(self) -> None:
        await poll_forever(self._fire_batch, name="scheduler", poll_interval=self.poll_interval, batch_size=BATCH_SIZE)

    async def _fire_batch(self) -> tuple[int, bool]:
        async with self.database.transaction("bus.scheduler") as conn:
            return await fire_due(conn), True
