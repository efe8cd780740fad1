"""Refunds and payouts to phones (docs/payments.md, "Refunds and payouts").

A *disbursement* is money Nexgate sends to a phone through its provider's payout API (Daraja
B2C, Selcom wallet cash-in, TemboPlus wallet-to-mobile). Two kinds:

- a **refund**: ``holds.refund`` moved part of a hold into refunds in flight, one ``Refund`` per
  funding it gives back; each becomes a disbursement to the number and provider that paid that
  funding, in the same transaction (``queue_refunds``);
- a **payout**: a seller or organizer moves their payable balance to one of their verified
  numbers (``request_payout``, or their standing order: ``run_due_schedules``), at least
  ``NEXGATE_PAYMENTS_PAYOUT_MINIMUM``; the provider's charge (``payment_payout_fees``) is theirs,
  so a payout of X sends X - fee. The balance moves into payouts in flight at once.

The row is written ``queued``; the request to the provider goes after the commit (at once for a
payout asked over REST, by the disburser's pass for the rest: ``disburse_due``, run by the
``payments-reconciler`` worker). Then, as for payments (``settlement``), a callback is never
trusted alone: it makes us ask the provider's status endpoint, and only that answer moves money,
under the row's lock, once:

- succeeded, for what was sent: a refund leaves refunds in flight for the provider's clearing
  account (``holds.settle_refund``), a payout leaves payouts in flight likewise;
- failed: the money goes back where it came from (into the hold: ``holds.return_refund``; into
  the payee's balance);
- succeeded for another amount: ``review``, nothing moves (it stays in flight for an operator);
- pending, unreachable or unknown: asked again with backoff. Unknown to the provider past
  ``NEXGATE_PAYMENTS_EXPIRE_AFTER_S`` when it never confirmed receiving the request: failed.

A request whose answer was lost (timeout, 5xx) is ``unconfirmed``: it is asked about, never sent
again blindly. Daraja has no synchronous payout status: its B2C result callback makes us send a
Transaction Status query, whose answer comes by callback too (``Transaction.answers_query``) and
is what settles the payout; the secret path (and the IP allow-list) guard both callbacks.
"""
from __future__ import annotations

import datetime
import logging
import uuid

from typing import Protocol

import asyncpg

from ... import bus
from ...config import Config
from ...db import Database
from ...errors import Conflict, DomainError, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ...providers.payment_providers import PaymentProviders
from ...providers.mobile_money import (
    Kind, Money, MobileMoneyProvider, ProviderRefused, ProviderUnavailable, State, Transaction, UnpayableAmount,
    to_whole_units,
)
from ..auth.caller import Caller
from . import holds, ledger, methods, payments, resolutions
from . import disbursements_repository as repository
from .disbursements_repository import Disbursement, Schedule
from .events import (PAYOUT_FAILED, PAYOUT_FLAGGED, PAYOUT_REQUESTED, PAYOUT_SENT, REFUND_FAILED, REFUND_FLAGGED,
                     REFUND_SENT)
from .ledger import Cause, Line
from .payments_repository import Step
from .settlement import CALLBACK, INITIATION, RECONCILIATION, Answer, ask, backoff

DISBURSER = "payments_disburser"  # the payments-reconciler worker's pass over refunds and payouts
from .views import disbursement_view, json_ready

log = logging.getLogger(__name__)


class Services(Protocol):
    """What sending and settling need: the core database, the settings, the provider clients.
    ``Platform`` is one; ``python -m nexgate payments reconcile`` builds a smaller one."""

    core: Database
    config: Config
    payment_providers: PaymentProviders

