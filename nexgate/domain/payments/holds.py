"""Escrow holds: what other areas call to take money for something and later pay it on or give
it back (docs/payments.md, "Escrow holds").

A hold is opened for one payable (``commerce.order``, ``events.ticket_order``, ...) with its
release rule; payments fund it (several may: a group buy, a buy-together pool, installments),
each from the clearing account of the provider that collected it and each provider transaction
once; it is released to payees net of the platform fee, refunded to its payers, frozen by a
dispute, or released by its timer. Every function takes the caller's connection, so commerce
or events can call it inside their own transaction, and runs in a savepoint of it: a refused
transition (a ``DomainError``) leaves nothing behind and the caller's transaction usable.
Each money movement is one journal entry; each transition one event in the outbox.

Concurrency: a transition locks its hold's row first, then the ledger locks its accounts in
id order, so two transitions of one hold run one after the other and the second sees what the
first did (a release of more than is left answers 409 ``hold_insufficient``).
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ... import bus
from ...bus import scheduler
from ...errors import Conflict, Invalid, NotFound
from ...providers.mobile_money import MINOR_UNIT_DIGITS
from . import disbursements, fees, ledger
from . import holds_repository as repository
from .events import (HOLD_FROZEN, HOLD_FUNDED, HOLD_OPENED, HOLD_REFUNDED, HOLD_RELEASED, HOLD_UNFROZEN,
                     REFUND_RETURNED, REFUND_SETTLED, RELEASE_TIMER_EXPIRED)
from .ledger import Cause, Line

PAYABLE_KINDS = ("commerce.order", "events.ticket_order", "commerce.group_buy_seat", "commerce.buy_together_share",
                 "commerce.installment")
OPEN, FUNDED, FROZEN, RELEASED, REFUNDED = "open", "funded", "frozen", "released", "refunded"
CLOSED = (RELEASED, REFUNDED)
AUTO_RELEASE_WORKER = "payments_holds"


@dataclasses.dataclass(frozen=True)
class ReleaseRule:
    """How a hold is released: the seller tier that picks its fee rate, and optionally a delay
    after which ``arm_auto_release`` releases what it holds to ``auto_release_to``."""

    seller_tier: str = fees.DEFAULT_TIER
    auto_release_after: datetime.timedelta | None = None
    auto_release_to: uuid.UUID | None = None


@dataclasses.dataclass(frozen=True)
class Hold:
    id: uuid.UUID
    payable_kind: str
    payable_id: uuid.UUID
    currency: str
    expected_amount: int
    state: str
    balance: int  # what it holds now: funded - released - refunded
    funded_amount: int
    released_amount: int  # gross, fee included
    refunded_amount: int
    seller_tier: str
    fee_basis_points: int
    auto_release_after: datetime.timedelta | None
    auto_release_to: uuid.UUID | None
    auto_release_at: datetime.datetime | None
    account_id: uuid.UUID
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row) -> Hold:
        return cls(
            balance=row["funded_amount"] - row["released_amount"] - row["refunded_amount"],
            **{field.name: row[field.name] for field in dataclasses.fields(cls) if field.name != "balance"},
        )


@dataclasses.dataclass(frozen=True)
class Funding:
    id: uuid.UUID
    hold_id: uuid.UUID
    payer_id: uuid.UUID | None
    provider: str
    provider_transaction_id: str
    amount: int
    refunded_amount: int
    entry_id: uuid.UUID
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row) -> Funding:
        return cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class Payee:
    user_id: uuid.UUID
    amount: int  # the gross share of the release, before the fee


@dataclasses.dataclass(frozen=True)
class PayeeShare:
    user_id: uuid.UUID
    gross: int
    fee: int
    net: int


@dataclasses.dataclass(frozen=True)
class Release:
    hold: Hold
    entry_id: uuid.UUID
    amount: int
    fee: int
    payees: tuple[PayeeShare, ...]


@dataclasses.dataclass(frozen=True)
class Refund:
    id: uuid.UUID
    hold_id: uuid.UUID
    funding_id: uuid.UUID
    amount: int
    currency: str
    state: str  # in_flight, settled, returned
    entry_id: uuid.UUID
    closed_entry_id: uuid.UUID | None
    created_at: datetime.datetime
    closed_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row) -> Refund:
        return cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class Refunded:
    hold: Hold
    entry_id: uuid.UUID
    amount: int
    refunds: tuple[Refund, ...]


@dataclasses.dataclass(frozen=True)
class Transition:
    transition: str
    state: str
    amount: int | None
    entry_id: uuid.UUID | None
    cause: Cause
    at: datetime.datetime


# opening and asking

async def open_hold(conn, *, payable_kind: str, payable_id: uuid.UUID, currency: str, expected_amount: int,
                    rule: ReleaseRule = ReleaseRule(), payers: Sequence[uuid.UUID] = (), cause: Cause) -> Hold:
    """A new hold for the payable, in state ``open``, taking payments from ``payers`` (more may
    be allowed later: ``payments.allow_payer``); its fee rate is fixed now, from its area and
    ``rule.seller_tier`` (``fees``). A payable has one hold (409 ``hold_exists`` names it)."""
    _check_open(payable_kind, currency, expected_amount, rule)
    hold_id = uuid.uuid4()
    event = bus.pending(HOLD_OPENED, {**_about_fields(hold_id, payable_kind, payable_id, OPEN),
                                      "currency": currency, "expected_amount": expected_amount})
    row = await repository.open_hold(
        conn, id=hold_id, payable_kind=payable_kind, payable_id=payable_id, currency=currency,
        expected_amount=expected_amount, account_id=uuid.uuid4(), area=payable_kind.split(".", 1)[0],
        seller_tier=rule.seller_tier, auto_release_after=rule.auto_release_after,
        auto_release_to=rule.auto_release_to, cause_kind=cause.kind, cause_id=cause.id, reason=cause.reason,
        payer_ids=list(payers), event=(uuid.uuid4(), *event))
    if row is None:
        existing = await repository.hold_for_payable(conn, payable_kind=payable_kind, payable_id=payable_id)
        if existing is None:
            raise LookupError(f"no fee rate for {payable_kind}/{rule.seller_tier}: payment_fee_rates lacks its "
                              "('*', '*') row")
        raise Conflict(f"{payable_kind} {payable_id} already has a hold", code="hold_exists",
                       details={"hold_id": str(existing["id"])})
    return Hold.from_row(row)


def _check_open(payable_kind: str, currency: str, expected_amount: int, rule: ReleaseRule) -> None:
    problems = {}
    if payable_kind not in PAYABLE_KINDS:
        problems["payable_kind"] = f"Must be one of: {', '.join(PAYABLE_KINDS)}."
    if currency not in ledger.CURRENCIES:
        problems["currency"] = f"Must be one of: {', '.join(ledger.CURRENCIES)}."
    if _not_positive(expected_amount):
        problems["expected_amount"] = "Must be a positive whole number of minor units."
    if (rule.auto_release_after is None) != (rule.auto_release_to is None):
        problems["rule"] = "auto_release_after and auto_release_to go together."
    elif rule.auto_release_after is not None and rule.auto_release_after <= datetime.timedelta(0):
        problems["rule"] = "auto_release_after must be positive."
    if problems:
        raise Invalid.fields("hold", problems, code="invalid_hold")


def _not_positive(amount) -> bool:
    return type(amount) is not int or amount <= 0


async def get_hold(conn, *, hold_id: uuid.UUID) -> Hold:
    return Hold.from_row(await _found(await repository.hold(conn, hold_id)))


async def hold_for_payable(conn, *, payable_kind: str, payable_id: uuid.UUID) -> Hold | None:
    row = await repository.hold_for_payable(conn, payable_kind=payable_kind, payable_id=payable_id)
    return None if row is None else Hold.from_row(row)


async def fundings(conn, *, hold_id: uuid.UUID) -> list[Funding]:
    return [Funding.from_row(row) for row in await repository.fundings(conn, hold_id)]


async def refunds(conn, *, hold_id: uuid.UUID) -> list[Refund]:
    return [Refund.from_row(row) for row in await repository.refunds(conn, hold_id)]


async def history(conn, *, hold_id: uuid.UUID) -> list[Transition]:
    """The hold's timeline, oldest first, each transition with who caused it."""
    return [Transition(row["transition"], row["state"], row["amount"], row["entry_id"],
                       Cause(row["cause_kind"], row["cause_id"], row["reason"]), row["at"])
            for row in await repository.history(conn, hold_id)]


