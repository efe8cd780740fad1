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
from ..auth import repository as accounts
from ..auth.caller import Caller
from . import disbursements_repository, holds, holds_repository, methods
from . import payments_repository as repository
from . import settlement
from .disbursements_repository import Disbursement
from .payments_repository import Payment, Step

KINDS = ("collection", "refund", "payout")
STATUSES = ("pending", "succeeded", "failed", "expired", "review")  # a refund or payout is never expired
CHECKOUTS = ("card",)
CHECKOUT_PROVIDER = "selcom"  # cards are taken only on Selcom's hosted page
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
                method_id: uuid.UUID | None = None, checkout: str | None = None) -> Payment:
    """A payment into the hold from one of the caller's mobile money methods (a prompt to its
    phone), or by card on Selcom's hosted checkout page (``checkout="card"``)."""
    if (method_id is None) == (checkout is None):
        raise Invalid.fields("body", {"method_id": "Name one of your mobile money methods, or checkout \"card\"."},
                             code="method_or_checkout")
    config = platform.config
    check_amount(amount, config.payments_max_minor)
    async with platform.core.transaction("payments.start") as conn:
        hold = await _hold_to_pay(conn, hold_id, caller.user_id)
        if checkout is None:
            method = await methods.method_of(conn, caller.user_id, method_id)
            client = _client(platform, methods.provider_of(config, method))
            _check_payable(hold, method, client, amount, currency)
        else:
            client, payer = _client(platform, CHECKOUT_PROVIDER), await accounts.user_by_id(conn, caller.user_id)
            _check_card(hold, payer, client, amount, currency)
        await _check_expected(conn, hold, amount, currency)
        payment_id = uuid.uuid4()
        reference = f"NX{payment_id.hex.upper()[:20]}"
        if checkout is None:
            payment = await repository.insert_payment(
                conn, id=payment_id, reference=reference, payer_id=caller.user_id, hold_id=hold.id,
                method_id=method.id, provider=client.name, msisdn=method.phone, amount=amount, currency=currency)
            await repository.add_step(conn, payment, "created", f"asked {client.name} to prompt {method.phone}")
        else:
            payment = await repository.insert_checkout_payment(
                conn, id=payment_id, reference=reference, payer_id=caller.user_id, hold_id=hold.id, amount=amount,
                currency=currency)
            await repository.add_step(conn, payment, "created", f"asked {client.name} for a card checkout page")
    if checkout is None:
        return await _prompt(platform, client, payment)
    return await _open_checkout(platform, client, payment, payer)


async def latest_into(conn, *, hold_id: uuid.UUID, payer_id: uuid.UUID) -> Payment | None:
    """The payer's latest payment into a hold, or None."""
    return await repository.latest_payment_into_hold(conn, hold_id, payer_id)


async def pending_into(conn, *, hold_id: uuid.UUID) -> int:
    """What the payments into a hold that are still pending may yet bring (minor units)."""
    return await repository.pending_into_hold(conn, hold_id)


async def _check_expected(conn, hold, amount: int, currency: str) -> None:
    expects = hold.expected_amount - hold.funded_amount - await repository.pending_into_hold(conn, hold.id)
    if amount > expects:
        raise Invalid.fields("body", {"amount": f"The hold still expects {max(expects, 0)} {currency} (minor units)."},
                             code="amount_exceeds_hold", expects=max(expects, 0))


def _check_card(hold, payer, client, amount: int, currency: str) -> None:
    _check_hold_currency(hold, currency)
    if currency not in client.currencies:
        raise Invalid.fields("body", {"checkout": f"Cards are taken in {', '.join(sorted(client.currencies))} only."},
                             code="currency_not_supported", provider=client.name)
    if payer.phone is None:
        raise Invalid.fields("body", {"checkout": "Add a phone number to your account first: the card page asks "
                                                  "for one."}, code="phone_required")
    _check_units(client, amount, currency)