KINDS = ("refund", "payout")
STATUSES = ("pending", "succeeded", "failed", "review")
SCHEDULES = ("daily", "weekly")
BATCH_SIZE = 50
LEASE_S = 120
DESCRIPTIONS = {"refund": "Nexgate refund", "payout": "Nexgate payout"}
EVENTS = {("refund", "succeeded"): REFUND_SENT, ("refund", "failed"): REFUND_FAILED,
          ("refund", "review"): REFUND_FLAGGED, ("payout", "pending"): PAYOUT_REQUESTED,
          ("payout", "succeeded"): PAYOUT_SENT, ("payout", "failed"): PAYOUT_FAILED,
          ("payout", "review"): PAYOUT_FLAGGED}


def not_found() -> NotFound:
    return NotFound("No such refund or payout", code="disbursement_not_found")


def _reference(disbursement_id: uuid.UUID, kind: str) -> str:
    return ("NXR" if kind == "refund" else "NXP") + disbursement_id.hex.upper()[:20]


# refunds

async def queue_refunds(conn, refunds: list[holds.Refund]) -> list[Disbursement]:
    """For ``holds.refund``, in its transaction: each refund's disbursement to the number that
    paid its funding. A funding credited without a payment (none today) has no number to go
    back to: its refund stays in flight for an operator."""
    queued = []
    for refund in refunds:
        source = await repository.refund_source(conn, refund.id)
        if source is None:
            log.warning("refund %s: its funding came through no payment; it stays in flight", refund.id)
            continue
        disbursement_id = uuid.uuid4()
        made = await repository.insert(
            conn, id=disbursement_id, reference=_reference(disbursement_id, "refund"), kind="refund",
            user_id=source["payer_id"], refund_id=refund.id, hold_id=source["hold_id"],
            payment_id=source["payment_id"], method_id=None, provider=source["provider"], msisdn=source["msisdn"],
            amount=refund.amount, fee=0, currency=refund.currency, entry_id=refund.entry_id)
        if made is not None:
            await repository.add_step(conn, made, "queued", f"to be paid back to {made.msisdn} by {made.provider}")
            queued.append(made)
    return queued


# payouts

async def request_payout(platform: Platform, caller: Caller, *, amount: int, currency: str,
                         method_id: uuid.UUID) -> Disbursement:
    """Move ``amount`` of the caller's balance in ``currency`` to one of their verified mobile
    money numbers; answered ``pending`` once the provider took the request."""
    disbursement = await _queue_payout(platform, caller.user_id, amount=amount, currency=currency,
                                       method_id=method_id, cause=Cause.user(caller.user_id, "asked for a payout"))
    return await send(platform, disbursement)


async def _queue_payout(platform: Services, user_id: uuid.UUID, *, amount: int, currency: str, method_id: uuid.UUID,
                        cause: Cause) -> Disbursement:
    config = platform.config
    _check_payout_amount(config, amount, currency)
    async with platform.core.transaction("payments.request_payout") as conn:
        method = await methods.method_of(conn, user_id, method_id)
        provider = methods.provider_of(config, method)
        client = _client(platform, provider)
        fee = await _payout_fee(conn, client, method, amount, currency)
        balance = await ledger.owned_account(conn, kind=ledger.USER_PAYABLE, owner_id=user_id, currency=currency)
        in_flight = await ledger.platform_account(conn, kind=ledger.PAYOUTS_IN_FLIGHT, currency=currency)
        try:
            entry = await ledger.post(conn, kind="payout.requested", cause=cause,
                                      lines=[Line(balance, currency, -amount), Line(in_flight, currency, amount)])
        except Conflict as error:
            if error.code != "insufficient_balance":
                raise
            available = error.details["balance"]
            raise Conflict(f"Your balance is {available} {currency} (minor units); you asked to pay out {amount}",
                           code="balance_insufficient",
                           details={"requested": amount, "available": available, "currency": currency}) from None
        disbursement_id = uuid.uuid4()
        disbursement = await repository.insert(
            conn, id=disbursement_id, reference=_reference(disbursement_id, "payout"), kind="payout", user_id=user_id,
            refund_id=None, hold_id=None, payment_id=None, method_id=method.id, provider=provider, msisdn=method.phone,
            amount=amount, fee=fee, currency=currency, entry_id=entry.id)
        await repository.add_step(conn, disbursement, "requested",
                                  f"{amount - fee} to {method.phone} by {provider}, {fee} provider's fee")
        await _tell(conn, disbursement)
    return disbursement


