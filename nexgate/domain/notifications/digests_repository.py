"""Digests' schedules, the notifications waiting for them and the digests sent
(sql/notifications/digests.sql)."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import all_rows, queries

_sql = queries("notifications")


async def wait_for_digest(conn, notification_id: uuid.UUID, recipient_id: uuid.UUID, digest: str) -> asyncpg.Record:
    """The notification waits for the digest; the recipient's schedule of it (``due_at``, ``last_due_at``)."""
    return await _sql.wait_for_digest(conn, id=notification_id, recipient_id=recipient_id, digest=digest)


async def schedule_for_update(conn, recipient_id: uuid.UUID, digest: str) -> asyncpg.Record | None:
    return await _sql.schedule_for_update(conn, recipient_id=recipient_id, digest=digest)


async def set_due(conn, recipient_id: uuid.UUID, digest: str, due_at: datetime.datetime | None) -> None:
    await _sql.set_due(conn, recipient_id=recipient_id, digest=digest, due_at=due_at)


async def take_waiting(conn, recipient_id: uuid.UUID, digest: str) -> list[asyncpg.Record]:
    """The notifications that waited for the digest, no longer waiting."""
    return await all_rows(_sql.take_waiting, conn, recipient_id=recipient_id, digest=digest)


async def digest_taken(conn, recipient_id: uuid.UUID, digest: str, due_at: datetime.datetime) -> None:
    await _sql.digest_taken(conn, recipient_id=recipient_id, digest=digest, due_at=due_at)


async def drop_waiting(conn, recipient_id: uuid.UUID, digest: str, categories: Sequence[str]) -> int:
    return await _sql.drop_waiting(conn, recipient_id=recipient_id, digest=digest, categories=list(categories))


async def record_digest(conn, *, id: uuid.UUID, recipient_id: uuid.UUID, digest: str, due_at: datetime.datetime,
                        notification_ids: Sequence[uuid.UUID], language: str) -> None:
    await _sql.record_digest(conn, id=id, recipient_id=recipient_id, digest=digest, due_at=due_at,
                             notification_ids=list(notification_ids), language=language)


async def queue_digest_deliveries(conn, *, ids: Sequence[uuid.UUID], notification_ids: Sequence[uuid.UUID],
                                  told_ids: Sequence[uuid.UUID], recipient_id: uuid.UUID, digest_id: uuid.UUID) -> None:
    await _sql.queue_digest_deliveries(conn, ids=list(ids), notification_ids=list(notification_ids),
                                       told_ids=list(told_ids), recipient_id=recipient_id, digest_id=digest_id)


async def digest_emailed(conn, digest_id: uuid.UUID, email_event_id: uuid.UUID) -> None:
    await _sql.digest_emailed(conn, id=digest_id, email_event_id=email_event_id)


async def digests_of(conn, recipient_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.digests_of, conn, recipient_id=recipient_id)
