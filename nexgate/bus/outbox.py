"""The outbox repository: events are rows written in the transaction of the change."""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ..sql import queries
from . import catalogue

_sql = queries("platform")


PendingEvent = tuple[str, dict[str, Any]]  # a routing key and a payload, not yet written


async def emit(conn: asyncpg.Connection, routing_key: str, payload: dict[str, Any]) -> uuid.UUID:
    """Record an event; it is published only if the caller's transaction commits. The event
    must be declared in the catalogue (``bus.catalogue``) and the payload match its declaration.

    The relay finds it within ``NEXGATE_OUTBOX_POLL_MS`` of the commit.
    """
    pending(routing_key, payload)
    event_id = uuid.uuid4()
    await _sql.insert_event(conn, id=event_id, routing_key=routing_key, payload=payload)
    return event_id


async def emit_many(conn: asyncpg.Connection, events: list[PendingEvent]) -> list[uuid.UUID]:
    """``emit`` for several events (each checked by ``pending``) in one statement."""
    if not events:
        return []
    ids = [uuid.uuid4() for _ in events]
    await _sql.insert_events(conn, ids=ids, routing_keys=[key for key, _ in events],
                             payloads=[payload for _, payload in events])
    return ids


def pending(
    routing_key: str, payload: dict[str, Any], *, added_later: frozenset[str] = frozenset()
) -> PendingEvent:
    """An event checked as ``emit`` checks it, for a statement on a hot path that writes its
    outbox row beside its own change in one round trip (a message send); ``added_later`` names
    the declared fields that statement adds to the payload."""
    catalogue.lookup(routing_key).check(payload, added_later)
    return routing_key, payload


async def lock_unpublished(conn: asyncpg.Connection, batch_size: int) -> list[asyncpg.Record]:
    return [row async for row in _sql.lock_unpublished(conn, batch_size=batch_size)]


async def mark_published(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> None:
    await _sql.mark_published(conn, ids=ids)


async def record_publish_failure(conn: asyncpg.Connection, event_id: uuid.UUID, error: str) -> None:
    await _sql.record_publish_failure(conn, id=event_id, error=error[:1000])


async def count_unpublished(conn: asyncpg.Connection) -> int:
    return await _sql.count_unpublished(conn)


async def claim_event(conn: asyncpg.Connection, consumer: str, event_id: uuid.UUID) -> bool:
    """Record that ``consumer`` handles ``event_id``; False if it already had."""
    return bool(await _sql.claim_event(conn, consumer=consumer, event_id=event_id))


async def claim_events(conn: asyncpg.Connection, consumer: str, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """``claim_event`` for several in one statement: those ``consumer`` had not handled yet."""
    return {row["event_id"] async for row in _sql.claim_events(conn, consumer=consumer, event_ids=event_ids)}