def _check_payout_amount(config: Config, amount, currency: str) -> None:
    payments.check_amount(amount, config.payments_max_minor)
    minimum = config.payout_minimum(currency)
    if amount < minimum:
        raise Invalid.fields("body", {"amount": f"A payout is at least {minimum} {currency} (minor units)."},
                             code="payout_below_minimum", minimum=minimum)


async def _payout_fee(conn, client: MobileMoneyProvider, method, amount: int, currency: str) -> int:
    """The provider's charge for the payout, after checking the method can take it."""
    if method.kind != "mobile_money":
        raise Invalid.fields("body", {"method_id": "Payouts go to a mobile money number."},
                             code="method_not_mobile_money")
    if method.verified_at is None:
        raise Invalid.fields("body", {"method_id": "Verify this number first (a texted code, or a payment from it)."},
                             code="method_not_verified")
    if currency != method.currency or currency not in client.currencies:
        raise Invalid.fields("body", {"method_id": f"This number is paid in {method.currency}, not {currency}."},
                             code="currency_mismatch")
    fee = await repository.payout_fee(conn, provider=client.name, currency=currency, amount=amount)
    if fee is None:
        raise Invalid.fields("body", {"amount": f"{client.name} pays out no more than this at once; ask for less."},
                             code="amount_too_large")
    try:
        to_whole_units(client.name, Money(amount - fee, currency), client.currencies)
    except UnpayableAmount as error:
        raise Invalid.fields("body", {"amount": str(error)}, code="unpayable_amount", provider=client.name) from None
    return fee


def _client(platform: Services, provider: str) -> MobileMoneyProvider:
    try:
        return platform.payment_providers[provider]
    except KeyError:
        raise Invalid.fields("body", {"method_id": f"{provider} payouts are not available on this server."},
                             code="provider_unavailable", provider=provider) from None


# sending

async def send(platform: Services, disbursement: Disbursement) -> Disbursement:
    """Ask the provider to pay a queued disbursement out, and record what became of the request."""
    client = platform.payment_providers[disbursement.provider]
    try:
        answer = await client.payout(reference=disbursement.reference, msisdn=disbursement.msisdn,
                                     amount=Money(disbursement.sent_amount, disbursement.currency),
                                     description=DESCRIPTIONS[disbursement.kind])
    except ProviderUnavailable as error:
        return await _sent(platform, disbursement, "unconfirmed", None,
                           f"{error}; it may have been acted on: asked about before anything is sent again")
    except ProviderRefused as error:
        await _sent(platform, disbursement, "refused", None, f"{client.name} refused the request: {error}")
        failed = Transaction(client.name, Kind.PAYOUT, State.FAILED, disbursement.reference, None,
                             failure_code=error.code or "refused", failure_message=str(error))
        return await apply(platform.core, platform.config, disbursement.id, Answer(failed), by=INITIATION)
    if answer.state is State.PENDING:
        return await _sent(platform, disbursement, "sent", answer.provider_id, f"{client.name} took the request")
    # Selcom answers a payout at once; its answer is the provider's own word, as a status answer is.
    await _sent(platform, disbursement, "sent", answer.provider_id, f"{client.name} answered at once")
    return await apply(platform.core, platform.config, disbursement.id, Answer(answer), by=INITIATION)


async def _sent(platform: Services, disbursement: Disbursement, send_state: str, provider_id: str | None,
                note: str) -> Disbursement:
    async with platform.core.transaction("payments.disbursement_sent") as conn:
        disbursement = await repository.record_send(
            conn, disbursement.id, send=send_state, provider_transaction_id=provider_id or None,
            next_check_at=backoff(platform.config, disbursement.checks))
        await repository.add_step(conn, disbursement, send_state, note)
        return disbursement


