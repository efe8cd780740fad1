"""The tickets' signing keys (sql/events/ticket_keys.sql)."""
from __future__ import annotations

import asyncpg

from ...sql import all_rows, queries

_sql = queries("events")


async def lock(conn) -> None:
    """Hold the keys for the transaction: one change to them at a time."""
    await _sql.ticket_keys_lock(conn)


async def active(conn) -> asyncpg.Record | None:
    return await _sql.ticket_key_active(conn)


async def by_id(conn, kid: str) -> asyncpg.Record | None:
    return await _sql.ticket_key_by_id(conn, id=kid)


async def every_key(conn) -> list[asyncpg.Record]:
    """Newest first."""
    return await all_rows(_sql.ticket_keys_all, conn)


async def insert(conn, kid: str, public_key_pem: str, private_key_pem: bytes) -> asyncpg.Record:
    return await _sql.ticket_key_insert(conn, id=kid, public_key_pem=public_key_pem, private_key_pem=private_key_pem)


async def rotate_active(conn) -> None:
    """The active key, if any, becomes ``rotated``."""
    await _sql.ticket_key_rotate_active(conn)


async def retire(conn, kid: str) -> asyncpg.Record | None:
    return await _sql.ticket_key_retire(conn, id=kid)
