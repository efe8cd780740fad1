"""Settling a payment from its provider's word (docs/payments.md, "Callbacks and reconciliation").

A callback is never trusted alone: whoever learns that a payment may have moved (a callback,
the reconciler, an initiation that met an early callback) asks the provider's status endpoint
and acts only on that answer. A credit is one statement: the hold's funding (once per provider
transaction: the payment must still be pending, and the funding is unique on (provider,
transaction id)), the payment's new state, its timeline step and its event, which the outbox
carries to the bus and from there to the payer's devices (workers/payments_live.py, which also
emails a succeeded payment's receipt, after the commit). The common credit takes no lock
across a round trip: it reads the payment and its hold with their versions, and its statement
writes only if neither changed since (``_credit_unlocked``); anything else is decided under the
payment's row lock, in one transaction. Nothing but SQL runs in either (the status query comes
before, the receipt after; bench/README.md, "The credit without locks"). The rules:

- succeeded, for the amount and currency asked, while pending: credited, ``succeeded``;
- succeeded for another amount or currency, or after the payment expired or failed: ``review``,
  nothing credited;
- failed while pending: ``failed``; a failure after a success changes nothing;
- pending, unknown to the provider or unreachable: still pending, checked again later with
  backoff; the reconciler expires it once it is older than ``NEXGATE_PAYMENTS_EXPIRE_AFTER_S``.
"""
from __future__ import annotations

import dataclasses
import datetime
import logging
import uuid
from collections.abc import Awaitable

import asyncpg

from ... import bus
from ...config import Config
from ...db import Database
from ...errors import DomainError
from ...providers.mobile_money import (
    Money, MobileMoneyProvider, ProviderError, State, Transaction, UnknownTransaction,
)
from . import holds, ledger, methods
from . import payments_repository as repository
from .events import PAYMENT_EXPIRED, PAYMENT_FAILED, PAYMENT_FLAGGED, PAYMENT_SUCCEEDED
from .ledger import Cause
from .payments_repository import Payment
from .views import json_ready, payment_view

log = logging.getLogger(__name__)

CALLBACK, RECONCILIATION, INITIATION = "callback", "reconciliation", "initiation"
RECONCILER = "payments_reconciler"
# Reads without a lock a credit tries before it takes the locks (several payers funding one
# hold at once change it under each other).
CREDIT_TRIES = 3


@dataclasses.dataclass(frozen=True)
class Answer:
    """What the provider's status endpoint said: a Transaction, or why there is none."""

    transaction: Transaction | None
    problem: str | None = None  # the provider was unreachable or refused the query
    unknown: bool = False  # the provider has no record of it


async def ask_provider(client: MobileMoneyProvider, payment: Payment) -> Answer:
    return await ask(client.collection_status(reference=payment.reference, provider_id=payment.provider_transaction_id))


async def ask(status_query: Awaitable[Transaction]) -> Answer:
    """A provider's status answer (``collection_status`` or ``payout_status``) as an ``Answer``."""
    try:
        return Answer(await status_query)
    except UnknownTransaction:
        return Answer(None, unknown=True)
    except ValueError:  # a provider that names collections only by its own id, which we never got
        return Answer(None, unknown=True)
    except ProviderError as error:
        return Answer(None, problem=str(error)[:300])


async def settle(database: Database, config: Config, client: MobileMoneyProvider, payment: Payment, *, by: str,
                 reported: Transaction | None = None, read: repository.ToCredit | None = None) -> Payment:
    """Ask the provider about ``payment`` and apply its answer; the payment as it now stands.
    ``read``: the payment as ``payment_to_credit`` read it just before (a callback's look-up),
    for the credit's first try."""
    answer = await ask_provider(client, payment)
    return await apply(database, config, payment.id, answer, by=by, reported=reported, read=read)


async def apply(database: Database, config: Config, payment_id: uuid.UUID, answer: Answer, *, by: str,
                reported: Transaction | None = None, read: repository.ToCredit | None = None) -> Payment:
    status = answer.transaction.state if answer.transaction else None
    if status is State.SUCCEEDED:
        credited = await _credit_unlocked(database, payment_id, answer.transaction, reported, by, read)
        if credited is not None:
            return credited
    async with database.transaction("payments.settle") as conn:
        payment, method_unverified, now = await repository.lock_payment_to_settle(conn, payment_id)
        if status is State.SUCCEEDED:
            return await _succeeded(conn, payment, answer.transaction, reported, by, method_unverified, now)
        if status is State.FAILED:
            return await _failed(conn, payment, answer.transaction, by)
        return await _still_unsettled(conn, config, payment, answer, by)