async def _found(row):
    if row is None:
        raise NotFound("No such hold", code="hold_not_found")
    return row


async def _lock(conn, hold_id: uuid.UUID) -> Hold:
    return Hold.from_row(await _found(await repository.lock_hold(conn, hold_id)))


# funding

async def fund_hold(conn, *, hold_id: uuid.UUID, amount: int, provider: str, provider_transaction_id: str,
                    payer_id: uuid.UUID | None, cause: Cause) -> Funding:
    """Credit a provider's collected payment to the hold: its clearing account gives, the hold
    takes. A provider transaction is credited once: again, 409
    ``provider_transaction_already_credited`` names the funding it made (the unique
    constraint on (provider, transaction id) holds it under any concurrency).

    Every refusal (a ``DomainError``) comes before the funding writes anything, so the caller's
    transaction stays usable. Only the unique constraint's refusal of a transaction credited at
    the same moment to another hold comes after a write: in a savepoint, it is rolled back and
    answered 409 like the others."""
    if _not_positive(amount):
        raise Invalid.fields("funding", {"amount": "Must be a positive whole number of minor units."})
    if provider not in ledger.PROVIDERS:
        raise Invalid.fields("funding", {"provider": f"Must be one of: {', '.join(ledger.PROVIDERS)}."})
    try:
        async with conn.transaction():
            return await _fund(conn, hold_id, amount, provider, provider_transaction_id, payer_id, cause)
    except asyncpg.UniqueViolationError:
        # The same transaction credited at the same moment to another hold: the savepoint is
        # rolled back, and the funding that won is named.
        await _check_not_credited(conn, provider, provider_transaction_id)
        raise


