"""Paying into a hold (docs/payments.md, "Paying").

A payer starts a payment of an amount into an escrow hold with one of their mobile money
methods: it is checked (the caller is one of the hold's payers, the amount a positive whole
number of minor units no larger than ``NEXGATE_PAYMENTS_MAX_MINOR`` nor than what the hold
still expects, counting the payments into it still pending; the currency the hold's, the
method's and one its provider takes, in units the provider can carry), recorded ``pending``
with our reference, and the provider is asked to push the prompt to the payer's phone. The
answer comes at once: the prompt was sent; or it timed out or the provider answered 5xx, and
the payment stays pending for reconciliation (it may have reached the phone); or the provider
refused it, and the payment failed. The outcome comes later, by callback or reconciliation
(``settlement``).
"""
from __future__ import annotations

import uuid

from ...errors import Conflict, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ...providers.mobile_money import Money, ProviderRefused, ProviderUnavailable, State, UnpayableAmount, to_whole_units
from ..auth.caller import Caller
from . import holds, holds_repository, methods
from . import payments_repository as repository
from . import settlement
from .payments_repository import Payment, Step

KINDS = ("collection",)
STATUSES = ("pending", "succeeded", "failed", "expired", "review")
PROMPT_TEXT = "Nexgate payment"


def not_found() -> NotFound:
    return NotFound("No such payment", code="payment_not_found")


def hold_not_found() -> NotFound:
    return NotFound("No such hold to pay into", code="hold_not_found")