# settling

async def ask_provider(client: MobileMoneyProvider, disbursement: Disbursement) -> Answer:
    return await ask(client.payout_status(reference=disbursement.reference,
                                          provider_id=disbursement.provider_transaction_id))


async def settle(platform: Services, disbursement: Disbursement, *, by: str) -> Disbursement:
    """Ask the provider about ``disbursement`` and apply its answer."""
    answer = await ask_provider(platform.payment_providers[disbursement.provider], disbursement)
    return await apply(platform.core, platform.config, disbursement.id, answer, by=by)


async def apply(database, config: Config, disbursement_id: uuid.UUID, answer: Answer, *, by: str) -> Disbursement:
    async with database.transaction("payments.settle_disbursement") as conn:
        disbursement = await repository.lock(conn, disbursement_id)
        status = answer.transaction.state if answer.transaction else None
        if disbursement.status != "pending":
            return disbursement  # settled already: a duplicate, or a failure after a success
        if status is State.SUCCEEDED:
            return await _succeeded(conn, disbursement, answer.transaction, by)
        if status is State.FAILED:
            return await _failed(conn, disbursement, answer.transaction, by)
        return await _still_unsettled(conn, config, disbursement, answer, by)


def _cause(disbursement: Disbursement, by: str, reason: str) -> Cause:
    """Who moved the money: the provider's callback, or the disburser acting on the provider's
    answer (to its request or its status query)."""
    if by == CALLBACK:
        return Cause.provider_callback(disbursement.provider,
                                       disbursement.provider_transaction_id or disbursement.reference, reason)
    return Cause.worker(DISBURSER, reason)


async def _succeeded(conn, disbursement: Disbursement, status: Transaction, by: str) -> Disbursement:
    sent = Money(disbursement.sent_amount, disbursement.currency)
    if status.amount is not None and status.amount != sent:
        return await _flag(conn, disbursement, f"the provider reports {status.amount.minor} {status.amount.currency} "
                                               f"(minor units) paid out, not the {sent.minor} sent")
    return await _paid_out(conn, disbursement, _cause(disbursement, by, f"{disbursement.kind} "
                                                                       f"{disbursement.reference} paid out"),
                           receipt=status.receipt, note=f"{disbursement.provider} paid it out ({by})"
                           + (f", receipt {status.receipt}" if status.receipt else ""))


async def _failed(conn, disbursement: Disbursement, status: Transaction, by: str) -> Disbursement:
    return await _returned(
        conn, disbursement, _cause(disbursement, by, f"{disbursement.kind} {disbursement.reference} failed: "
                                                     f"{status.failure_code}"),
        code=status.failure_code, message=status.failure_message or "",
        note=f"{disbursement.provider} failed it ({by}): {status.failure_code} {status.failure_message or ''}".strip()
        + "; the money is back where it came from")


async def _paid_out(conn, disbursement: Disbursement, cause: Cause, *, receipt: str | None, note: str) -> Disbursement:
    """It reached the phone: its money leaves refunds or payouts in flight for the provider's clearing account."""
    if disbursement.kind == "refund":
        closed_entry = (await holds.settle_refund(conn, refund_id=disbursement.refund_id, cause=cause)).closed_entry_id
    else:
        closed_entry = await _post_from_in_flight(conn, disbursement, cause, to=await ledger.platform_account(
            conn, kind=ledger.PROVIDER_CLEARING, currency=disbursement.currency, provider=disbursement.provider),
            kind="payout.sent")
    disbursement = await repository.settle(conn, disbursement.id, status="succeeded", closed_entry_id=closed_entry,
                                           receipt=receipt, review_reason=disbursement.review_reason)
    return await _told(conn, disbursement, "succeeded", note)