async def _fund(conn, hold_id, amount, provider, provider_transaction_id, payer_id, cause) -> Funding:
    to_fund = await lock_to_fund(conn, hold_id, provider=provider, provider_transaction_id=provider_transaction_id)
    check_fundable(to_fund, provider, provider_transaction_id)
    funded = await write_funding(conn, to_fund, amount=amount, provider=provider,
                                 provider_transaction_id=provider_transaction_id, payer_id=payer_id, cause=cause)
    return funded.funding


@dataclasses.dataclass(frozen=True)
class ToFund:
    """A hold as a funding reads it: locked (``lock_to_fund``), or read without a lock with its
    version (settlement's credit: ``write_funding`` then writes only if it is unchanged)."""

    hold: Hold
    clearing_account_id: uuid.UUID  # the provider's, in the hold's currency
    credited: tuple[uuid.UUID, uuid.UUID] | None = None  # (funding, hold) that credited the transaction
    version: int | None = None  # the hold's xmin as read; None: the caller holds its lock


@dataclasses.dataclass(frozen=True)
class Settles:
    """The payment a funding settles as succeeded, in the funding's own statement (settlement.py)."""

    payment_id: uuid.UUID
    receipt: str | None
    now: datetime.datetime  # its settled_at (if it had none) and updated_at
    note: str  # its timeline step's
    event: tuple[uuid.UUID, str, dict]
    version: int | None = None  # the payment's xmin as read; None: the caller holds its lock


@dataclasses.dataclass(frozen=True)
class Funded:
    funding: Funding
    payment: asyncpg.Record | None  # the payment it settled, as stored (``Settles``)


async def lock_to_fund(conn, hold_id: uuid.UUID, *, provider: str, provider_transaction_id: str) -> ToFund:
    """The hold locked, with what a funding checks: whether the transaction is credited already
    (``check_fundable``) and the provider's clearing account."""
    row = await _found(await repository.lock_hold_to_fund(
        conn, hold_id, provider=provider, provider_transaction_id=provider_transaction_id))
    credited = None if row["credited_funding_id"] is None else (row["credited_funding_id"], row["credited_hold_id"])
    return ToFund(Hold.from_row(row), ledger.clearing_account_read(row["clearing_account_id"]), credited)


def check_fundable(to_fund: ToFund, provider: str, provider_transaction_id: str) -> None:
    if to_fund.credited is not None:
        _refuse_credited(provider, provider_transaction_id, *to_fund.credited)
    if to_fund.hold.state in CLOSED:
        raise _closed(to_fund.hold)


