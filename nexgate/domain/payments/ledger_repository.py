"""The ledger's SQL (``sql/payments/ledger.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import queries

_sql = queries("payments")


async def owned_balances(conn, *, kind: str, owner_id: uuid.UUID) -> dict[str, int]:
    return {row["currency"]: row["balance"] async for row in _sql.owned_balances(conn, kind=kind, owner_id=owner_id)}


async def account_id(conn, *, kind: str, currency: str, owner_id: uuid.UUID | None = None,
                     provider: str | None = None) -> uuid.UUID | None:
    return await _sql.account_id(conn, kind=kind, currency=currency, owner_id=owner_id, provider=provider)


async def insert_account(conn, *, kind: str, currency: str, owner_id: uuid.UUID) -> None:
    await _sql.insert_account(conn, kind=kind, currency=currency, owner_id=owner_id)


async def account(conn, account_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.account(conn, id=account_id)


async def lock_accounts(conn, ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    return [row async for row in _sql.lock_accounts(conn, ids=list(ids))]


async def write_entry(conn, *, entry_id: uuid.UUID, kind: str, cause_kind: str, cause_id: str, reason: str,
                      reverses: uuid.UUID | None, account_ids: list[uuid.UUID], currencies: list[str],
                      amounts: list[int]):
    return await _sql.write_entry(
        conn, id=entry_id, kind=kind, cause_kind=cause_kind, cause_id=cause_id, reason=reason, reverses=reverses,
        account_ids=account_ids, currencies=currencies, amounts=amounts,
    )


async def entry(conn, entry_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.entry(conn, id=entry_id)


async def entry_lines(conn, entry_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.entry_lines(conn, entry_id=entry_id)]


async def touches_kind(conn, *, entry_id: uuid.UUID, kind: str) -> bool:
    return await _sql.entry_touches_kind(conn, entry_id=entry_id, kind=kind)


async def reversal_of(conn, entry_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.reversal_of(conn, entry_id=entry_id)


async def chain_after(conn, *, position: int, batch_size: int) -> list[asyncpg.Record]:
    return [row async for row in _sql.chain_after(conn, position=position, batch_size=batch_size)]


async def lines_of_entries(conn, entry_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return [row async for row in _sql.lines_of_entries(conn, entry_ids=entry_ids)]


async def chain_head(conn) -> asyncpg.Record:
    return await _sql.chain_head(conn)


async def chain_pending(conn, batch_size: int) -> int:
    return await _sql.chain_pending(conn, batch_size=batch_size)


async def count_queued(conn) -> int:
    return await _sql.count_queued(conn)


async def unchained_entry(conn) -> uuid.UUID | None:
    return await _sql.unchained_entry(conn)


async def count_accounts(conn) -> int:
    return await _sql.count_accounts(conn)


async def account_drift(conn) -> list[asyncpg.Record]:
    return [row async for row in _sql.account_drift(conn)]


async def negative_restricted_account(conn) -> uuid.UUID | None:
    return await _sql.negative_restricted_account(conn)


async def hold_drift(conn) -> asyncpg.Record | None:
    return await _sql.hold_drift(conn)