async def _returned(conn, disbursement: Disbursement, cause: Cause, *, code: str | None, message: str,
                    note: str) -> Disbursement:
    """It did not reach the phone: its money goes back into the hold (a refund) or the payee's balance."""
    if disbursement.kind == "refund":
        closed_entry = (await holds.return_refund(conn, refund_id=disbursement.refund_id, cause=cause)).closed_entry_id
    else:
        closed_entry = await _post_from_in_flight(conn, disbursement, cause, kind="payout.returned", to=await
                                                  ledger.owned_account(conn, kind=ledger.USER_PAYABLE,
                                                                       owner_id=disbursement.user_id,
                                                                       currency=disbursement.currency))
    disbursement = await repository.settle(
        conn, disbursement.id, status="failed", closed_entry_id=closed_entry, failure_code=code,
        failure_message=message[:500], review_reason=disbursement.review_reason)
    return await _told(conn, disbursement, "failed", note)


async def _post_from_in_flight(conn, disbursement: Disbursement, cause: Cause, *, to: uuid.UUID,
                               kind: str) -> uuid.UUID:
    in_flight = await ledger.platform_account(conn, kind=ledger.PAYOUTS_IN_FLIGHT, currency=disbursement.currency)
    entry = await ledger.post(conn, kind=kind, cause=cause, lines=[
        Line(in_flight, disbursement.currency, -disbursement.amount), Line(to, disbursement.currency, disbursement.amount)])
    return entry.id


async def _still_unsettled(conn, config: Config, disbursement: Disbursement, answer: Answer, by: str) -> Disbursement:
    said = answer.problem or ("no record of it" if answer.unknown else "still pending")
    age = (datetime.datetime.now(datetime.UTC) - disbursement.created_at).total_seconds()
    if answer.unknown and disbursement.send != "sent" and age >= config.payments_expire_after_s:
        never = Transaction(disbursement.provider, Kind.PAYOUT, State.FAILED, disbursement.reference, None,
                            failure_code="not_received",
                            failure_message=f"{disbursement.provider} never received the request")
        return await _failed(conn, disbursement, never, by)
    disbursement = await repository.schedule_check(conn, disbursement.id, backoff(config, disbursement.checks)) \
        or disbursement
    await repository.add_step(conn, disbursement, "checked", f"{disbursement.provider} asked ({by}): {said}")
    return disbursement


async def _flag(conn, disbursement: Disbursement, reason: str) -> Disbursement:
    disbursement = await repository.settle(conn, disbursement.id, status="review", closed_entry_id=None,
                                           review_reason=reason[:500])
    return await _told(conn, disbursement, "flagged", reason)


async def _told(conn, disbursement: Disbursement, step: str, note: str) -> Disbursement:
    await repository.add_step(conn, disbursement, step, note)
    await _tell(conn, disbursement)
    return disbursement


async def _tell(conn, disbursement: Disbursement) -> None:
    await bus.emit(conn, EVENTS[disbursement.kind, disbursement.status], {
        "disbursement_id": str(disbursement.id), "user_id": str(disbursement.user_id), "kind": disbursement.kind,
        "status": disbursement.status, "amount": disbursement.amount, "fee": disbursement.fee,
        "sent_amount": disbursement.sent_amount,
        "currency": disbursement.currency, "provider": disbursement.provider,
        "hold_id": None if disbursement.hold_id is None else str(disbursement.hold_id),
        "disbursement": json_ready(disbursement_view(disbursement))})


# operators

PAID, RETURNED = "paid", "returned"
OUTCOMES = (PAID, RETURNED)


