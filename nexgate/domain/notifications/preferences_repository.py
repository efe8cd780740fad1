"""A recipient's notification preferences (sql/notifications/preferences.sql)."""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ...sql import queries

_sql = queries("notifications")


async def preferences(conn, recipient_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.preferences(conn, recipient_id=recipient_id)


async def lock_preferences(conn, recipient_id: uuid.UUID) -> asyncpg.Record:
    """The recipient's row (made with the defaults if they had none), held for the transaction."""
    await _sql.ensure_preferences(conn, recipient_id=recipient_id)
    return await _sql.preferences_for_update(conn, recipient_id=recipient_id)


async def save_preferences(conn, recipient_id: uuid.UUID, *, channels: dict[str, Any], types: dict[str, bool],
                           time_zone: str | None, quiet_start: Any, quiet_end: Any) -> None:
    await _sql.save_preferences(conn, recipient_id=recipient_id, channels=channels, types=types, time_zone=time_zone,
                                quiet_start=quiet_start, quiet_end=quiet_end)