async def _credit_unlocked(database: Database, payment_id: uuid.UUID, status: Transaction,
                           reported: Transaction | None, by: str, read: repository.ToCredit | None) -> Payment | None:
    """The common credit (a pending payment of the amount asked, into a hold that takes it, from
    a verified method) in two round trips and no transaction of its own: the payment and its
    hold read (``read``: by the callback's own look-up), then the credit's one statement, which
    writes only if neither changed meanwhile.
    None leaves the payment to the locked path: anything else (a duplicate, a mismatch, a closed
    hold, a method to verify, a transaction credited elsewhere) or rows that kept changing."""
    for _ in range(CREDIT_TRIES):
        async with database.connection() as conn:
            read = read or await repository.payment_to_credit(conn, payment_id)
            if read is None or read.payment.status != "pending" or read.method_unverified \
                    or _mismatch(read.payment, status, reported):
                return None
            to_fund = holds.ToFund(holds.Hold.from_row(read.hold), ledger.clearing_account_read(read.clearing_account_id),
                                   version=read.hold_version)
            try:
                holds.check_fundable(to_fund, read.payment.provider, _transaction_id(read.payment, status))
            except DomainError:  # the hold closed meanwhile: the locked path flags the payment
                return None
            try:
                credited = await _credit(conn, read.payment, to_fund, status, reported, by, read.now,
                                         version=read.version)
            except asyncpg.UniqueViolationError:  # the transaction credited meanwhile: the locked path says where
                return None
            if credited is not None:
                return credited
            read = None  # changed since: read again
    return None


async def _succeeded(conn, payment: Payment, status: Transaction, reported: Transaction | None, by: str,
                     method_unverified: bool, now: datetime.datetime) -> Payment:
    if payment.status in ("succeeded", "review"):
        return payment  # a duplicate: credited (or flagged) already
    mismatch = _mismatch(payment, status, reported)
    if payment.status in ("expired", "failed"):
        mismatch = mismatch or f"the provider says it succeeded after it was marked {payment.status}"
    if mismatch:
        return await _flag(conn, payment, mismatch)
    transaction_id = _transaction_id(payment, status)
    try:
        to_fund = await holds.lock_to_fund(conn, payment.hold_id, provider=payment.provider,
                                           provider_transaction_id=transaction_id)
        holds.check_fundable(to_fund, payment.provider, transaction_id)
    except DomainError as error:  # the hold was closed meanwhile (released, refunded), or the transaction credited
        return await _flag(conn, payment, f"the provider says it succeeded but the hold took nothing: {error.message}")
    if payment.method_id is not None and method_unverified:
        await methods.mark_verified_by_payment(conn, payment.method_id)
    return await _credit(conn, payment, to_fund, status, reported, by, now)


async def _credit(conn, payment: Payment, to_fund: holds.ToFund, status: Transaction, reported: Transaction | None,
                  by: str, now: datetime.datetime, *, version: int | None = None) -> Payment | None:
    """The credit's one statement: the hold funded and the payment succeeded, each with its
    event. None, with nothing written, if the payment or the hold read with a version changed."""
    transaction_id = _transaction_id(payment, status)
    receipt = status.receipt or (reported.receipt if reported and reported.state is State.SUCCEEDED else None)
    note = f"{payment.provider} confirmed it ({by})" + (f", receipt {receipt}" if receipt else "")
    funding_id = uuid.uuid4()
    # The payment as the statement leaves it, so that its event can be written in the same
    # statement; what the statement stored must be that payment.
    credited = dataclasses.replace(
        payment, status="succeeded", receipt=payment.receipt if receipt is None else receipt, failure_code=None,
        failure_message=None, review_reason=None, funding_id=funding_id, next_check_at=None,
        settled_at=payment.settled_at or now, updated_at=now)
    funded = await holds.write_funding(
        conn, to_fund, amount=payment.amount, provider=payment.provider, provider_transaction_id=transaction_id,
        payer_id=payment.payer_id, funding_id=funding_id,
        cause=Cause.provider_callback(payment.provider, transaction_id, f"payment {payment.reference} succeeded")
        if by == CALLBACK else Cause.worker(RECONCILER, f"payment {payment.reference} succeeded"),
        settles=holds.Settles(payment.id, receipt, now, note[:500], (uuid.uuid4(), *_event(credited, PAYMENT_SUCCEEDED)),
                              version))
    if funded is None:
        return None
    stored = Payment(**dict(funded.payment))
    if stored != credited:
        raise RuntimeError(f"payment {payment.id}: its event tells {credited}, but {stored} was stored")
    return stored