async def resolve(database, disbursement_id: uuid.UUID, *, outcome: str, reason: str, operator: str) -> Disbursement:
    """An operator's resolution of a refund or payout flagged ``review``, after checking with the
    provider: **paid** (it reached the phone: settled as a confirmation would be) or **returned**
    (it did not: the money goes back where it came from), with the operator and their reason as
    the journal entry's cause. Once: one not in review is 409 ``disbursement_not_in_review``."""
    resolutions.check_resolution(outcome, reason, operator, OUTCOMES)
    async with database.transaction("payments.resolve_disbursement") as conn:
        disbursement = await repository.lock(conn, disbursement_id)
        if disbursement is None:
            raise not_found()
        if disbursement.status != "review":
            raise Conflict(f"The {disbursement.kind} is {disbursement.status}, not flagged for review: there is "
                           "nothing to resolve", code="disbursement_not_in_review",
                           details={"status": disbursement.status})
        cause = Cause.operator(operator, f"{disbursement.kind} {disbursement.reference} resolved: {reason}"[:500])
        note = f"{operator}: {outcome}: {reason}"
        if outcome == PAID:
            return await _paid_out(conn, disbursement, cause, receipt=None, note=note)
        return await _returned(conn, disbursement, cause, code="operator_returned", message=reason, note=note)


async def history(database, disbursement_id: uuid.UUID) -> tuple[Disbursement, list[Step], list[ledger.Entry]]:
    """A refund or payout as an operator sees it: its row, its timeline and the journal entries
    that moved its money."""
    async with database.connection() as conn:
        disbursement = await repository.get(conn, disbursement_id)
        if disbursement is None:
            raise not_found()
        entry_ids = [e for e in (disbursement.entry_id, disbursement.closed_entry_id) if e is not None]
        return (disbursement, await repository.timeline(conn, disbursement_id),
                [await ledger.entry(conn, entry_id) for entry_id in entry_ids])


# callbacks

async def called_back(platform: Services, client: MobileMoneyProvider, reported: Transaction) -> None:
    """A payout callback: the disbursement it names is asked about (or, for an answer to our own
    status query, settled from it). One that names nothing we sent changes nothing: a payout's
    id is recorded before its callback can matter, and the disburser asks about every pending one."""
    async with platform.core.connection() as conn:
        disbursement = await _named(conn, client.name, reported)
    if disbursement is None or disbursement.status != "pending":
        return
    if reported.answers_query:  # Daraja's answer to our status query: what settles a B2C payout
        await apply(platform.core, platform.config, disbursement.id, Answer(reported), by=CALLBACK)
    else:
        await settle(platform, disbursement, by=CALLBACK)


async def _named(conn, provider: str, reported: Transaction) -> Disbursement | None:
    found = None
    if reported.provider_id:
        found = await repository.by_transaction(conn, provider=provider, provider_transaction_id=reported.provider_id)
    if found is None and reported.reference:
        found = await repository.by_reference(conn, provider=provider, reference=reported.reference)
    return found


# the disburser's pass (run by the payments-reconciler worker)

async def disburse_due(platform: Services, batch_size: int = BATCH_SIZE) -> list[Disbursement]:
    """Every pending disbursement due: a queued one is sent (asked about first when an earlier
    attempt may have reached the provider), the rest asked about and settled from the answer."""
    async with platform.core.transaction("payments.claim_disbursements") as conn:
        due = await repository.claim_due(conn, limit=batch_size, lease_s=LEASE_S)
    done = []
    for disbursement in due:
        try:
            done.append(await _advance(platform, disbursement))
        except (DomainError, asyncpg.PostgresError):
            log.exception("disbursement %s could not advance; it is tried again after its lease", disbursement.id)
    return done


async def _advance(platform: Services, disbursement: Disbursement) -> Disbursement:
    if disbursement.send == "queued" and disbursement.checks <= 1:
        return await send(platform, disbursement)
    if disbursement.send == "queued":  # claimed before: that attempt may have reached the provider
        answer = await ask_provider(platform.payment_providers[disbursement.provider], disbursement)
        if answer.unknown:
            return await send(platform, disbursement)
        return await apply(platform.core, platform.config, disbursement.id, answer, by=RECONCILIATION)
    return await settle(platform, disbursement, by=RECONCILIATION)


