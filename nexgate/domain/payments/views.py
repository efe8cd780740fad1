"""Payments' objects as clients see them: one view function per object, whose dict the REST
answer, the WebSocket and the live event carry (its schema in handlers/payments/schemas.py documents it and dumps it unchanged)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ...config import Config
from .methods import provider_of
from .methods_repository import Method
from .operators import OPERATORS
from .payments_repository import Payment, Step


def method_view(method: Method, config: Config) -> dict[str, Any]:
    """A payment method; a card shows its brand and last four digits, never the provider's token."""
    operator = OPERATORS.get(method.operator) if method.operator else None
    return {
        "id": method.id,
        "kind": method.kind,
        "phone": method.phone,
        "operator": method.operator,
        "channel": operator.channel if operator else None,
        "provider": provider_of(config, method),
        "country": method.country,
        "currency": method.currency,
        "card": None if method.kind != "card" else {"brand": method.card_brand, "last4": method.card_last4},
        "label": method.label,
        "is_default": method.is_default,
        "verified": method.verified_at is not None,
        "verified_at": method.verified_at,
        "verified_by": method.verified_by,
        "created_at": method.created_at,
    }


# What each state means for the payer, as an app may show it.
STATUS_MESSAGES = {
    "pending": "Check your phone and enter your PIN to approve the payment.",
    "checkout": "Pay with your card on the page that opened; we will confirm here.",
    "succeeded": "Paid.",
    "failed": "The payment did not go through; nothing was taken.",
    "expired": "The payment was not confirmed in time; nothing was taken.",
    "review": "We are checking this payment; nothing was credited yet.",
}
UNCONFIRMED_PROMPT = ("We could not confirm that the prompt reached your phone. If it did and you approve it, "
                      "the payment will be recorded; we are checking with the provider.")


def payment_view(payment: Payment) -> dict[str, Any]:
    """A payment: what it pays, where it stands, and what the payer is to do."""
    message = STATUS_MESSAGES[payment.status]
    if payment.status == "pending" and payment.channel == "card_checkout":
        message = STATUS_MESSAGES["checkout"]
    if payment.status == "pending" and payment.prompt == "unconfirmed":
        message = UNCONFIRMED_PROMPT
    failure = _failure(payment.failure_code, payment.failure_message)
    return {
        "id": payment.id,
        "kind": payment.kind,
        "status": payment.status,
        "prompt": payment.prompt,
        "message": message,
        "hold_id": payment.hold_id,
        "channel": payment.channel,
        "method_id": payment.method_id,
        "provider": payment.provider,
        "phone": payment.msisdn,
        "checkout_url": payment.checkout_url,
        "amount": payment.amount,
        "currency": payment.currency,
        "reference": payment.reference,
        "receipt": payment.receipt,
        "failure": failure,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "settled_at": payment.settled_at,
    }


def payment_detail_view(payment: Payment, timeline: Sequence[Step]) -> dict[str, Any]:
    """A payment with its status timeline, oldest step first."""
    return {**payment_view(payment), "timeline": _timeline(timeline)}


def _timeline(timeline: Sequence[Step]) -> list[dict[str, Any]]:
    return [{"status": step.status, "step": step.step, "note": step.note, "at": step.at} for step in timeline]


# What each state of a refund or payout means for the person receiving it.
DISBURSEMENT_MESSAGES = {
    ("refund", "pending"): "Your refund is on its way to your phone.",
    ("refund", "succeeded"): "Refunded to your phone.",
    ("refund", "failed"): "The refund could not be sent to your phone; we will try again or contact you.",
    ("refund", "review"): "We are checking this refund with the provider.",
    ("payout", "pending"): "Your payout is on its way to your phone.",
    ("payout", "succeeded"): "Paid out to your phone.",
    ("payout", "failed"): "The payout did not go through; the amount is back in your balance.",
    ("payout", "review"): "We are checking this payout with the provider.",
}


def _failure(code: str | None, message: str | None) -> dict[str, str] | None:
    """What the provider said when it failed a payment, refund or payout; None when it did not."""
    return None if code is None else {"code": code, "message": message or ""}