async def allow_payer(conn, *, hold_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """For the area that opened a hold (commerce, events), in its transaction: ``user_id`` may
    pay into it. A hold takes payments only from the payers it was given."""
    await repository.allow_payer(conn, hold_id=hold_id, user_id=user_id)


# starting

async def start(platform: Platform, caller: Caller, *, hold_id: uuid.UUID, amount: int, currency: str,
                method_id: uuid.UUID) -> Payment:
    config = platform.config
    _check_amount(amount, config.payments_max_minor)
    async with platform.core.transaction("payments.start") as conn:
        hold = await _hold_to_pay(conn, hold_id, caller.user_id)
        method = await methods.method_of(conn, caller.user_id, method_id)
        provider = methods.provider_of(config, method)
        client = _client(platform, provider)
        _check_payable(hold, method, client, amount, currency)
        expects = hold.expected_amount - hold.funded_amount - await repository.pending_into_hold(conn, hold.id)
        if amount > expects:
            raise Invalid.fields("body", {"amount": f"The hold still expects {max(expects, 0)} {currency} (minor units)."},
                                 code="amount_exceeds_hold", expects=max(expects, 0))
        payment_id = uuid.uuid4()
        payment = await repository.insert_payment(
            conn, id=payment_id, reference=f"NX{payment_id.hex.upper()[:20]}", payer_id=caller.user_id,
            hold_id=hold.id, method_id=method.id, provider=provider, msisdn=method.phone, amount=amount,
            currency=currency)
        await repository.add_step(conn, payment, "created", f"asked {provider} to prompt {method.phone}")
    return await _prompt(platform, client, payment)


def _check_amount(amount, maximum: int) -> None:
    if type(amount) is not int or amount <= 0:
        raise Invalid.fields("body", {"amount": "Must be a positive whole number of minor units."},
                             code="invalid_amount")
    if amount > maximum:
        raise Invalid.fields("body", {"amount": f"Must be at most {maximum} minor units."}, code="amount_too_large",
                             maximum=maximum)


async def _hold_to_pay(conn, hold_id: uuid.UUID, user_id: uuid.UUID):
    """The hold, locked (so concurrent payments into it count each other), if ``user_id`` is one
    of its payers; otherwise it is not found, as an unknown one."""
    row = await holds_repository.lock_hold(conn, hold_id)
    if row is None or not await repository.is_hold_payer(conn, hold_id=hold_id, user_id=user_id):
        raise hold_not_found()
    hold = holds.Hold.from_row(row)
    if hold.state not in (holds.OPEN, holds.FUNDED):
        raise Conflict(f"The hold is {hold.state}; it takes no payments", code="hold_not_payable",
                       details={"state": hold.state})
    return hold


def _client(platform: Platform, provider: str):
    try:
        return platform.payment_providers[provider]
    except KeyError:
        raise Invalid.fields("body", {"method_id": f"{provider} payments are not available on this server."},
                             code="provider_unavailable", provider=provider) from None


def _check_payable(hold, method, client, amount: int, currency: str) -> None:
    if method.kind != "mobile_money":
        raise Invalid.fields("body", {"method_id": "A card pays through the provider's checkout page, not a prompt."},
                             code="method_not_mobile_money")
    if currency != hold.currency:
        raise Invalid.fields("body", {"currency": f"The hold is paid in {hold.currency}."}, code="currency_mismatch")
    if currency != method.currency:
        raise Invalid.fields("body", {"method_id": f"This method pays in {method.currency}, not {currency}."},
                             code="currency_mismatch")
    if currency not in client.currencies:
        raise Invalid.fields("body", {"method_id": f"{client.name} cannot pay in {currency}."},
                             code="currency_not_supported", provider=client.name)
    try:
        to_whole_units(client.name, Money(amount, currency), client.currencies)
    except UnpayableAmount as error:
        raise Invalid.fields("body", {"amount": str(error)}, code="unpayable_amount", provider=client.name) from None


async def _prompt(platform: Platform, client, payment: Payment) -> Payment:
    """Ask the provider to push the prompt, and record what became of it."""
    try:
        sent = await client.collect(reference=payment.reference, msisdn=payment.msisdn,
                                    amount=Money(payment.amount, payment.currency), description=PROMPT_TEXT)
    except ProviderUnavailable as error:
        return await _unconfirmed(platform, payment, str(error))
    except ProviderRefused as error:
        return await _refused(platform, payment, error.code, str(error))
    if sent.state is State.FAILED:
        return await _refused(platform, payment, sent.failure_code, sent.failure_message or "refused")
    transaction_id = sent.provider_id or payment.reference
    async with platform.core.transaction("payments.prompt_sent") as conn:
        await repository.lock_transaction_id(conn, provider=payment.provider, provider_transaction_id=transaction_id)
        payment = await repository.record_prompt(
            conn, payment.id, prompt="sent", provider_transaction_id=transaction_id,
            next_check_at=settlement.next_check(platform.config, payment))
        await repository.add_step(conn, payment, "prompt_sent", f"{payment.provider} sent the prompt")
        called_back = await repository.take_early_callback(
            conn, provider=payment.provider, provider_transaction_id=transaction_id)
    if called_back:  # the provider's callback came before its answer to us: settle it now
        payment = await settlement.settle(platform.core, platform.config, client, payment, by=settlement.CALLBACK)
    return payment


async def _unconfirmed(platform: Platform, payment: Payment, problem: str) -> Payment:
    async with platform.core.transaction("payments.prompt_unconfirmed") as conn:
        payment = await repository.record_prompt(
            conn, payment.id, prompt="unconfirmed", provider_transaction_id=None,
            next_check_at=settlement.next_check(platform.config, payment))
        await repository.add_step(conn, payment, "prompt_unconfirmed",
                                  f"{problem}; it may have reached the phone: left to reconciliation")
    return payment


async def _refused(platform: Platform, payment: Payment, code: str | None, message: str) -> Payment:
    async with platform.core.transaction("payments.prompt_refused") as conn:
        payment = await repository.record_prompt(conn, payment.id, prompt="refused", provider_transaction_id=None,
                                                 next_check_at=None)
        return await settlement.fail_at_once(conn, payment, code=code, message=message)


# reading

async def payments_of(platform: Platform, caller: Caller, *, status: str | None, kind: str | None,
                      cursor: str | None, limit: int) -> Page[Payment]:
    """The caller's payments, newest first."""
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: repository.payments_of_payer_page(
            conn, caller.user_id, status=status, kind=kind, before=before, limit=n), Payment.position)


async def payment_of(platform: Platform, caller: Caller, payment_id: uuid.UUID) -> tuple[Payment, list[Step]]:
    """One of the caller's payments and its timeline (another's is not found, as an unknown one)."""
    async with platform.core.connection() as conn:
        payment = await repository.payment_of_payer(conn, payment_id, caller.user_id)
        if payment is None:
            raise not_found()
        return payment, await repository.timeline(conn, payment_id)