async def write_funding(conn, to_fund: ToFund, *, amount: int, provider: str, provider_transaction_id: str,
                        payer_id: uuid.UUID | None, cause: Cause, funding_id: uuid.UUID | None = None,
                        settles: Settles | None = None) -> Funded | None:
    """The funding in one statement: its entry, the funding, the hold's new state, history and
    event, and the payment it ``settles``. None, with nothing written, if the hold or the payment
    read with a version changed since. The amount and the provider are the caller's to have
    checked (``fund_hold`` does; a payment's were when it began)."""
    hold = to_fund.hold
    entry = ledger.unchecked_entry("hold.funded", cause, [
        Line(to_fund.clearing_account_id, hold.currency, -amount), Line(hold.account_id, hold.currency, amount)])
    funded = hold.funded_amount + amount
    state = hold.state if hold.state == FROZEN else FUNDED if funded >= hold.expected_amount else OPEN
    funding_id = funding_id or uuid.uuid4()
    event = bus.pending(HOLD_FUNDED, {
        **_about(dataclasses.replace(hold, state=state)), "funding_id": str(funding_id),
        "payer_id": _str(payer_id), "provider": provider, "provider_transaction_id": provider_transaction_id,
        "amount": amount, "currency": hold.currency, "entry_id": str(entry["entry_id"])})
    row = await repository.record_funding(
        conn, id=funding_id, hold_id=hold.id, payer_id=payer_id, provider=provider,
        provider_transaction_id=provider_transaction_id, amount=amount, state=state, entry=entry,
        event=(uuid.uuid4(), *event), hold_version=to_fund.version, settles=settles and vars(settles))
    if row["hold"] is None:
        return None
    funding = Funding(funding_id, hold.id, payer_id, provider, provider_transaction_id, amount, 0, entry["entry_id"],
                      row["hold"]["updated_at"])
    return Funded(funding, row["payment"])


async def _check_not_credited(conn, provider: str, transaction_id: str) -> None:
    existing = await repository.funding_by_transaction(conn, provider=provider, provider_transaction_id=transaction_id)
    if existing is not None:
        _refuse_credited(provider, transaction_id, existing["id"], existing["hold_id"])


def _refuse_credited(provider: str, transaction_id: str, funding_id: uuid.UUID | None, hold_id: uuid.UUID | None) -> None:
    if funding_id is not None:
        raise Conflict(f"{provider} transaction {transaction_id} is already credited",
                       code="provider_transaction_already_credited",
                       details={"funding_id": str(funding_id), "hold_id": str(hold_id)})


# releasing

async def release(conn, *, hold_id: uuid.UUID, payees: Sequence[Payee], cause: Cause,
                  automatic: bool = False) -> Release:
    """Release part or all of what the hold holds: each payee's gross share goes to their
    payable balance less the platform fee (``fees.fee_for`` at the hold's rate), the fees to
    the platform. 409 ``hold_frozen`` while disputed; 409 ``hold_insufficient`` (naming the
    amounts) for more than it holds."""
    _check_payees(payees)
    async with conn.transaction():
        hold = await _lock(conn, hold_id)
        total = sum(payee.amount for payee in payees)
        _check_movable(hold, total, "release")
        shares = tuple(_share(payee, hold.fee_basis_points) for payee in payees)
        lines = [Line(hold.account_id, hold.currency, -total)]
        for share in shares:
            if share.net:
                account = await ledger.owned_account(conn, kind=ledger.USER_PAYABLE, owner_id=share.user_id,
                                                     currency=hold.currency)
                lines.append(Line(account, hold.currency, share.net))
        fee = sum(share.fee for share in shares)
        if fee:
            lines.append(Line(await ledger.platform_account(conn, kind=ledger.PLATFORM_FEES, currency=hold.currency),
                              hold.currency, fee))
        entry = await ledger.post(conn, kind="hold.released", cause=cause, lines=lines)
        for share in shares:
            await repository.insert_release_share(conn, id=uuid.uuid4(), hold_id=hold.id, payee_id=share.user_id,
                                                  gross=share.gross, fee=share.fee, entry_id=entry.id)
        hold = Hold.from_row(await repository.update_hold(
            conn, hold.id, state=_state_after(hold, released=total), released=total))
        await _record(conn, hold, "released", total, entry.id, cause)
        await bus.emit(conn, HOLD_RELEASED, {
            **_about(hold), "amount": total, "fee": fee, "currency": hold.currency, "automatic": automatic,
            "payees": [{"user_id": str(s.user_id), "gross": s.gross, "fee": s.fee, "net": s.net} for s in shares],
            "entry_id": str(entry.id)})
        return Release(hold, entry.id, total, fee, shares)


