"""A property test of the payments area (hypothesis) against the real app, PostgreSQL and the
Daraja and Selcom sandboxes over HTTP: random sequences of initiations by several payers into
one or more holds (group-buy holds with several payers among them), each steered to a provider
outcome (succeeds and calls back, fails, late, twice, a success then a failure, never, an
initiation answered 500, a status query answered 500, refused at once, refunds to it failing);
the provider settling what it held back; callbacks the test sends itself, duplicated,
concurrent, out of order or for what the provider has not settled; reconciliation passes (some
expiring what is still pending); partial releases to several payees; partial and full refunds;
freezes and unfreezes; the disburser's passes, which pay each refund back to the phone that paid
(``disbursements``) and settle it (``holds.settle_refund``) or return it to the hold
(``holds.return_refund``) by the provider's word; payouts of the payees' balances to their
numbers, paid out or failed back into the balance. After each sequence, one more disburser's pass
and a payout by each payee with a balance, and once the sandboxes' own callbacks have been
answered, the invariants:

- every journal entry sums to zero in each currency, ``ledger.verify`` finds the chain whole and
  every account's balance the sum of its lines, and no account but a provider's clearing account
  is below zero;
- each provider transaction funded a hold at most once;
- every hold is in the state its amounts name (``frozen`` exactly while disputed), its amounts
  are its fundings', releases' and refunds' sums, and its escrow account holds its balance;
- each payee's balance is what was released to them net of the fee less what they paid out, the
  fee account took the fees, refunds and payouts in flight hold what is in flight, and each
  clearing account moved by what its provider collected less what it paid back or out;
- each payment agrees with the sandbox: one we call succeeded is one the sandbox says
  succeeded, for its amount, and funded its hold once; a failed one the sandbox failed (or never
  had), and a failed, expired, pending or flagged one funded nothing; likewise each refund's
  and payout's payment to the phone, and a refund is settled, returned or still in flight as its
  payment ended.

Examples are derandomized (``derandomize=True``: the same sequences on every run, for CI), and
few (``MAX_EXAMPLES``) so that the test stays well under a minute; the sandboxes' own callbacks
run concurrently with the sequence, so their interleaving with it is not part of what is fixed.
One app and one pair of sandboxes serve every example; each example opens new holds.
"""
from __future__ import annotations

import asyncio
import dataclasses
import secrets
import uuid
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from nexgate.domain.payments import disbursements, holds, ledger, payments
from nexgate.domain.payments.holds import FROZEN, FUNDED, OPEN, REFUNDED, RELEASED, Payee
from nexgate.domain.payments.ledger import Cause
from nexgate.domain.payments.reconcile import reconcile_due
from nexgate.errors import DomainError
from nexgate.providers.daraja_sandbox import DarajaSandbox
from nexgate.providers.mobile_money_sandbox import Behaviour
from nexgate.providers.selcom_sandbox import SelcomSandbox
from nexgate.providers.tembo_sandbox import TemboSandbox
from tests.conftest import eventually
from tests.support.auth import bearer, register
from tests.support.payment_methods import add
from tests.support.payments_flow import PAYMENTS, Sandboxes, platform, start_app, user_id

pytestmark = pytest.mark.xdist_group("payments_property")

MAX_EXAMPLES = 60
UNIT = 100  # minor units of one shilling: KES and TZS payments are whole shillings
PROVIDER_OF = {"KES": "daraja", "TZS": "selcom"}
PREFIX_OF = {"daraja": "+25470", "selcom": "+25575"}  # Safaricom; Vodacom TZ, Selcom by the default routing
# The payer's last two digits steer the sandbox (providers/README.md); at most 10 (a user's most
# payment methods). "refused at once" is Selcom's (Daraja fails it by callback).
OUTCOMES = {"succeeds": "00", "fails": "11", "late": "22", "twice": "23", "then fails": "24", "never": "25",
            "initiation 500": "21", "status 500": "26", "refused at once": "15", "its refunds fail": "29"}
CAUSE = Cause.operator("tests", "the payments property test")
ALLOWED_ANSWERS = {202, 409, 422}  # a payment begun, or refused with a reason (hold not payable, amount)

