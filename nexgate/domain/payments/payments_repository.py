"""Payments' SQL (``sql/payments/payments.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("payments")


@dataclasses.dataclass(frozen=True)
class Payment:
    id: uuid.UUID
    reference: str
    kind: str
    payer_id: uuid.UUID
    hold_id: uuid.UUID
    method_id: uuid.UUID | None  # None for a card paid on the provider's checkout page
    provider: str
    msisdn: str | None
    amount: int
    currency: str
    status: str
    prompt: str
    provider_transaction_id: str | None
    receipt: str | None
    failure_code: str | None
    failure_message: str | None
    review_reason: str | None
    funding_id: uuid.UUID | None
    checks: int
    next_check_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    settled_at: datetime.datetime | None
    channel: str  # mobile_money (a prompt to a number) or card_checkout (the provider's hosted page)
    checkout_url: str | None

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


@dataclasses.dataclass(frozen=True)
class Step:
    status: str
    step: str
    note: str
    at: datetime.datetime


def _payment(row) -> Payment | None:
    return None if row is None else Payment(**dict(row))


async def allow_payer(conn, *, hold_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await _sql.insert_hold_payer(conn, hold_id=hold_id, user_id=user_id)


async def is_hold_payer(conn, *, hold_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.is_hold_payer(conn, hold_id=hold_id, user_id=user_id))


async def pending_into_hold(conn, hold_id: uuid.UUID) -> int:
    return await _sql.pending_into_hold(conn, hold_id=hold_id)


async def insert_payment(conn, **fields) -> Payment:
    return _payment(await _sql.insert_payment(conn, **fields))


async def insert_checkout_payment(conn, **fields) -> Payment:
    return _payment(await _sql.insert_checkout_payment(conn, **fields))


async def record_checkout(conn, payment_id: uuid.UUID, *, checkout_url: str,
                          next_check_at: datetime.datetime) -> Payment:
    return _payment(await _sql.record_checkout(conn, id=payment_id, checkout_url=checkout_url,
                                               next_check_at=next_check_at))


async def payment(conn, payment_id: uuid.UUID) -> Payment | None:
    return _payment(await _sql.payment(conn, id=payment_id))


async def latest_payment_into_hold(conn, hold_id: uuid.UUID, payer_id: uuid.UUID) -> Payment | None:
    return _payment(await _sql.latest_payment_into_hold(conn, hold_id=hold_id, payer_id=payer_id))


@dataclasses.dataclass(frozen=True)
class PaidFor:
    """What a payment's hold pays for (a receipt's ``paid_for``)."""

    id: uuid.UUID  # the hold's
    payable_kind: str
    payable_id: uuid.UUID


async def payments_for_receipts(conn, payment_ids: list[uuid.UUID]) -> list[tuple[Payment, PaidFor]]:
    found = []
    async for row in _sql.payments_for_receipts(conn, ids=payment_ids):
        fields = dict(row)
        paid_for = PaidFor(fields["hold_id"], fields.pop("paid_for_kind"), fields.pop("paid_for_id"))
        found.append((Payment(**fields), paid_for))
    return found


async def payment_of_payer(conn, payment_id: uuid.UUID, payer_id: uuid.UUID) -> Payment | None:
    return _payment(await _sql.payment_of_payer(conn, id=payment_id, payer_id=payer_id))


async def lock_payment(conn, payment_id: uuid.UUID) -> Payment | None:
    return _payment(await _sql.lock_payment(conn, id=payment_id))


async def lock_payment_to_settle(conn, payment_id: uuid.UUID) -> tuple[Payment | None, bool, datetime.datetime | None]:
    """The payment, locked; whether its method is still unverified; the transaction's time."""
    row = await _sql.lock_payment_to_settle(conn, id=payment_id)
    if row is None:
        return None, False, None
    fields = dict(row)
    unverified, now = bool(fields.pop("method_unverified")), fields.pop("now")
    return Payment(**fields), unverified, now


@dataclasses.dataclass(frozen=True)
class ToCredit:
    """``payment_to_credit``'s read: the payment and its hold (a row of payment_holds), each with
    its version, whether its method is still unverified, the provider's clearing account and
    the time."""

    payment: Payment
    version: int
    method_unverified: bool
    now: datetime.datetime
    hold: asyncpg.Record
    hold_version: int
    clearing_account_id: uuid.UUID | None


