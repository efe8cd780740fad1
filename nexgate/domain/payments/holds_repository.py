"""The SQL of holds, their fundings, refunds and timeline (``sql/payments/holds.sql``); it
runs queries and decides nothing."""
from __future__ import annotations

import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("payments")


async def open_hold(conn, *, event: tuple[uuid.UUID, str, dict], **columns) -> asyncpg.Record | None:
    """The new hold, with its escrow account, first history line, payers and event; None
    (nothing written) when its payable already has one or no fee rate applies."""
    event_id, routing_key, payload = event
    return await _sql.open_hold(conn, event_id=event_id, routing_key=routing_key, payload=payload, **columns)


async def hold(conn, hold_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.hold(conn, id=hold_id)


async def lock_hold(conn, hold_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.lock_hold(conn, id=hold_id)


async def lock_hold_to_fund(conn, hold_id: uuid.UUID, *, provider: str,
                            provider_transaction_id: str) -> asyncpg.Record | None:
    return await _sql.lock_hold_to_fund(conn, id=hold_id, provider=provider,
                                        provider_transaction_id=provider_transaction_id)


async def hold_for_payable(conn, *, payable_kind: str, payable_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.hold_for_payable(conn, payable_kind=payable_kind, payable_id=payable_id)


async def update_hold(conn, hold_id: uuid.UUID, *, state: str, funded: int = 0, released: int = 0,
                      refunded: int = 0) -> asyncpg.Record:
    return await _sql.update_hold(conn, id=hold_id, state=state, funded=funded, released=released, refunded=refunded)


async def set_auto_release(conn, hold_id: uuid.UUID, *, at: datetime.datetime | None,
                           job_id: uuid.UUID | None) -> asyncpg.Record:
    return await _sql.set_auto_release(conn, id=hold_id, auto_release_at=at, auto_release_job_id=job_id)


async def funding_by_transaction(conn, *, provider: str, provider_transaction_id: str) -> asyncpg.Record | None:
    return await _sql.funding_by_transaction(conn, provider=provider, provider_transaction_id=provider_transaction_id)


async def record_funding(conn, *, entry: dict, event: tuple[uuid.UUID, str, dict], hold_version: int | None,
                         settles: dict | None, **columns) -> asyncpg.Record:
    """The funding with its entry (``ledger.unchecked_entry``'s columns), the hold's new state,
    its history row and its event, and the payment it ``settles`` (payment_id, receipt, now,
    note, event, version), if any: the hold and the payment as stored (both NULL if a version
    no longer matched)."""
    event_id, routing_key, payload = event
    settles = settles or {"payment_id": None, "receipt": None, "now": None, "note": None,
                          "event": (None, None, None), "version": None}
    payment_event_id, payment_routing_key, payment_payload = settles["event"]
    return await _sql.record_funding(
        conn, **entry, event_id=event_id, routing_key=routing_key, payload=payload, hold_version=hold_version,
        payment_id=settles["payment_id"], payment_version=settles["version"], receipt=settles["receipt"],
        now=settles["now"], note=settles["note"], payment_event_id=payment_event_id,
        payment_routing_key=payment_routing_key, payment_payload=payment_payload, **columns)


async def fundings(conn, hold_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.fundings(conn, hold_id=hold_id)]


async def add_refunded(conn, funding_id: uuid.UUID, amount: int) -> None:
    await _sql.add_refunded(conn, id=funding_id, amount=amount)


async def insert_refund(conn, **columns) -> asyncpg.Record:
    return await _sql.insert_refund(conn, **columns)


async def lock_refund(conn, refund_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.lock_refund(conn, id=refund_id)


async def refund_hold_id(conn, refund_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.refund_hold_id(conn, id=refund_id)


async def close_refund(conn, refund_id: uuid.UUID, *, state: str, closed_entry_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.close_refund(conn, id=refund_id, state=state, closed_entry_id=closed_entry_id)


async def refunds(conn, hold_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.refunds(conn, hold_id=hold_id)]


async def insert_history(conn, *, hold_id: uuid.UUID, transition: str, state: str, amount: int | None,
                         entry_id: uuid.UUID | None, cause_kind: str, cause_id: str, reason: str) -> None:
    await _sql.insert_history(conn, hold_id=hold_id, transition=transition, state=state, amount=amount,
                              entry_id=entry_id, cause_kind=cause_kind, cause_id=cause_id, reason=reason)


async def history(conn, hold_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.history(conn, hold_id=hold_id)]


async def now(conn) -> datetime.datetime:
    """The transaction's time, by the database's clock (the one the scheduler compares with)."""
    return await _sql.now(conn)


async def insert_release_share(conn, *, id: uuid.UUID, hold_id: uuid.UUID, payee_id: uuid.UUID, gross: int, fee: int,
                               entry_id: uuid.UUID) -> None:
    await _sql.insert_release_share(conn, id=id, hold_id=hold_id, payee_id=payee_id, gross=gross, fee=fee,
                                    entry_id=entry_id)


async def release_shares(conn, *, hold_id: uuid.UUID, payee_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.release_shares(conn, hold_id=hold_id, payee_id=payee_id)]


async def add_release_refunded(conn, share_id: uuid.UUID, *, refunded: int, fee_refunded: int) -> None:
    await _sql.add_release_refunded(conn, id=share_id, refunded=refunded, fee_refunded=fee_refunded)