HOLD = st.integers(0, 2)
PAYMENT = st.integers(0, 30)
# How much of what is left (the hold still expects, holds): all of it, half, one shilling, or more than there is.
PART = st.sampled_from(["all", "half", "one", "too much"])
PAY = st.tuples(st.just("pay"), HOLD, st.integers(0, 2), st.sampled_from(sorted(OUTCOMES)), PART)
PAY_SUCCEEDING = st.tuples(st.just("pay"), HOLD, st.integers(0, 2),
                           st.sampled_from(["succeeds", "succeeds", "its refunds fail", "never"]),
                           st.sampled_from(["all", "half"]))
RELEASE = st.tuples(st.just("release"), HOLD, st.integers(1, 3), PART)
REFUND = st.tuples(st.just("refund"), HOLD, PART)
DISBURSE = st.tuples(st.just("disburse"))
ACTION = st.one_of(
    PAY, PAY_SUCCEEDING,
    st.tuples(st.just("provider settles"), PAYMENT, st.sampled_from(["collection", "payout"])),
    st.tuples(st.just("callback"), PAYMENT, st.sampled_from(["success", "failure"]), st.integers(1, 3)),
    st.tuples(st.just("reconcile"), st.booleans()),
    RELEASE, RELEASE, REFUND, REFUND,
    st.tuples(st.just("freeze"), HOLD),
    st.tuples(st.just("unfreeze"), HOLD),
    DISBURSE, DISBURSE,
    st.tuples(st.just("payout"), st.integers(0, 2), PART, st.integers(0, 2)),
)
HOLDS = st.lists(st.tuples(st.sampled_from(sorted(PROVIDER_OF)), st.integers(2, 12), st.integers(1, 3)),
                 min_size=1, max_size=3)  # currency, shillings expected, payers


@dataclasses.dataclass
class Begun:
    id: str
    reference: str
    provider: str
    amount: int


@dataclasses.dataclass
class Example:
    """What one sequence did, for the checks."""

    holds: list[holds.Hold]
    payers: list[list[int]]  # by hold: which of the test's payers (of its provider) may pay into it
    payments: list[Begun] = dataclasses.field(default_factory=list)
    released: dict = dataclasses.field(default_factory=lambda: defaultdict(int))  # hold id -> gross
    fees: dict = dataclasses.field(default_factory=lambda: defaultdict(int))  # currency -> fees
    frozen: set = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class Run:
    """What every sequence of the test did, for the checks that span them."""

    before: dict  # the platform accounts' balances when the test began
    payees: dict  # provider -> the sellers a release in its currency pays: the payers (their methods get verified)
    holds: list = dataclasses.field(default_factory=list)
    paid: dict = dataclasses.field(default_factory=lambda: defaultdict(int))  # (payee, currency) -> net released
    fees: dict = dataclasses.field(default_factory=lambda: defaultdict(int))  # currency -> fees taken


@pytest.fixture
async def sandboxes():
    """The sandboxes with late and never-called-back payments held until the test settles them."""
    running = Sandboxes(*(kind(late_s=3600, hold_s=5) for kind in (DarajaSandbox, SelcomSandbox, TemboSandbox)))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes, workers=(), payments_per_minute=10_000,
                           payments_payout_minimum=("TZS:500000", "KES:100", "UGX:5000"))  # payouts of a shilling


@pytest.fixture
async def payers(app) -> dict[tuple[int, str], dict]:
    """Three payers for each provider (a user has at most 10 payment methods: one per outcome)."""
    return {(n, provider): await register(app) for n in range(3) for provider in PROVIDER_OF.values()}


@pytest.fixture
async def run(app, payers) -> Run:
    payees = {provider: [user_id(payers[n, provider]) for n in range(3)] for provider in PROVIDER_OF.values()}
    async with platform(app).core.connection() as conn:
        # What earlier tests on this database left pending is theirs: out of this test's
        # reconciliation and disburser passes (which would send it to this test's sandboxes and move
        # money this test does not count), as conftest keeps their unpublished events from its relay.
        await conn.execute("UPDATE payments SET next_check_at = now() + interval '1 year' WHERE status = 'pending'")
        await conn.execute("UPDATE payment_disbursements SET next_check_at = now() + interval '1 year'"
                           " WHERE status = 'pending'")
        return Run(await _platform_balances(conn), payees)