async def payment_to_credit(conn, payment_id: uuid.UUID | None = None, *, provider: str | None = None,
                            provider_transaction_id: str | None = None) -> ToCredit | None:
    """``payment_id``'s, or the one ``provider`` knows by ``provider_transaction_id``."""
    row = await _sql.payment_to_credit(conn, id=payment_id, provider=provider,
                                       provider_transaction_id=provider_transaction_id)
    if row is None:
        return None
    fields = dict(row)
    read = {name: fields.pop(name) for name in
            ("version", "method_unverified", "now", "hold", "hold_version", "clearing_account_id")}
    return ToCredit(Payment(**fields), **{**read, "method_unverified": bool(read["method_unverified"])})


async def payment_by_reference(conn, *, provider: str, reference: str) -> Payment | None:
    return _payment(await _sql.payment_by_reference(conn, provider=provider, reference=reference))


async def record_prompt(conn, payment_id: uuid.UUID, *, prompt: str, provider_transaction_id: str | None,
                        next_check_at: datetime.datetime | None) -> Payment:
    return _payment(await _sql.record_prompt(conn, id=payment_id, prompt=prompt,
                                             provider_transaction_id=provider_transaction_id,
                                             next_check_at=next_check_at))


async def settle_payment(conn, payment_id: uuid.UUID, *, status: str, receipt: str | None = None,
                         failure_code: str | None = None, failure_message: str | None = None,
                         review_reason: str | None = None, funding_id: uuid.UUID | None = None) -> Payment:
    return _payment(await _sql.settle_payment(
        conn, id=payment_id, status=status, receipt=receipt, failure_code=failure_code,
        failure_message=failure_message, review_reason=review_reason, funding_id=funding_id))


async def schedule_check(conn, payment_id: uuid.UUID, next_check_at: datetime.datetime) -> Payment | None:
    return _payment(await _sql.schedule_check(conn, id=payment_id, next_check_at=next_check_at))


async def claim_due_checks(conn, *, limit: int, lease_s: float) -> list[Payment]:
    return [_payment(row) async for row in _sql.claim_due_checks(conn, limit=limit, lease_s=lease_s)]


async def transactions_of_user_page(conn, user_id: uuid.UUID, *, status: str | None, kind: str | None,
                                    before: tuple, limit: int) -> list:
    """(kind, id, created_at) of the user's payments, refunds and payouts, newest first."""
    return [row async for row in _sql.transactions_of_user_page(
        conn, user_id=user_id, status=status, kind=kind, before_at=before[0], before_id=before[1], limit=limit)]


async def payments_by_ids(conn, ids: list[uuid.UUID]) -> dict[uuid.UUID, Payment]:
    return {row["id"]: _payment(row) async for row in _sql.payments_by_ids(conn, ids=ids)}


async def add_step(conn, payment: Payment, step: str, note: str) -> None:
    await _sql.insert_timeline(conn, payment_id=payment.id, status=payment.status, step=step, note=note[:500])


async def add_step_and_event(conn, payment: Payment, step: str, note: str, event: tuple[uuid.UUID, str, dict]) -> None:
    event_id, routing_key, payload = event
    await _sql.insert_timeline_and_event(conn, payment_id=payment.id, status=payment.status, step=step,
                                         note=note[:500], event_id=event_id, routing_key=routing_key, payload=payload)


async def timeline(conn, payment_id: uuid.UUID) -> list[Step]:
    return [Step(**dict(row)) async for row in _sql.timeline(conn, payment_id=payment_id)]


async def lock_transaction_id(conn, *, provider: str, provider_transaction_id: str) -> None:
    await _sql.lock_transaction_id(conn, provider=provider, provider_transaction_id=provider_transaction_id)


async def remember_early_callback(conn, *, provider: str, provider_transaction_id: str) -> None:
    await _sql.insert_early_callback(conn, provider=provider, provider_transaction_id=provider_transaction_id)


async def take_early_callback(conn, *, provider: str, provider_transaction_id: str) -> bool:
    return bool(await _sql.take_early_callback(conn, provider=provider, provider_transaction_id=provider_transaction_id))