def _transaction_id(payment: Payment, status: Transaction) -> str:
    return status.provider_id or payment.provider_transaction_id or payment.reference


def _mismatch(payment: Payment, status: Transaction, reported: Transaction | None) -> str | None:
    """Why the provider's word does not match what was asked, if it does not: its status
    answer's amount, or the callback's where the status answer carries none (Daraja)."""
    asked = Money(payment.amount, payment.currency)
    told = status.amount or (reported.amount if reported and reported.state is State.SUCCEEDED else None)
    if told is not None and told != asked:
        return f"the provider reports {told.minor} {told.currency} (minor units), not the {asked.minor} {asked.currency} asked"
    return None


async def _failed(conn, payment: Payment, status: Transaction, by: str) -> Payment:
    if payment.status != "pending":
        if payment.status == "succeeded":
            log.warning("payment %s: %s reports a failure after its success; nothing changes", payment.id,
                        payment.provider)
        return payment
    payment = await repository.settle_payment(conn, payment.id, status="failed", failure_code=status.failure_code,
                                              failure_message=(status.failure_message or "")[:500])
    note = f"{payment.provider} says it failed ({by}): {status.failure_code} {status.failure_message or ''}".strip()
    return await _told(conn, payment, "failed", note, PAYMENT_FAILED)


async def _still_unsettled(conn, config: Config, payment: Payment, answer: Answer, by: str) -> Payment:
    if payment.status != "pending":
        return payment
    said = answer.problem or ("no record of it" if answer.unknown else "still pending")
    age = datetime.datetime.now(datetime.UTC) - payment.created_at
    if by == RECONCILIATION and age.total_seconds() >= config.payments_expire_after_s:
        payment = await repository.settle_payment(conn, payment.id, status="expired")
        return await _told(conn, payment, "expired", f"{payment.provider}: {said}, after {int(age.total_seconds())} s",
                           PAYMENT_EXPIRED)
    payment = await repository.schedule_check(conn, payment.id, next_check(config, payment)) or payment
    await repository.add_step(conn, payment, "checked", f"{payment.provider} asked ({by}): {said}")
    return payment


def next_check(config: Config, payment: Payment) -> datetime.datetime:
    return backoff(config, payment.checks)


def backoff(config: Config, checks: int) -> datetime.datetime:
    """When to ask the provider next after ``checks`` queries: the first ``payments_reconcile_after_s``
    after the last one, each further wait twice as long, capped (payments and disbursements alike)."""
    wait = min(config.payments_reconcile_after_s * 2 ** min(checks, 20), config.payments_reconcile_backoff_max_s)
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=wait)


async def _flag(conn, payment: Payment, reason: str) -> Payment:
    payment = await repository.settle_payment(
        conn, payment.id, status="review", review_reason=reason[:500],
        failure_code=payment.failure_code, failure_message=payment.failure_message)
    return await _told(conn, payment, "flagged", reason, PAYMENT_FLAGGED)


async def fail_at_once(conn, payment: Payment, *, code: str | None, message: str) -> Payment:
    """The provider refused the prompt itself: the payment fails, in the caller's transaction."""
    payment = await repository.settle_payment(conn, payment.id, status="failed", failure_code=code or "refused",
                                              failure_message=message[:500])
    return await _told(conn, payment, "failed", f"{payment.provider} refused the prompt: {message}", PAYMENT_FAILED)


async def _told(conn, payment: Payment, step: str, note: str, event: str) -> Payment:
    """The payment's timeline step and its event, in the transaction of its change (one statement)."""
    await repository.add_step_and_event(conn, payment, step, note, (uuid.uuid4(), *_event(payment, event)))
    return payment


def _event(payment: Payment, event: str) -> bus.PendingEvent:
    return bus.pending(event, {
        "payment_id": str(payment.id), "payer_id": str(payment.payer_id), "hold_id": str(payment.hold_id),
        "status": payment.status, "amount": payment.amount, "currency": payment.currency,
        "provider": payment.provider, "payment": json_ready(payment_view(payment))})