def _check_payees(payees: Sequence[Payee]) -> None:
    if not payees:
        raise Invalid.fields("release", {"payees": "Name at least one payee."})
    if any(_not_positive(payee.amount) for payee in payees):
        raise Invalid.fields("release", {"payees": "Each payee's amount is a positive whole number of minor units."})
    if len({payee.user_id for payee in payees}) != len(payees):
        raise Invalid.fields("release", {"payees": "Each payee appears once."})


def _share(payee: Payee, basis_points: int) -> PayeeShare:
    fee = fees.fee_for(payee.amount, basis_points)
    return PayeeShare(payee.user_id, payee.amount, fee, payee.amount - fee)


def _check_movable(hold: Hold, amount: int, verb: str) -> None:
    if hold.state == FROZEN:
        raise Conflict(f"The hold is frozen by a dispute; it cannot {verb} until it is unfrozen", code="hold_frozen",
                       details={"hold_id": str(hold.id)})
    if amount > hold.balance:
        raise Conflict(
            f"Cannot {verb} {amount} {hold.currency}: the hold holds {hold.balance} {hold.currency}",
            code="hold_insufficient",
            details={"hold_id": str(hold.id), "requested": amount, "available": hold.balance,
                     "currency": hold.currency},
        )


def _state_after(hold: Hold, *, released: int = 0, refunded: int = 0) -> str:
    """The state a hold that is not frozen is in once its amounts change by these."""
    funded = hold.funded_amount
    out_released, out_refunded = hold.released_amount + released, hold.refunded_amount + refunded
    if funded - out_released - out_refunded == 0 and (out_released or out_refunded):
        return RELEASED if out_released else REFUNDED
    return FUNDED if funded >= hold.expected_amount else OPEN  # nothing has left it: not closed, even if empty


# refunding

async def refund(conn, *, hold_id: uuid.UUID, cause: Cause, amount: int | None = None,
                 funding_id: uuid.UUID | None = None) -> Refunded:
    """Give back part (``amount``) or all (None: what the hold holds) of the hold to its
    payers: the money moves into refunds in flight, one ``Refund`` per funding it goes back to
    (oldest funding first, or only ``funding_id``), each queued to be paid back to the number
    that paid it (``disbursements``), whose provider's word then settles or returns it
    (``settle_refund``, ``return_refund``). 409 ``hold_frozen`` while disputed, 409
    ``hold_insufficient`` for more than it holds or its payers paid."""
    if amount is not None and _not_positive(amount):
        raise Invalid.fields("refund", {"amount": "Must be a positive whole number of minor units."})
    async with conn.transaction():
        hold = await _lock(conn, hold_id)
        wanted = hold.balance if amount is None else amount
        _check_whole_units(hold, wanted)
        _check_movable(hold, wanted, "refund")
        parts = _allocate(await fundings(conn, hold_id=hold.id), wanted, funding_id)
        if wanted == 0 or sum(part for _, part in parts) < wanted:
            refundable = sum(part for _, part in parts)
            raise Conflict(f"Cannot refund {wanted} {hold.currency}: its payers can be refunded {refundable}",
                           code="hold_insufficient",
                           details={"hold_id": str(hold.id), "requested": wanted, "available": refundable,
                                    "currency": hold.currency})
        in_flight = await ledger.platform_account(conn, kind=ledger.REFUNDS_IN_FLIGHT, currency=hold.currency)
        entry = await ledger.post(conn, kind="hold.refunded", cause=cause, lines=[
            Line(hold.account_id, hold.currency, -wanted), Line(in_flight, hold.currency, wanted)])
        return await _refunded(conn, hold, parts, wanted, entry.id, cause, released=0)


async def _refunded(conn, hold: Hold, parts: list[tuple[Funding, int]], amount: int, entry_id: uuid.UUID,
                    cause: Cause, *, released: int) -> Refunded:
    """The refunds of ``parts`` (each funding and what goes back to it), queued to the phones that
    paid them; ``released`` is how much of ``amount`` had been released and comes back from its payee."""
    made = []
    for funding, part in parts:
        await repository.add_refunded(conn, funding.id, part)
        made.append(Refund.from_row(await repository.insert_refund(
            conn, id=uuid.uuid4(), hold_id=hold.id, funding_id=funding.id, amount=part, currency=hold.currency,
            entry_id=entry_id)))
    hold = Hold.from_row(await repository.update_hold(
        conn, hold.id, state=_state_after(hold, released=-released, refunded=amount), released=-released,
        refunded=amount))
    await disbursements.queue_refunds(conn, made)
    await _record(conn, hold, "refunded", amount, entry_id, cause)
    await bus.emit(conn, HOLD_REFUNDED, {
        **_about(hold), "amount": amount, "currency": hold.currency, "from_released": released > 0,
        "refund_ids": [str(r.id) for r in made], "entry_id": str(entry_id)})
    return Refunded(hold, entry_id, amount, tuple(made))


