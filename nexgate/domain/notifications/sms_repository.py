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
