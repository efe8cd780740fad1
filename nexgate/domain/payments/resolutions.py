"""Operators' view of one payment, and their resolution of a payment flagged ``review``
(docs/payments.md, "Operators").

A payment goes to review when the provider's word disagreed with what was asked (another amount
or currency, a success after the payment expired or failed): nothing was credited. An operator
who has checked with the provider resolves it once, in one transaction under the payment's
lock: **credit** funds its hold exactly as a verified callback would (the same ``fund_hold``,
once per provider transaction), with the operator and their reason as the journal entry's
cause, and the payment succeeds (its receipt is emailed); **fail** marks it failed. Either way a
timeline step and ``payments.payment.resolved``. A payment not in review is 409
``payment_not_in_review`` naming its state, so a second resolution is refused.
"""
from __future__ import annotations

import dataclasses
import uuid

from ... import bus
from ...db import Database
from ...errors import Conflict, Invalid
from . import holds, ledger, payments
from . import payments_repository as repository
from .events import PAYMENT_RESOLVED
from .ledger import Cause
from .payments_repository import Payment, Step
from .views import json_ready, payment_view

CREDIT, FAIL = "credit", "fail"
OUTCOMES = (CREDIT, FAIL)


@dataclasses.dataclass(frozen=True)
class History:
    """A payment as an operator sees it: its row, its timeline (callbacks and checks included,
    each step naming what told it), and the journal entries that moved its money."""

    payment: Payment
    timeline: list[Step]
    entries: list[ledger.Entry]


async def history(database: Database, payment_id: uuid.UUID) -> History:
    async with database.connection() as conn:
        payment = await repository.payment(conn, payment_id)
        if payment is None:
            raise payments.not_found()
        return History(payment, await repository.timeline(conn, payment_id), await _entries(conn, payment))


async def _entries(conn, payment: Payment) -> list[ledger.Entry]:
    fundings = [f for f in await holds.fundings(conn, hold_id=payment.hold_id) if f.id == payment.funding_id]
    return [await ledger.entry(conn, funding.entry_id) for funding in fundings]


async def resolve(database: Database, payment_id: uuid.UUID, *, outcome: str, reason: str, operator: str) -> Payment:
    check_resolution(outcome, reason, operator)
    async with database.transaction("payments.resolve") as conn:
        payment = await repository.lock_payment(conn, payment_id)
        if payment is None:
            raise payments.not_found()
        if payment.status != "review":
            raise Conflict(f"The payment is {payment.status}, not flagged for review: there is nothing to resolve",
                           code="payment_not_in_review", details={"status": payment.status})
        if outcome == CREDIT:
            payment = await _credit(conn, payment, reason, operator)
        else:
            payment = await repository.settle_payment(
                conn, payment.id, status="failed", failure_code="operator_failed", failure_message=reason[:500],
                review_reason=payment.review_reason)
        await repository.add_step(conn, payment, "resolved", f"{operator}: {outcome}: {reason}")
        await bus.emit(conn, PAYMENT_RESOLVED, {
            "payment_id": str(payment.id), "payer_id": str(payment.payer_id), "hold_id": str(payment.hold_id),
            "status": payment.status, "amount": payment.amount, "currency": payment.currency,
            "provider": payment.provider, "payment": json_ready(payment_view(payment)),
            "outcome": outcome, "operator": operator, "reason": reason})
        return payment


def check_resolution(outcome: str, reason: str, operator: str, outcomes: tuple[str, ...] = OUTCOMES) -> None:
    """An operator's resolution names one of ``outcomes``, a reason and the operator (of a payment, or of a refund
    or payout: ``disbursements.resolve``)."""
    problems = {}
    if outcome not in outcomes:
        problems["outcome"] = f"Must be one of: {', '.join(outcomes)}."
    if not 1 <= len(reason.strip()) <= 500:
        problems["reason"] = "Say why, in 1-500 characters."
    if not 1 <= len(operator.strip()) <= 200:
        problems["operator"] = "Name the operator, in 1-200 characters."
    if problems:
        raise Invalid.fields("body", problems)


async def _credit(conn, payment: Payment, reason: str, operator: str) -> Payment:
    transaction_id = payment.provider_transaction_id or payment.reference
    funding = await holds.fund_hold(
        conn, hold_id=payment.hold_id, amount=payment.amount, provider=payment.provider,
        provider_transaction_id=transaction_id, payer_id=payment.payer_id,
        cause=Cause.operator(operator, f"payment {payment.reference} resolved: {reason}"[:500]))
    return await repository.settle_payment(conn, payment.id, status="succeeded", funding_id=funding.id,
                                           review_reason=payment.review_reason)