def disbursement_view(disbursement) -> dict[str, Any]:
    """A refund or payout to a phone: what was taken, what reaches the phone, where it stands."""
    failure = _failure(disbursement.failure_code, disbursement.failure_message)
    return {
        "id": disbursement.id,
        "kind": disbursement.kind,
        "status": disbursement.status,
        "message": DISBURSEMENT_MESSAGES[disbursement.kind, disbursement.status],
        "hold_id": disbursement.hold_id,
        "payment_id": disbursement.payment_id,
        "method_id": disbursement.method_id,
        "provider": disbursement.provider,
        "phone": disbursement.msisdn,
        "amount": disbursement.amount,
        "fee": disbursement.fee,
        "sent_amount": disbursement.sent_amount,
        "currency": disbursement.currency,
        "reference": disbursement.reference,
        "receipt": disbursement.receipt,
        "failure": failure,
        "created_at": disbursement.created_at,
        "updated_at": disbursement.updated_at,
        "settled_at": disbursement.settled_at,
    }


def transaction_view(item) -> dict[str, Any]:
    """One of a user's money movements as their list shows it: a payment they made
    (``collection``) or a refund or payout sent to them, in one shape; what does not apply to
    its kind is null."""
    if isinstance(item, Payment):
        return {**payment_view(item), "payment_id": None, "fee": None, "sent_amount": None}
    return {**disbursement_view(item), "prompt": None, "channel": "mobile_money", "checkout_url": None}


def disbursement_detail_view(disbursement, timeline: Sequence[Step]) -> dict[str, Any]:
    return {**disbursement_view(disbursement), "timeline": _timeline(timeline)}


def balance_view(balance: dict[str, Any]) -> dict[str, Any]:
    schedule = balance["schedule"]
    return {**balance, "schedule": None if schedule is None else schedule_view(schedule)}


def schedule_view(schedule) -> dict[str, Any]:
    return {"currency": schedule.currency, "method_id": schedule.method_id, "every": schedule.every,
            "next_run_at": schedule.next_run_at}


def json_ready(view: dict[str, Any]) -> dict[str, Any]:
    """A view as its JSON reads back (ids and times as strings), for an event's payload: what the
    live event carries is then what REST answers."""
    return orjson.loads(orjson.dumps(view, default=str))


def receipt_view(payment: Payment, payer, hold, *, amount_text: str, number: str, channel: str | None,
                 issued_at, date_text: str, time_zone: str) -> dict[str, Any]:
    """The receipt of a succeeded payment (domain/payments/receipts.py)."""
    return {
        "number": payment.reference,
        "payment_id": payment.id,
        "issued_at": issued_at,
        "date": date_text,
        "time_zone": time_zone,
        "payer": {"id": payer.id, "username": payer.username, "display_name": payer.display_name,
                  "email": payer.email},
        "paid_for": {"kind": hold.payable_kind, "id": hold.payable_id, "hold_id": hold.id},
        "amount": {"minor": payment.amount, "currency": payment.currency, "text": amount_text},
        "method": {"kind": "mobile_money" if payment.channel == "mobile_money" else "card", "channel": channel,
                   "number": number},
        "provider": payment.provider,
        "provider_receipt": payment.receipt,
        "provider_transaction_id": payment.provider_transaction_id,
    }


def operator_payment_view(payment: Payment, timeline: Sequence[Step], entries: Sequence[Any]) -> dict[str, Any]:
    """A payment as an operator sees it (domain/payments/resolutions.py): the payer's view, who
    paid, why it is in review, its timeline and the journal entries that moved its money."""
    return {**payment_detail_view(payment, timeline), "payer_id": payment.payer_id,
            "review_reason": payment.review_reason, "provider_transaction_id": payment.provider_transaction_id,
            "entries": _entries(entries)}


def operator_disbursement_view(disbursement, timeline: Sequence[Step], entries: Sequence[Any]) -> dict[str, Any]:
    """A refund or payout as an operator sees it (domain/payments/disbursements.py, "operators")."""
    return {**disbursement_detail_view(disbursement, timeline), "user_id": disbursement.user_id,
            "refund_id": disbursement.refund_id, "review_reason": disbursement.review_reason,
            "provider_transaction_id": disbursement.provider_transaction_id, "send": disbursement.send,
            "entries": _entries(entries)}


def _entries(entries: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"id": entry.id, "kind": entry.kind, "reverses": entry.reverses, "created_at": entry.created_at,
             "cause": {"kind": entry.cause.kind, "id": entry.cause.id, "reason": entry.cause.reason},
             "lines": [{"account_id": line.account_id, "currency": line.currency, "amount": line.amount}
                       for line in entry.lines]} for entry in entries]
