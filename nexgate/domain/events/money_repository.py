"""Cancellation, a cancelled event's refunds and a completed one's settlement
(sql/events/after/money.sql, with the event's lock and completion of timeline.sql). The
event's row is locked first by every caller."""
from __future__ import annotations

import datetime
import uuid

import asyncpg

from ...sql import all_rows, queries

_sql = queries("events").after


async def lock_event(conn, event_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.lock_event(conn, event_id=event_id)


async def cancel_event(conn, event_id: uuid.UUID, reason: str | None) -> asyncpg.Record:
    return await _sql.cancel_event(conn, event_id=event_id, reason=reason)


async def unpaid_order_ids(conn, event_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.unpaid_orders, conn, event_id=event_id)]


async def revoke_event_tickets(conn, event_id: uuid.UUID) -> list[asyncpg.Record]:
    """The tickets that stopped admitting, with their holders."""
    return await all_rows(_sql.revoke_event_tickets, conn, event_id=event_id)


async def release_committed(conn, event_id: uuid.UUID) -> list[uuid.UUID]:
    """The ticket types whose committed count was given back."""
    return [row["id"] for row in await all_rows(_sql.release_committed, conn, event_id=event_id)]


async def paid_orders_after(conn, event_id: uuid.UUID, after_id: uuid.UUID, limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.paid_orders_after, conn, event_id=event_id, after_id=after_id, limit=limit)


async def mark_order_refunded(conn, order_id: uuid.UUID, reason: str) -> None:
    await _sql.mark_order_refunded(conn, order_id=order_id, reason=reason)


async def cancel_order_tickets(conn, order_id: uuid.UUID) -> None:
    await _sql.cancel_order_tickets(conn, order_id=order_id)


async def paid_orders_left(conn, event_id: uuid.UUID) -> int:
    return await _sql.paid_orders_left(conn, event_id=event_id)


async def hold_for_operator(conn, event_id: uuid.UUID) -> None:
    await _sql.hold_for_operator(conn, event_id=event_id)


async def set_settlement(conn, event_id: uuid.UUID, settlement: str) -> None:
    await _sql.set_settlement(conn, event_id=event_id, settlement=settlement)


async def complete_event(conn, event_id: uuid.UUID, settle_after: datetime.datetime) -> asyncpg.Record:
    return await _sql.complete_event(conn, event_id=event_id, settle_after=settle_after)


async def window_reviews(conn, event_id: uuid.UUID, until: datetime.datetime) -> asyncpg.Record:
    """How many reviews were written before ``until`` (``count``), and their ratings' sum (``total``)."""
    return await _sql.window_reviews(conn, event_id=event_id, until=until)


async def held_events(conn, settlement: str, after: tuple[datetime.datetime, uuid.UUID],
                      limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.held_events, conn, settlement=settlement, after_at=after[0], after_id=after[1],
                          limit=limit)
