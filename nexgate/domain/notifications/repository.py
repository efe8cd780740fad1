from __future__ import annotations

import uuid

import asyncpg

from ...sql import queries

_sql = queries("notifications")


async def record_email_delivery(
    conn: asyncpg.Connection, *, event_id: uuid.UUID, recipient: str, template: str, subject: str, message_id: str
) -> None:
    await _sql.insert_email_delivery(
        conn, id=uuid.uuid4(), event_id=event_id, recipient=recipient, template=template,
        subject=subject, message_id=message_id,
    )


async def email_deliveries_to(conn: asyncpg.Connection, recipient: str) -> list[asyncpg.Record]:
    return [row async for row in _sql.email_deliveries_to(conn, recipient=recipient)]