async def refund_released(conn, *, hold_id: uuid.UUID, payee_id: uuid.UUID, amount: int, cause: Cause) -> Refunded:
    """Give back to the hold's payers ``amount`` of what a release already paid ``payee_id`` (a
    return after delivery, a dispute lost by the seller): the payee's net share comes out of
    their balance and the platform's fee on it out of the fee revenue, both into refunds in
    flight, then to the payers' phones as ``refund`` does. 409 ``hold_frozen`` while disputed;
    409 ``hold_insufficient`` for more than the releases paid that payee and are not yet given
    back; 409 ``balance_insufficient`` when the payee has already paid that money out."""
    if _not_positive(amount):
        raise Invalid.fields("refund", {"amount": "Must be a positive whole number of minor units."})
    async with conn.transaction():
        hold = await _lock(conn, hold_id)
        _check_whole_units(hold, amount)
        if hold.state == FROZEN:
            _check_movable(hold, 0, "refund")
        shares = await repository.release_shares(conn, hold_id=hold.id, payee_id=payee_id)
        returnable = sum(share["gross"] - share["refunded"] for share in shares)
        if amount > returnable:
            raise Conflict(f"Cannot refund {amount} {hold.currency} of what was released to this payee: "
                           f"{returnable} {hold.currency} can be", code="hold_insufficient",
                           details={"hold_id": str(hold.id), "requested": amount, "available": returnable,
                                    "currency": hold.currency})
        net, fee = await _take_back(conn, shares, amount)
        parts = _allocate(await fundings(conn, hold_id=hold.id), amount, None)
        currency = hold.currency
        lines = [Line(await ledger.platform_account(conn, kind=ledger.REFUNDS_IN_FLIGHT, currency=currency),
                      currency, amount)]
        if net:
            lines.append(Line(await ledger.owned_account(conn, kind=ledger.USER_PAYABLE, owner_id=payee_id,
                                                         currency=currency), currency, -net))
        if fee:
            lines.append(Line(await ledger.platform_account(conn, kind=ledger.PLATFORM_FEES, currency=currency),
                              currency, -fee))
        try:
            entry = await ledger.post(conn, kind="hold.release_refunded", cause=cause, lines=lines)
        except Conflict as error:
            if error.code != "insufficient_balance":
                raise
            raise Conflict(f"The payee's balance holds {error.details['balance']} {currency}; giving back {amount} "
                           f"needs {net} of it", code="balance_insufficient",
                           details={"requested": net, "available": error.details["balance"],
                                    "currency": currency}) from None
        return await _refunded(conn, hold, parts, amount, entry.id, cause, released=amount)


async def _take_back(conn, shares, amount: int) -> tuple[int, int]:
    """(net, fee) of ``amount`` taken back from a payee's release shares, oldest first. The fee of
    a part is what the fee on the share's remaining gross falls by, so a share given back whole
    returns exactly its fee, whatever the parts."""
    net = fee = 0
    left = amount
    for share in shares:
        remaining = share["gross"] - share["refunded"]
        part = min(left, remaining)
        if part <= 0:
            continue
        part_fee = _fee_share(share, remaining) - _fee_share(share, remaining - part)
        await repository.add_release_refunded(conn, share["id"], refunded=part, fee_refunded=part_fee)
        net, fee, left = net + part - part_fee, fee + part_fee, left - part
    return net, fee


def _fee_share(share, gross: int) -> int:
    """The part of a share's fee that ``gross`` of it carries, rounded half up."""
    return (share["fee"] * gross * 2 + share["gross"]) // (share["gross"] * 2)


def _check_whole_units(hold: Hold, amount: int) -> None:
    """A refund goes back to a phone, and mobile money carries whole units only (no cents)."""
    unit = 10 ** MINOR_UNIT_DIGITS[hold.currency]
    if amount % unit:
        raise Invalid.fields("refund", {"amount": f"Refunds go back to phones in whole {hold.currency}: a multiple "
                                                  f"of {unit} minor units, not {amount}."}, code="invalid_refund")