@pytest.fixture
def methods() -> dict:
    """The payers' payment methods made so far, by (payer's id, steering digits)."""
    return {}


@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(opened=HOLDS, paying=st.lists(PAY_SUCCEEDING, min_size=1, max_size=3),
       actions=st.lists(ACTION, min_size=3, max_size=20))
async def test_payments_keep_their_invariants_whatever_happens(app, sandboxes, payers, methods, run, opened, paying,
                                                              actions):
    example = await _open(app, payers, opened)
    run.holds += example.holds
    for action in (*paying, *actions):
        await _act(app, sandboxes, payers, methods, run, example, action)
    for currency, taken in example.fees.items():
        run.fees[currency] += taken
    await disbursements.disburse_due(platform(app))  # the worker's next pass: the refunds asked for are sent
    await _quiet(app, sandboxes, run, example)
    for payee_n in range(3):  # and the payees take half of what they have to their first number
        await _payout(app, payers, methods, payee_n, "half", 0)
    await _quiet(app, sandboxes, run, example)
    await _check(app, sandboxes, run, example)


# the sequence

async def _open(app, payers, opened) -> Example:
    made, allowed = [], []
    async with platform(app).core.transaction("tests.open_holds") as conn:
        for currency, shillings, payer_count in opened:
            kind = "commerce.group_buy_seat" if payer_count > 1 else "commerce.order"
            hold = await holds.open_hold(conn, payable_kind=kind, payable_id=uuid.uuid4(), currency=currency,
                                         expected_amount=shillings * UNIT, cause=CAUSE)
            for n in range(payer_count):
                payer = payers[n, PROVIDER_OF[currency]]
                await payments.allow_payer(conn, hold_id=hold.id, user_id=user_id(payer))
            made.append(hold)
            allowed.append(list(range(payer_count)))
    return Example(made, allowed)


async def _act(app, sandboxes, payers, methods, run: Run, example: Example, action) -> None:
    kind, *args = action
    if kind == "pay":
        await _pay(app, payers, methods, example, *args)
    elif kind == "provider settles":
        await _provider_settles(app, sandboxes, run, example, *args)
    elif kind == "callback":
        await _callback(sandboxes, example, *args)
    elif kind == "reconcile":
        await _reconcile(app, example, expire=args[0])
    elif kind == "disburse":  # the reconciler's other half: refunds sent to the phones that paid, and asked about
        await disbursements.disburse_due(platform(app))
    elif kind == "payout":  # later: what the sandboxes were telling the server has arrived
        await _quiet(app, sandboxes, run, example)
        await _payout(app, payers, methods, *args)
    else:
        await _hold_action(app, run, example, kind, *args)


def _nth(items: list, n: int):
    return items[n % len(items)] if items else None