def check_amount(amount, maximum: int) -> None:
    """An amount of money asked for in a request: a positive whole number of minor units, at most ``maximum``."""
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
    _check_hold_currency(hold, currency)
    if currency != method.currency:
        raise Invalid.fields("body", {"method_id": f"This method pays in {method.currency}, not {currency}."},
                             code="currency_mismatch")
    if currency not in client.currencies:
        raise Invalid.fields("body", {"method_id": f"{client.name} cannot pay in {currency}."},
                             code="currency_not_supported", provider=client.name)
    _check_units(client, amount, currency)


def _check_hold_currency(hold, currency: str) -> None:
    if currency != hold.currency:
        raise Invalid.fields("body", {"currency": f"The hold is paid in {hold.currency}."}, code="currency_mismatch")


def _check_units(client, amount: int, currency: str) -> None:
    """An amount the provider can carry: whole units of a currency it takes."""
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


async def _open_checkout(platform: Platform, client, payment: Payment, payer) -> Payment:
    """Ask Selcom for the hosted page the payer pays on; the app opens ``checkout_url``. Selcom
    sends the browser back to our page that hands over to the app (``checkout_return_page``) when
    it is done or cancelled, and its webhook settles the payment as a prompt's would."""
    back = f"{platform.config.public_url.rstrip('/')}/api/payments/{payment.id}/checkout"
    try:
        page = await client.create_checkout(
            reference=payment.reference, amount=Money(payment.amount, payment.currency),
            payer_name=payer.display_name or payer.username, payer_email=payer.email or "",
            payer_msisdn=payer.phone, redirect_url=f"{back}/done", cancel_url=f"{back}/cancelled")
    except ProviderUnavailable as error:
        return await _unconfirmed(platform, payment, str(error))
    except ProviderRefused as error:
        return await _refused(platform, payment, error.code, str(error))
    async with platform.core.transaction("payments.checkout_opened") as conn:
        payment = await repository.record_checkout(conn, payment.id, checkout_url=page.url,
                                                   next_check_at=settlement.next_check(platform.config, payment))
        await repository.add_step(conn, payment, "checkout_opened", f"{payment.provider} made the card page")
    return payment


def checkout_return_page(payment_id: uuid.UUID, outcome: str) -> str:
    """Where Selcom's card page sends the browser back: it hands over to the app, which shows the
    payment's state (the webhook, not this page, decides it)."""
    said = "Your card payment is being confirmed." if outcome == "done" else "You cancelled the card payment."
    link = f"nexgate://payments/{payment_id}"
    return (f"<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>Nexgate payment</title><p>{said}</p><p><a href='{link}'>Return to Nexgate</a></p>"
            f"<script>location.href = '{link}'</script>")


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

async def transactions_of(platform: Platform, caller: Caller, *, status: str | None, kind: str | None,
                          cursor: str | None, limit: int) -> Page[Payment | Disbursement]:
    """The caller's money movements, newest first: the payments they made (``collection``) and
    the refunds and payouts sent to their phone (``refund``, ``payout``)."""
    async with platform.core.connection() as conn:
        async def load(before, n):
            listed = await repository.transactions_of_user_page(conn, caller.user_id, status=status, kind=kind,
                                                                before=before, limit=n)
            ids = [row["id"] for row in listed]
            found = {**await repository.payments_by_ids(conn, ids), **await disbursements_repository.by_ids(conn, ids)}
            return [found[row["id"]] for row in listed]

        return await fetch(NEWEST_FIRST, cursor, limit, load, lambda item: item.position())


async def payment_of(platform: Platform, caller: Caller, payment_id: uuid.UUID) -> tuple[Payment, list[Step]]:
    """One of the caller's payments and its timeline (another's is not found, as an unknown one)."""
    async with platform.core.connection() as conn:
        payment = await repository.payment_of_payer(conn, payment_id, caller.user_id)
        if payment is None:
            raise not_found()
        return payment, await repository.timeline(conn, payment_id)

