"""Disbursements' SQL (``sql/payments/disbursements.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

from ...sql import queries
from .payments_repository import Step

_sql = queries("payments")


@dataclasses.dataclass(frozen=True)
class Disbursement:
    id: uuid.UUID
    reference: str
    kind: str  # refund, payout
    user_id: uuid.UUID
    refund_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    method_id: uuid.UUID | None
    provider: str
    msisdn: str
    amount: int  # taken from the ledger
    fee: int  # the provider's charge; amount - fee reaches the phone
    currency: str
    status: str
    send: str
    provider_transaction_id: str | None
    receipt: str | None
    failure_code: str | None
    failure_message: str | None
    review_reason: str | None
    entry_id: uuid.UUID
    closed_entry_id: uuid.UUID | None
    checks: int
    next_check_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    settled_at: datetime.datetime | None

    @property
    def sent_amount(self) -> int:
        return self.amount - self.fee

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


@dataclasses.dataclass(frozen=True)
class Schedule:
    user_id: uuid.UUID
    currency: str
    method_id: uuid.UUID
    every: str
    next_run_at: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _disbursement(row) -> Disbursement | None:
    return None if row is None else Disbursement(**dict(row))


def _schedule(row) -> Schedule | None:
    return None if row is None else Schedule(**dict(row))


async def payout_fee(conn, *, provider: str, currency: str, amount: int) -> int | None:
    """The provider's charge for paying out ``amount``; None above its largest band."""
    return await _sql.payout_fee(conn, provider=provider, currency=currency, amount=amount)


async def refund_source(conn, refund_id: uuid.UUID):
    return await _sql.refund_source(conn, refund_id=refund_id)


async def insert(conn, **fields) -> Disbursement | None:
    """The new disbursement; None when the refund already has one."""
    return _disbursement(await _sql.insert_disbursement(conn, **fields))


async def get(conn, disbursement_id: uuid.UUID) -> Disbursement | None:
    return _disbursement(await _sql.disbursement(conn, id=disbursement_id))


async def for_refund(conn, refund_id: uuid.UUID) -> Disbursement | None:
    return _disbursement(await _sql.disbursement_for_refund(conn, refund_id=refund_id))


async def of_user(conn, disbursement_id: uuid.UUID, user_id: uuid.UUID) -> Disbursement | None:
    return _disbursement(await _sql.disbursement_of_user(conn, id=disbursement_id, user_id=user_id))


async def lock(conn, disbursement_id: uuid.UUID) -> Disbursement | None:
    return _disbursement(await _sql.lock_disbursement(conn, id=disbursement_id))


async def by_transaction(conn, *, provider: str, provider_transaction_id: str) -> Disbursement | None:
    return _disbursement(await _sql.disbursement_by_transaction(
        conn, provider=provider, provider_transaction_id=provider_transaction_id))


async def by_reference(conn, *, provider: str, reference: str) -> Disbursement | None:
    return _disbursement(await _sql.disbursement_by_reference(conn, provider=provider, reference=reference))


async def record_send(conn, disbursement_id: uuid.UUID, *, send: str, provider_transaction_id: str | None,
                      next_check_at: datetime.datetime | None) -> Disbursement:
    return _disbursement(await _sql.record_disbursement_send(conn, id=disbursement_id, send=send,
                                                provider_transaction_id=provider_transaction_id,
                                                next_check_at=next_check_at))


async def settle(conn, disbursement_id: uuid.UUID, *, status: str, closed_entry_id: uuid.UUID | None,
                 receipt: str | None = None, failure_code: str | None = None, failure_message: str | None = None,
                 review_reason: str | None = None) -> Disbursement:
    return _disbursement(await _sql.settle_disbursement(
        conn, id=disbursement_id, status=status, receipt=receipt, failure_code=failure_code,
        failure_message=failure_message, review_reason=review_reason, closed_entry_id=closed_entry_id))


async def schedule_check(conn, disbursement_id: uuid.UUID, next_check_at: datetime.datetime) -> Disbursement | None:
    return _disbursement(await _sql.schedule_disbursement_check(conn, id=disbursement_id, next_check_at=next_check_at))


async def claim_due(conn, *, limit: int, lease_s: float) -> list[Disbursement]:
    return [_disbursement(row) async for row in _sql.claim_due_disbursements(conn, limit=limit, lease_s=lease_s)]


async def by_ids(conn, ids: list[uuid.UUID]) -> dict[uuid.UUID, Disbursement]:
    return {row["id"]: _disbursement(row) async for row in _sql.disbursements_by_ids(conn, ids=ids)}


async def of_user_page(conn, user_id: uuid.UUID, *, status: str | None, kind: str | None, before: tuple,
                       limit: int) -> list[Disbursement]:
    return [_disbursement(row) async for row in _sql.disbursements_of_user_page(
        conn, user_id=user_id, status=status, kind=kind, before_at=before[0], before_id=before[1], limit=limit)]


async def pending_payouts(conn, *, user_id: uuid.UUID, currency: str) -> int:
    return await _sql.pending_payouts(conn, user_id=user_id, currency=currency)


async def add_step(conn, disbursement: Disbursement, step: str, note: str) -> None:
    await _sql.insert_disbursement_step(conn, disbursement_id=disbursement.id, status=disbursement.status, step=step,
                               note=note[:500])


async def timeline(conn, disbursement_id: uuid.UUID) -> list[Step]:
    return [Step(**dict(row)) async for row in _sql.disbursement_timeline(conn, disbursement_id=disbursement_id)]


async def payout_schedules_of(conn, user_id: uuid.UUID) -> list[Schedule]:
    return [_schedule(row) async for row in _sql.payout_schedules_of(conn, user_id=user_id)]


async def upsert_payout_schedule(conn, **fields) -> Schedule:
    return _schedule(await _sql.upsert_payout_schedule(conn, **fields))


async def delete_payout_schedule(conn, *, user_id: uuid.UUID, currency: str) -> bool:
    return bool(await _sql.delete_payout_schedule(conn, user_id=user_id, currency=currency))


async def claim_due_schedules(conn, *, limit: int) -> list[Schedule]:
    return [_schedule(row) async for row in _sql.claim_due_schedules(conn, limit=limit)]
