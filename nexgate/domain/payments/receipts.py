"""Receipts of succeeded payments (docs/payments.md, "Receipts").

A receipt is what a payer keeps: its number (the payment's reference, the one the provider also
shows), the date in East Africa Time (Nexgate keeps no time zone per user yet, and every
country it collects in is on EAT), the payer, what the payment was for, the amount written
from its integer minor units with the currency's ISO 4217 decimals, the wallet with its number
masked, and the provider's own receipt and transaction ids. It is served as JSON or as a
printable HTML page, and emailed to the payer once the payment has succeeded (its
``payments.payment.succeeded`` event, or ``payments.payment.resolved`` when an operator credits
it): the ``payments_live`` consumer group requests the email, once per event, after the
settlement committed, so the credit's transaction holds no rendering; the email worker sends
it. The HTML is rendered by the email templates' Jinja2
environment, which escapes every value.
"""
from __future__ import annotations

import datetime
import uuid
import zoneinfo
from typing import Any

import phonenumbers

from ...errors import Conflict, Invalid
from ...platform import Platform
from ...providers.mobile_money import MINOR_UNIT_DIGITS
from ..auth import repository as accounts
from ..auth.caller import Caller
from ..notifications import templates
from ..notifications.email import request_emails
from . import holds, operators, payments
from . import payments_repository as repository
from .payments_repository import Payment
from .views import json_ready, receipt_view

TIME_ZONE = zoneinfo.ZoneInfo("Africa/Nairobi")  # EAT, UTC+3, no daylight saving
TIME_ZONE_LABEL = "EAT"
TEMPLATE = "payment_receipt"


def format_amount(minor: int, currency: str) -> str:
    """``150000`` TZS as ``1,500.00 TZS``: integer arithmetic on the minor units, never a float."""
    digits = MINOR_UNIT_DIGITS[currency]
    whole, fraction = divmod(minor, 10 ** digits)
    return f"{whole:,}" + (f".{fraction:0{digits}d}" if digits else "") + f" {currency}"


def mask_number(e164: str) -> str:
    """``+255754123456`` as ``+255 *****3456``: the country code and the last four digits."""
    number = phonenumbers.parse(e164)
    national = phonenumbers.national_significant_number(number)
    return f"+{number.country_code} " + "*" * (len(national) - 4) + national[-4:]


def _channel(e164: str) -> str | None:
    try:
        return operators.wallet(e164, "TZ").operator.channel
    except Invalid:  # a number range no longer known: the receipt still stands without it
        return None


def local_time(at: datetime.datetime) -> datetime.datetime:
    return at.astimezone(TIME_ZONE)


async def _receipt(conn, payment: Payment) -> dict[str, Any]:
    payer = await accounts.user_by_id(conn, payment.payer_id)
    return _receipt_view(payment, payer, await holds.get_hold(conn, hold_id=payment.hold_id))


def _receipt_view(payment: Payment, payer, hold) -> dict[str, Any]:
    issued = local_time(payment.settled_at)
    return receipt_view(
        payment, payer, hold, amount_text=format_amount(payment.amount, payment.currency),
        number=mask_number(payment.msisdn) if payment.msisdn else None,
        channel=_channel(payment.msisdn) if payment.msisdn else "Card", issued_at=issued,
        date_text=f"{issued:%d %B %Y, %H:%M} {TIME_ZONE_LABEL}", time_zone=TIME_ZONE.key)


async def receipt_of(platform: Platform, caller: Caller, payment_id: uuid.UUID) -> dict[str, Any]:
    """The receipt of one of the caller's payments: another's is not found, as an unknown one;
    one that has not succeeded is 409 naming its state."""
    async with platform.core.connection() as conn:
        payment = await repository.payment_of_payer(conn, payment_id, caller.user_id)
        if payment is None:
            raise payments.not_found()
        if payment.status != "succeeded":
            raise Conflict(f"The payment is {payment.status}; only a succeeded payment has a receipt",
                           code="payment_not_succeeded", details={"status": payment.status})
        return await _receipt(conn, payment)


def receipt_page(receipt: dict[str, Any]) -> str:
    """The receipt as a printable HTML page (the email's HTML part)."""
    return templates.render_html(TEMPLATE, {"receipt": json_ready(receipt)})


async def email_receipts(conn, payment_ids: list[uuid.UUID]) -> None:
    """For the consumer of payments' successes, in its transaction: each receipt to its payer's
    email, if they gave one and the payment succeeded; sent by the email worker only if that
    transaction commits (so once per event: the consumer group claims each event once). Three
    statements however many: the payments, their payers, the requests."""
    found = [(payment, paid_for) for payment, paid_for in await repository.payments_for_receipts(conn, payment_ids)
             if payment.status == "succeeded"]
    payers = await accounts.users_by_ids(conn, {payment.payer_id for payment, _ in found})
    receipts = [_receipt_view(payment, payers[payment.payer_id], paid_for) for payment, paid_for in found]
    # Rendered once, by the email worker (the same view renders the page).
    await request_emails(conn, template=TEMPLATE, rendered_first=False, emails=[
        (receipt["payer"]["email"], {"receipt": json_ready(receipt)}) for receipt in receipts if receipt["payer"]["email"]])