def _allocate(fundings_: list[Funding], wanted: int, funding_id: uuid.UUID | None) -> list[tuple[Funding, int]]:
    """How ``wanted`` splits over the fundings it goes back to, each up to what it has not yet had back."""
    if funding_id is not None:
        fundings_ = [funding for funding in fundings_ if funding.id == funding_id]
        if not fundings_:
            raise NotFound("No such funding of this hold", code="funding_not_found")
    parts, left = [], wanted
    for funding in fundings_:
        part = min(left, funding.amount - funding.refunded_amount)
        if part > 0:
            parts.append((funding, part))
            left -= part
    return parts


async def settle_refund(conn, *, refund_id: uuid.UUID, cause: Cause) -> Refund:
    """The provider paid the refund out to the payer: it leaves refunds in flight for the
    clearing account of the provider the payment came through."""
    return await _close_refund(conn, refund_id, cause, settled=True)


async def return_refund(conn, *, refund_id: uuid.UUID, cause: Cause) -> Refund:
    """The provider failed the refund: its money goes back into the hold (which may be refunded
    again, or released)."""
    return await _close_refund(conn, refund_id, cause, settled=False)


async def _close_refund(conn, refund_id: uuid.UUID, cause: Cause, *, settled: bool) -> Refund:
    async with conn.transaction():
        hold_id = await repository.refund_hold_id(conn, refund_id)
        if hold_id is None:
            raise NotFound("No such refund", code="refund_not_found")
        hold = await _lock(conn, hold_id)
        refund_row = await repository.lock_refund(conn, refund_id)
        if refund_row["state"] != "in_flight":
            raise Conflict(f"The refund is already {refund_row['state']}", code="refund_closed",
                           details={"refund_id": str(refund_id), "state": refund_row["state"]})
        amount, currency = refund_row["amount"], hold.currency
        in_flight = await ledger.platform_account(conn, kind=ledger.REFUNDS_IN_FLIGHT, currency=currency)
        to = (await ledger.platform_account(conn, kind=ledger.PROVIDER_CLEARING, currency=currency,
                                            provider=refund_row["provider"]) if settled else hold.account_id)
        entry = await ledger.post(conn, kind="refund.settled" if settled else "refund.returned", cause=cause,
                                  lines=[Line(in_flight, currency, -amount), Line(to, currency, amount)])
        closed = Refund.from_row(await repository.close_refund(
            conn, refund_id, state="settled" if settled else "returned", closed_entry_id=entry.id))
        if not settled:
            await repository.add_refunded(conn, refund_row["funding_id"], -amount)
            state = hold.state if hold.state == FROZEN else _state_after(hold, refunded=-amount)
            hold = Hold.from_row(await repository.update_hold(conn, hold.id, state=state, refunded=-amount))
        await _record(conn, hold, "refund_settled" if settled else "refund_returned", amount, entry.id, cause)
        payer = next(f.payer_id for f in await fundings(conn, hold_id=hold.id) if f.id == refund_row["funding_id"])
        await bus.emit(conn, REFUND_SETTLED if settled else REFUND_RETURNED, {
            "refund_id": str(refund_id), "hold_id": str(hold.id), "payer_id": _str(payer), "amount": amount,
            "currency": currency, "entry_id": str(entry.id)})
        return closed


# disputes

async def freeze(conn, *, hold_id: uuid.UUID, cause: Cause) -> Hold:
    """A dispute: until ``unfreeze``, the hold can be neither released nor refunded (409
    ``hold_frozen``), and its timer does not release it. Payments may still arrive."""
    async with conn.transaction():
        hold = await _lock(conn, hold_id)
        if hold.state == FROZEN:
            raise Conflict("The hold is already frozen", code="hold_frozen", details={"hold_id": str(hold.id)})
        if hold.state in CLOSED:
            raise _closed(hold)
        hold = Hold.from_row(await repository.update_hold(conn, hold.id, state=FROZEN))
        await _record(conn, hold, "frozen", None, None, cause)
        await bus.emit(conn, HOLD_FROZEN, {**_about(hold), "reason": cause.reason})
        return hold