async def run_due_schedules(platform: Services, batch_size: int = BATCH_SIZE) -> list[Disbursement]:
    """Each standing order due: its whole balance paid out when it is at least the minimum."""
    async with platform.core.transaction("payments.claim_payout_schedules") as conn:
        due = await repository.claim_due_schedules(conn, limit=batch_size)
    made = []
    for schedule in due:
        async with platform.core.connection() as conn:
            available = (await ledger.owned_balances(conn, kind=ledger.USER_PAYABLE,
                                                     owner_id=schedule.user_id)).get(schedule.currency, 0)
        if available < platform.config.payout_minimum(schedule.currency):
            continue
        try:
            disbursement = await _queue_payout(
                platform, schedule.user_id, amount=available, currency=schedule.currency, method_id=schedule.method_id,
                cause=Cause.worker(DISBURSER, f"the {schedule.every} payout of {schedule.currency}"))
        except DomainError as error:
            log.warning("the %s payout schedule of %s in %s did not run: %s", schedule.every, schedule.user_id,
                        schedule.currency, error.message)
            continue
        made.append(await send(platform, disbursement))
    return made


# standing orders

async def set_schedule(platform: Platform, caller: Caller, *, currency: str, method_id: uuid.UUID, every: str,
                       starts_at: datetime.datetime | None = None) -> Schedule:
    """Pay out the caller's whole balance in ``currency`` every day or week (from ``starts_at``,
    default a period from now) to one of their verified numbers."""
    async with platform.core.transaction("payments.set_payout_schedule") as conn:
        method = await methods.method_of(conn, caller.user_id, method_id)
        client = _client(platform, methods.provider_of(platform.config, method))
        minimum = platform.config.payout_minimum(currency)
        await _payout_fee(conn, client, method, minimum, currency)  # the number can take a payout in currency
        period = datetime.timedelta(days=1 if every == "daily" else 7)
        first = starts_at or datetime.datetime.now(datetime.UTC) + period
        return await repository.upsert_payout_schedule(conn, user_id=caller.user_id, currency=currency,
                                                       method_id=method.id, every=every, next_run_at=first)


async def remove_schedule(platform: Platform, caller: Caller, *, currency: str) -> None:
    async with platform.core.transaction("payments.remove_payout_schedule") as conn:
        if not await repository.delete_payout_schedule(conn, user_id=caller.user_id, currency=currency):
            raise NotFound(f"No payout schedule in {currency}", code="payout_schedule_not_found")


# reading

async def balances(platform: Platform, caller: Caller) -> list[dict]:
    """The caller's balance in each currency they were ever paid in or have a standing order in:
    what they may pay out now, what is on its way to their phone, and their standing order."""
    async with platform.core.connection() as conn:
        schedules = {s.currency: s for s in await repository.payout_schedules_of(conn, caller.user_id)}
        held = await ledger.owned_balances(conn, kind=ledger.USER_PAYABLE, owner_id=caller.user_id)
        found = []
        for currency in ledger.CURRENCIES:
            if currency in held or currency in schedules:
                found.append({"currency": currency, "available": held.get(currency, 0),
                              "paying_out": await repository.pending_payouts(conn, user_id=caller.user_id,
                                                                             currency=currency),
                              "payout_minimum": platform.config.payout_minimum(currency),
                              "schedule": schedules.get(currency)})
        return found


async def disbursements_of(platform: Platform, caller: Caller, *, status: str | None, kind: str | None,
                           cursor: str | None, limit: int) -> Page[Disbursement]:
    """The refunds and payouts the caller receives, newest first."""
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: repository.of_user_page(
            conn, caller.user_id, status=status, kind=kind, before=before, limit=n), Disbursement.position)


async def disbursement_of(platform: Platform, caller: Caller,
                          disbursement_id: uuid.UUID) -> tuple[Disbursement, list[Step]]:
    async with platform.core.connection() as conn:
        disbursement = await repository.of_user(conn, disbursement_id, caller.user_id)
        if disbursement is None:
            raise not_found()
        return disbursement, await repository.timeline(conn, disbursement_id)
