"""The notification service's record of the SMS it sent (``sql/notifications/sms.sql``)."""
from __future__ import annotations

import decimal
import uuid

import asyncpg

from ...sql import queries

_sql = queries("notifications")


async def record_sms_delivery(
    conn: asyncpg.Connection, *, event_id: uuid.UUID, recipient: str, kind: str, provider: str, message_id: str,
    status: str, cost_currency: str | None, cost_amount: decimal.Decimal | None,
) -> None:
    await _sql.insert_sms_delivery(
        conn, id=uuid.uuid4(), event_id=event_id, recipient=recipient, kind=kind, provider=provider,
        message_id=message_id, status=status, cost_currency=cost_currency, cost_amount=cost_amount,
    )


async def sms_deliveries_to(conn: asyncpg.Connection, recipient: str) -> list[asyncpg.Record]:
    return [row async for row in _sql.sms_deliveries_to(conn, recipient=recipient)]


# Delivery reports

async def lock_message(conn: asyncpg.Connection, provider: str, message_id: str) -> None:
    await _sql.lock_sms_message(conn, provider=provider, message_id=message_id)


async def insert_report(conn: asyncpg.Connection, *, provider: str, message_id: str, status: str,
                        failure_reason: str | None, network_code: str | None, retry_count: int | None) -> None:
    await _sql.insert_sms_report(conn, id=uuid.uuid4(), provider=provider, message_id=message_id, status=status,
                                 failure_reason=failure_reason, network_code=network_code, retry_count=retry_count)


async def reports(conn: asyncpg.Connection, provider: str, message_id: str) -> list[asyncpg.Record]:
    return [row async for row in _sql.sms_reports(conn, provider=provider, message_id=message_id)]


async def notification_delivery(conn: asyncpg.Connection, message_id: str) -> asyncpg.Record | None:
    """The notification's SMS delivery of that gateway message id, locked; None if none is."""
    return await _sql.sms_notification_delivery(conn, message_id=message_id)


async def set_state(conn: asyncpg.Connection, delivery_id: uuid.UUID, *, status: str, reason: str | None) -> None:
    await _sql.set_sms_delivery_state(conn, id=delivery_id, status=status, reason=reason)