async def unfreeze(conn, *, hold_id: uuid.UUID, cause: Cause) -> Hold:
    """The dispute is resolved: the hold is in the state its amounts say again, and an armed
    timer that came due while it was frozen fires now."""
    async with conn.transaction():
        hold = await _lock(conn, hold_id)
        if hold.state != FROZEN:
            raise Conflict("The hold is not frozen", code="hold_not_frozen",
                           details={"hold_id": str(hold.id), "state": hold.state})
        hold = Hold.from_row(await repository.update_hold(conn, hold.id, state=_state_after(hold)))
        if hold.auto_release_at is not None:
            hold = await _schedule_release(conn, hold, max(hold.auto_release_at, await repository.now(conn)))
        await _record(conn, hold, "unfrozen", None, None, cause)
        await bus.emit(conn, HOLD_UNFROZEN, {**_about(hold), "reason": cause.reason})
        return hold


def _closed(hold: Hold) -> Conflict:
    return Conflict(f"The hold is {hold.state}; nothing more can happen to it", code="hold_closed",
                    details={"hold_id": str(hold.id), "state": hold.state})


# the timer

async def arm_auto_release(conn, *, hold_id: uuid.UUID, cause: Cause) -> Hold:
    """Start the hold's timer (say, when delivery is confirmed): ``auto_release_after`` from
    now, what it then holds is released to ``auto_release_to``, unless it is frozen then.
    Arming again restarts the timer. A durable scheduled job (``bus.scheduler``) fires it once,
    through the bus, to the ``payments_holds`` consumer group."""
    async with conn.transaction():
        hold = await _lock(conn, hold_id)
        if hold.auto_release_after is None:
            raise Conflict("The hold's release rule has no auto-release", code="no_auto_release",
                           details={"hold_id": str(hold.id)})
        if hold.state in CLOSED:
            raise _closed(hold)
        hold = await _schedule_release(conn, hold, await repository.now(conn) + hold.auto_release_after)
        await _record(conn, hold, "auto_release_armed", None, None, cause)
        return hold


async def _schedule_release(conn, hold: Hold, at: datetime.datetime) -> Hold:
    previous = (await repository.hold(conn, hold.id))["auto_release_job_id"]
    if previous is not None:
        await scheduler.cancel(conn, job_id=previous)
    job_id = uuid.uuid4()
    await scheduler.schedule(conn, job_id=job_id, routing_key=RELEASE_TIMER_EXPIRED, run_at=at,
                             payload={"hold_id": str(hold.id), "job_id": str(job_id)})
    return Hold.from_row(await repository.set_auto_release(conn, hold.id, at=at, job_id=job_id))


async def auto_release(conn, *, hold_id: uuid.UUID, job_id: uuid.UUID) -> Release | None:
    """What the timer's job does when it fires: release what the hold holds to its
    ``auto_release_to``. Nothing when the job is not the hold's armed one (re-armed since),
    when the hold is frozen (``unfreeze`` fires it again) or holds nothing."""
    async with conn.transaction():
        row = await repository.lock_hold(conn, hold_id)
        if row is None or row["auto_release_job_id"] != job_id:
            return None
        hold = Hold.from_row(row)
        cause = Cause.worker(AUTO_RELEASE_WORKER, "the hold's auto-release time came")
        if hold.state == FROZEN:
            await repository.set_auto_release(conn, hold.id, at=hold.auto_release_at, job_id=None)
            await _record(conn, hold, "auto_release_skipped", None, None,
                          dataclasses.replace(cause, reason="the auto-release time came while the hold was frozen"))
            return None
        await repository.set_auto_release(conn, hold.id, at=None, job_id=None)
        if hold.balance == 0:
            return None
        return await release(conn, hold_id=hold.id, payees=[Payee(hold.auto_release_to, hold.balance)], cause=cause,
                             automatic=True)


# shared

async def _record(conn, hold: Hold, transition: str, amount: int | None, entry_id: uuid.UUID | None,
                  cause: Cause) -> None:
    await repository.insert_history(conn, hold_id=hold.id, transition=transition, state=hold.state, amount=amount,
                                    entry_id=entry_id, cause_kind=cause.kind, cause_id=cause.id, reason=cause.reason)


def _about(hold: Hold) -> dict:
    return _about_fields(hold.id, hold.payable_kind, hold.payable_id, hold.state)


def _about_fields(hold_id: uuid.UUID, payable_kind: str, payable_id: uuid.UUID, state: str) -> dict:
    return {"hold_id": str(hold_id), "payable_kind": payable_kind, "payable_id": str(payable_id), "state": state}


def _str(value) -> str | None:
    return None if value is None else str(value)