def _part(part: str, left: int) -> int:
    """Whole shillings (in minor units) of ``left`` as ``part`` says, at least one."""
    shillings = left // UNIT
    return UNIT * max(1, {"all": shillings, "half": shillings // 2, "one": 1, "too much": shillings + 1}[part])


async def _pay(app, payers, methods, example: Example, hold_n: int, payer_n: int, outcome: str, part: str):
    hold = _nth(example.holds, hold_n)
    async with platform(app).core.connection() as conn:
        now = await holds.get_hold(conn, hold_id=hold.id)
        pending = await conn.fetchval("SELECT coalesce(sum(amount), 0)::bigint FROM payments"
                                      " WHERE hold_id = $1 AND status = 'pending'", hold.id)
    amount = _part(part, now.expected_amount - now.funded_amount - pending)
    allowed = example.payers[example.holds.index(hold)]
    provider = PROVIDER_OF[hold.currency]
    payer = payers[allowed[payer_n % len(allowed)], provider]
    key = (payer["user"]["id"], OUTCOMES[outcome])
    if key not in methods:
        phone = f"{PREFIX_OF[provider]}{secrets.randbelow(10**5):05d}{OUTCOMES[outcome]}"
        methods[key] = await add(app, payer, phone)
    body = {"hold_id": str(hold.id), "amount": amount, "currency": hold.currency,
            "method_id": methods[key]["id"]}
    response = await app.post(PAYMENTS, json=body, headers={**bearer(payer), "Idempotency-Key": str(uuid.uuid4())})
    answer = await response.json()
    assert response.status in ALLOWED_ANSWERS, (response.status, answer)
    event(f"pay: {response.status} {answer.get('error', {}).get('code', '')}".strip())
    if response.status == 202:
        example.payments.append(Begun(answer["id"], answer["reference"], provider, amount))


def _sandbox_of(sandboxes, provider: str):
    return {"daraja": sandboxes.daraja, "selcom": sandboxes.selcom}[provider]


def _sandbox_payment(sandboxes, begun: Begun | None):
    """The sandbox's record of the payment, or None (an initiation it answered 500 left none)."""
    if begun is None:
        return None
    found = [p for p in _sandbox_of(sandboxes, begun.provider).payments.values()
             if p.kind == "collection" and p.reference in (begun.reference, begun.reference[:12])]
    assert len(found) <= 1, found
    return found[0] if found else None


async def _payout(app, payers, methods, payee_n: int, part: str, number_n: int) -> None:
    """A payee (a Daraja payer) pays part of their KES balance out to one of their verified numbers
    (fee-free at these amounts), chosen by its steering digits."""
    payee = payers[payee_n, "daraja"]
    mine = [method["id"] for (owner, _), method in methods.items() if owner == payee["user"]["id"]]
    async with platform(app).core.connection() as conn:
        verified = await conn.fetch("SELECT id FROM payment_methods WHERE id = ANY($1) AND verified_at IS NOT NULL"
                                    " AND removed_at IS NULL ORDER BY right(phone, 2)", [uuid.UUID(m) for m in mine])
        available = (await ledger.owned_balances(conn, kind=ledger.USER_PAYABLE, owner_id=user_id(payee))).get("KES", 0)
    if not verified or not available:
        event("payout: no verified number" if not verified else "payout: nothing to pay out")
        return
    body = {"amount": _part(part, available), "currency": "KES", "method_id": str(_nth(verified, number_n)["id"])}
    response = await app.post("/api/payments/payouts", json=body,
                              headers={**bearer(payee), "Idempotency-Key": str(uuid.uuid4())})
    answer = await response.json()
    assert response.status in ALLOWED_ANSWERS, (response.status, answer)
    event(f"payout: {response.status} {answer.get('error', {}).get('code', '')}".strip())


async def _provider_settles(app, sandboxes, run: Run, example: Example, n: int, kind: str) -> None:
    """The provider settles a collection or payout it held back (late, never called back, pending for ever)."""
    if kind == "collection":
        begun = _nth(example.payments, n)
        found, provider = _sandbox_payment(sandboxes, begun), begun and begun.provider
    else:
        async with platform(app).core.connection() as conn:
            rows = await _disbursements(conn, run, example)
        row = _nth(rows, n)
        found, provider = (None, None) if row is None else (_sandbox_payout(sandboxes, row), row["provider"])
    if found is not None and found.state == "pending":
        _sandbox_of(sandboxes, provider).complete(found.key)


async def _disbursements(conn, run: Run, example: Example) -> list:
    """The refunds out of the sequence's holds, and the payees' payouts (of every sequence)."""
    payees = [payee for some in run.payees.values() for payee in some]
    return await conn.fetch("SELECT * FROM payment_disbursements WHERE hold_id = ANY($1)"
                            " OR (kind = 'payout' AND user_id = ANY($2)) ORDER BY created_at, id",
                            [hold.id for hold in example.holds], payees)


def _sandbox_payout(sandboxes, row):
    found = [p for p in _sandbox_of(sandboxes, row["provider"]).payments.values()
             if p.kind == "payout" and p.reference == row["reference"]]
    assert len(found) <= 1, found
    return found[0] if found else None


async def _callback(sandboxes, example: Example, payment_n: int, says: str, times: int) -> None:
    """The provider's callback as the sandbox would send it, ``times`` at once, whatever the
    sandbox's state: the server must act on its status answer only."""
    begun = _nth(example.payments, payment_n)
    found = _sandbox_payment(sandboxes, begun)
    if found is None or found.callback_url is None:
        return
    sandbox = _sandbox_of(sandboxes, begun.provider)
    failure = None if says == "success" else (found.failure or sandbox.failures[0])
    records: list[dict] = [{} for _ in range(times)]
    await asyncio.gather(*(sandbox.post(found.callback_url, sandbox.callback(found, failure=failure), record)
                           for record in records))
    assert all(record.get("status") == 200 for record in records), records


async def _reconcile(app, example: Example, *, expire: bool) -> None:
    """A reconciliation pass over this sequence's pending payments, made due now; ``expire``: with
    an expiry age of zero, so that what the provider still calls pending expires."""
    p = platform(app)
    async with p.core.connection() as conn:
        await conn.execute("UPDATE payments SET next_check_at = now() WHERE status = 'pending' AND id = ANY($1)",
                           [uuid.UUID(b.id) for b in example.payments])
    config = dataclasses.replace(p.config, payments_expire_after_s=0) if expire else p.config
    await reconcile_due(p.core, config, p.payment_providers)


async def _hold_action(app, run: Run, example: Example, kind: str, *args) -> None:
    hold = _nth(example.holds, args[0])
    try:
        async with platform(app).core.transaction("tests.hold_action") as conn:
            balance = (await holds.get_hold(conn, hold_id=hold.id)).balance
            if kind == "release":
                await _release(conn, run, example, hold, args[1], _part(args[2], balance))
            elif kind == "refund":  # all of it as the caller asks for all: no amount
                await holds.refund(conn, hold_id=hold.id, cause=CAUSE,
                                   amount=None if args[1] == "all" else _part(args[1], balance))
            elif kind == "freeze":
                await holds.freeze(conn, hold_id=hold.id, cause=CAUSE)
                example.frozen.add(hold.id)
            elif kind == "unfreeze":
                await holds.unfreeze(conn, hold_id=hold.id, cause=CAUSE)
                example.frozen.discard(hold.id)
    except DomainError as error:  # refused (frozen, insufficient, closed, ...): the checks see that nothing moved
        event(f"{kind}: {error.code}")
    else:
        event(f"{kind}: done")


async def _release(conn, run: Run, example: Example, hold, payee_count: int, total: int) -> None:
    count = min(payee_count, total // UNIT)
    shares = [total // count + (total % count if n == 0 else 0) for n in range(count)]
    payees = [Payee(payee, share) for payee, share in zip(run.payees[PROVIDER_OF[hold.currency]], shares)]
    done = await holds.release(conn, hold_id=hold.id, payees=payees, cause=CAUSE)
    example.released[hold.id] += done.amount
    example.fees[hold.currency] += done.fee
    for share in done.payees:
        run.paid[share.user_id, hold.currency] += share.net


# waiting for the sandboxes' own callbacks

def _callbacks_expected(payment) -> int:
    """How many callbacks the sandbox sends of its own for ``payment`` once it has settled."""
    if payment.state == "pending" or payment.callback_url is None or payment.behaviour is Behaviour.NEVER:
        return 0
    if payment.failure is not None and payment.failure.immediate:
        return 0
    return 2 if payment.behaviour in (Behaviour.TWICE, Behaviour.OUT_OF_ORDER) else 1


async def _quiet(app, sandboxes, run: Run, example: Example) -> None:
    """Until every callback the sandboxes send of their own for this sequence has been answered,
    and every refund whose payout the provider settled and calls back about is settled on our side
    too (Daraja's answer to our payout status query comes by a callback of its own)."""
    async def answered() -> bool:
        async with platform(app).core.connection() as conn:
            rows = await _disbursements(conn, run, example)
        found = [_sandbox_payment(sandboxes, begun) for begun in example.payments]
        found += [_sandbox_payout(sandboxes, row) for row in rows]
        for record in filter(None, found):
            sent = record.callbacks
            if len(sent) < _callbacks_expected(record) or any("status" not in r and "error" not in r for r in sent):
                return False
        for row in rows:
            payout = _sandbox_payout(sandboxes, row)
            if row["status"] == "pending" and payout is not None and _callbacks_expected(payout) \
                    and payout.behaviour not in (Behaviour.STATUS_500, Behaviour.STATUS_TIME_OUT):
                return False
        return True

    await eventually(answered, timeout=15)


# the invariants

async def _platform_balances(conn) -> dict:
    """As the ledger reads them: a clearing account's with the lines still queued for the chain."""
    rows = await conn.fetch("SELECT id, kind, currency, provider FROM ledger_accounts WHERE owner_id IS NULL")
    return {(row["kind"], row["currency"], row["provider"]): await ledger.balance(conn, row["id"]) for row in rows}


async def _check(app, sandboxes, run: Run, example: Example) -> None:
    async with platform(app).core.connection() as conn:
        verification = await ledger.verify(conn)
        assert verification.ok, verification.problem
        # The rest in one snapshot: a payout's answer may still be settling an earlier sequence's refund.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            unbalanced = await conn.fetch("SELECT entry_id, currency, sum(amount) AS total FROM ledger_lines"
                                          " GROUP BY entry_id, currency HAVING sum(amount) <> 0")
            assert not unbalanced, unbalanced
            negative = await conn.fetch("SELECT id, kind, balance FROM ledger_accounts"
                                        " WHERE kind <> 'provider_clearing' AND balance < 0")
            assert not negative, negative
            doubled = await conn.fetch("SELECT provider, provider_transaction_id FROM payment_hold_fundings"
                                       " GROUP BY 1, 2 HAVING count(*) > 1")
            assert not doubled, doubled
            for hold in example.holds:
                await _check_hold(conn, example, hold.id)
            await _check_accounts(conn, run, example)
            for begun in example.payments:
                await _check_payment(conn, sandboxes, begun)
            for row in await _disbursements(conn, run, example):
                await _check_paid_out(conn, sandboxes, row)


def _state_for(hold: holds.Hold) -> str:
    """The state a hold that is not frozen is in by its amounts."""
    if hold.balance == 0 and (hold.released_amount or hold.refunded_amount):
        return RELEASED if hold.released_amount else REFUNDED
    return FUNDED if hold.funded_amount >= hold.expected_amount else OPEN


async def _check_hold(conn, example: Example, hold_id) -> None:
    hold = await holds.get_hold(conn, hold_id=hold_id)
    event(f"hold ends {hold.state}")
    fundings = await holds.fundings(conn, hold_id=hold_id)
    refunds = await holds.refunds(conn, hold_id=hold_id)
    where = f"hold {hold}"
    assert hold.state in (OPEN, FUNDED, FROZEN, RELEASED, REFUNDED), where
    assert (hold.state == FROZEN) == (hold_id in example.frozen), where
    if hold.state != FROZEN:
        assert hold.state == _state_for(hold), where
    assert hold.balance >= 0, where
    assert hold.funded_amount == sum(f.amount for f in fundings), where
    assert hold.released_amount == example.released[hold_id], where
    kept = sum(r.amount for r in refunds if r.state != "returned")
    assert hold.refunded_amount == kept == sum(f.refunded_amount for f in fundings), (where, refunds)
    assert all(0 <= f.refunded_amount <= f.amount for f in fundings), (where, fundings)
    assert await ledger.balance(conn, hold.account_id) == hold.balance, where


async def _check_accounts(conn, run: Run, example: Example) -> None:
    """Since the test began: each payee got what was released to them net of the fee, the fee
    account took the fees, refunds in flight holds the refunds in flight, payouts in flight is
    where it was, and each clearing account moved by what its provider collected less what it
    paid back (over every sequence's holds: a refund's payout may settle during a later one)."""
    payees = [payee for some in run.payees.values() for payee in some]
    payouts = await conn.fetch("SELECT user_id, currency, provider, amount, status FROM payment_disbursements"
                               " WHERE kind = 'payout' AND user_id = ANY($1)", payees)
    for payee in payees:
        owned = await ledger.owned_balances(conn, kind=ledger.USER_PAYABLE, owner_id=payee)
        for currency in PROVIDER_OF:
            out = sum(p["amount"] for p in payouts if p["user_id"] == payee and p["currency"] == currency
                      and p["status"] != "failed")  # a failed payout's amount is back in the balance
            assert owned.get(currency, 0) == run.paid[payee, currency] - out, (payee, currency, owned)
    now = await _platform_balances(conn)

    def moved(kind, currency, provider=None) -> int:
        return now.get((kind, currency, provider), 0) - run.before.get((kind, currency, provider), 0)

    hold_ids = [hold.id for hold in run.holds]
    refunds = await conn.fetch(
        "SELECT r.currency, r.state, r.amount, f.provider FROM payment_refunds r"
        " JOIN payment_hold_fundings f ON f.id = r.funding_id WHERE r.hold_id = ANY($1)", hold_ids)
    fundings = await conn.fetch("SELECT f.provider, f.amount, h.currency FROM payment_hold_fundings f"
                                " JOIN payment_holds h ON h.id = f.hold_id WHERE f.hold_id = ANY($1)", hold_ids)
    for currency in ledger.CURRENCIES:
        assert moved(ledger.PLATFORM_FEES, currency) == run.fees[currency], currency
        flying = sum(r["amount"] for r in refunds if r["currency"] == currency and r["state"] == "in_flight")
        assert moved(ledger.REFUNDS_IN_FLIGHT, currency) == flying, currency
        paying_out = sum(p["amount"] for p in payouts if p["currency"] == currency
                         and p["status"] in ("pending", "review"))
        assert moved(ledger.PAYOUTS_IN_FLIGHT, currency) == paying_out, currency
        for provider in ledger.PROVIDERS:
            collected = sum(f["amount"] for f in fundings if f["provider"] == provider and f["currency"] == currency)
            paid_back = sum(r["amount"] for r in refunds
                            if r["provider"] == provider and r["currency"] == currency and r["state"] == "settled")
            paid_back += sum(p["amount"] for p in payouts
                             if p["provider"] == provider and p["currency"] == currency and p["status"] == "succeeded")
            assert moved(ledger.PROVIDER_CLEARING, currency, provider) == paid_back - collected, (provider, currency)


async def _check_payment(conn, sandboxes, begun: Begun) -> None:
    row = await conn.fetchrow("SELECT * FROM payments WHERE id = $1", uuid.UUID(begun.id))
    found = _sandbox_payment(sandboxes, begun)
    funded = await conn.fetch("SELECT * FROM payment_hold_fundings WHERE provider = $1 AND provider_transaction_id = $2",
                              row["provider"], row["provider_transaction_id"] or row["reference"])
    where = (dict(row), found and found.view())
    event(f"payment ends {row['status']}, the provider says {found.state if found else 'nothing'}")
    if row["status"] == "succeeded":
        assert found is not None and found.state == "succeeded", where
        assert found.amount * UNIT == row["amount"] == begun.amount, where
        assert len(funded) == 1 and funded[0]["id"] == row["funding_id"], (where, funded)
        assert funded[0]["amount"] == row["amount"] and funded[0]["hold_id"] == row["hold_id"], (where, funded)
    else:
        assert not funded and row["funding_id"] is None, (where, funded)
    if row["status"] == "failed":
        assert found is None or found.state == "failed", where
    if found is not None and found.state == "failed":  # expired: a pass expired it before the provider failed it
        assert row["status"] in ("failed", "expired"), where


REFUND_STATE_OF = {"pending": "in_flight", "review": "in_flight", "succeeded": "settled", "failed": "returned"}


async def _check_paid_out(conn, sandboxes, row) -> None:
    """A refund's or payout's payment to the phone agrees with the sandbox, and a refund is closed as it ended."""
    found = _sandbox_payout(sandboxes, row)
    where = (dict(row), found and found.view())
    event(f"{row['kind']} paid out: {row['status']}, the provider says {found.state if found else 'nothing'}")
    if row["kind"] == "refund":
        refund = await conn.fetchrow("SELECT * FROM payment_refunds WHERE id = $1", row["refund_id"])
        assert refund["state"] == REFUND_STATE_OF[row["status"]] and row["amount"] == refund["amount"], (where, refund)
    if row["status"] == "succeeded":
        assert found is not None and found.state == "succeeded", where
        assert found.amount * UNIT == row["amount"] - row["fee"], where
    if row["status"] == "failed":
        assert found is None or found.state == "failed", where
    if found is not None and found.state == "failed":
        assert row["status"] != "succeeded", where
