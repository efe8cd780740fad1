"""Escrow holds as commerce and events call them, against the real database: opening, funding
(each provider transaction once), releasing net of the fee, refunding through refunds in
flight, disputes, concurrency on one hold, and the auto-release timer through the bus."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import random
import string
import uuid

import pytest

from nexgate.domain.payments import fees, holds, ledger
from nexgate.domain.payments.holds import Payee, ReleaseRule
from nexgate.domain.payments.ledger import Cause
from nexgate.errors import Conflict, Invalid, NotFound
from tests.conftest import eventually
from tests.support.payments import conn, connect, connections, new_user, own_database  # noqa: F401 (conn)

BUYER_CAUSE = Cause.operator("test", "a test of holds")


def _tier() -> str:
    return "tier_" + "".join(random.choices(string.ascii_lowercase, k=10))


def _txn() -> str:
    return f"SEL-{uuid.uuid4().hex[:16]}"


async def _open(conn, expected=10_000, currency="TZS", kind="commerce.order", rule=ReleaseRule()):
    return await holds.open_hold(conn, payable_kind=kind, payable_id=uuid.uuid4(), currency=currency,
                                 expected_amount=expected, rule=rule, cause=BUYER_CAUSE)


async def _fund(conn, hold, amount, payer=None, provider="selcom", txn=None):
    return await holds.fund_hold(conn, hold_id=hold.id, amount=amount, provider=provider,
                                 provider_transaction_id=txn or _txn(), payer_id=payer,
                                 cause=Cause.provider_callback(provider, txn or "t", "payment confirmed"))


async def _funded(conn, amount=10_000, rule=ReleaseRule()):
    hold = await _open(conn, amount, rule=rule)
    payer = await new_user(conn)
    await _fund(conn, hold, amount, payer=payer)
    return await holds.get_hold(conn, hold_id=hold.id), payer


async def _events(conn, hold_id):
    rows = await conn.fetch("SELECT routing_key, payload FROM outbox WHERE payload->>'hold_id' = $1 ORDER BY created_at, id",
                            str(hold_id))
    return [(row["routing_key"], row["payload"]) for row in rows]


async def _balance(conn, kind, currency="TZS", owner=None, provider=None):
    if owner is not None:
        return await ledger.balance(conn, await ledger.owned_account(conn, kind=kind, owner_id=owner, currency=currency))
    return await ledger.balance(conn, await ledger.platform_account(conn, kind=kind, currency=currency, provider=provider))


# opening

async def test_a_hold_opens_once_per_payable_with_its_fee_rate_and_an_event(conn):
    hold = await _open(conn)
    assert (hold.state, hold.balance, hold.fee_basis_points, hold.seller_tier) == ("open", 0, 500, "standard")
    assert await holds.hold_for_payable(conn, payable_kind="commerce.order", payable_id=hold.payable_id) == hold
    with pytest.raises(Conflict) as again:
        await holds.open_hold(conn, payable_kind="commerce.order", payable_id=hold.payable_id, currency="TZS",
                              expected_amount=5, cause=BUYER_CAUSE)
    assert (again.value.code, again.value.details) == ("hold_exists", {"hold_id": str(hold.id)})
    assert [line.transition for line in await holds.history(conn, hold_id=hold.id)] == ["opened"]
    orphans = ("SELECT count(*) FROM ledger_accounts a WHERE a.kind = 'escrow_hold'"
               " AND NOT EXISTS (SELECT 1 FROM payment_holds h WHERE h.id = a.owner_id)")
    assert await conn.fetchval(orphans) == 0  # the refused second hold made no escrow account
    assert await _events(conn, hold.id) == [("payments.hold.opened", {
        "hold_id": str(hold.id), "payable_kind": "commerce.order", "payable_id": str(hold.payable_id),
        "state": "open", "currency": "TZS", "expected_amount": 10_000})]


async def test_opening_names_every_bad_field(conn):
    with pytest.raises(Invalid) as bad:
        await holds.open_hold(conn, payable_kind="commerce.cart", payable_id=uuid.uuid4(), currency="USD",
                              expected_amount=10.5, rule=ReleaseRule(auto_release_after=datetime.timedelta(days=3)),
                              cause=BUYER_CAUSE)
    assert set(bad.value.details["fields"]) == {"payable_kind", "currency", "expected_amount", "rule"}
    for amount in (0, -1, True):
        with pytest.raises(Invalid):
            await holds.open_hold(conn, payable_kind="commerce.order", payable_id=uuid.uuid4(), currency="TZS",
                                  expected_amount=amount, cause=BUYER_CAUSE)


async def test_an_unknown_hold_is_not_found(conn):
    with pytest.raises(NotFound):
        await holds.get_hold(conn, hold_id=uuid.uuid4())
    with pytest.raises(NotFound):
        await holds.release(conn, hold_id=uuid.uuid4(), payees=[Payee(uuid.uuid4(), 1)], cause=BUYER_CAUSE)


# funding

async def test_several_payments_fund_one_hold_from_their_providers_clearing_accounts(conn):
    hold = await _open(conn, 9_000, kind="commerce.group_buy_seat")
    payers = [await new_user(conn) for _ in range(3)]
    selcom_before = await _balance(conn, ledger.PROVIDER_CLEARING, provider="selcom")
    tembo_before = await _balance(conn, ledger.PROVIDER_CLEARING, provider="tembo")
    await _fund(conn, hold, 3_000, payers[0], "selcom")
    await _fund(conn, hold, 3_000, payers[1], "tembo")
    assert (await holds.get_hold(conn, hold_id=hold.id)).state == "open"
    await _fund(conn, hold, 3_000, payers[2], "selcom")

    hold = await holds.get_hold(conn, hold_id=hold.id)
    assert (hold.state, hold.balance, hold.funded_amount) == ("funded", 9_000, 9_000)
    assert await ledger.balance(conn, hold.account_id) == 9_000
    assert await _balance(conn, ledger.PROVIDER_CLEARING, provider="selcom") == selcom_before - 6_000
    assert await _balance(conn, ledger.PROVIDER_CLEARING, provider="tembo") == tembo_before - 3_000
    assert [f.payer_id for f in await holds.fundings(conn, hold_id=hold.id)] == payers
    funded = [payload for key, payload in await _events(conn, hold.id) if key == "payments.hold.funded"]
    assert [(p["payer_id"], p["provider"], p["amount"], p["state"]) for p in funded] == [
        (str(payers[0]), "selcom", 3_000, "open"), (str(payers[1]), "tembo", 3_000, "open"),
        (str(payers[2]), "selcom", 3_000, "funded")]


async def test_a_provider_transaction_is_credited_once(conn):
    hold = await _open(conn)
    first = await _fund(conn, hold, 4_000, txn="SEL-DUPLICATE-1")
    with pytest.raises(Conflict) as again:
        await _fund(conn, hold, 4_000, txn="SEL-DUPLICATE-1")
    assert again.value.code == "provider_transaction_already_credited"
    assert again.value.details["funding_id"] == str(first.id)
    # The same id from another provider is another transaction.
    await _fund(conn, hold, 1_000, provider="daraja", txn="SEL-DUPLICATE-1")
    assert (await holds.get_hold(conn, hold_id=hold.id)).balance == 5_000
    # A duplicate callback after the hold was paid out is still a duplicate, not a payment to a closed hold.
    await holds.release(conn, hold_id=hold.id, payees=[Payee(await new_user(conn), 5_000)], cause=BUYER_CAUSE)
    with pytest.raises(Conflict) as late:
        await _fund(conn, hold, 4_000, txn="SEL-DUPLICATE-1")
    assert late.value.code == "provider_transaction_already_credited"


async def test_the_same_callback_credited_concurrently_lands_once(config, conn):
    hold = await _open(conn)
    txn = _txn()
    async with connections(config.database_url, 8) as opened:
        results = await asyncio.gather(*(_fund(c, hold, 2_500, txn=txn) for c in opened), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(r.code == "provider_transaction_already_credited" for r in results if isinstance(r, Exception))
    hold = await holds.get_hold(conn, hold_id=hold.id)
    assert (hold.balance, await ledger.balance(conn, hold.account_id)) == (2_500, 2_500)


async def test_one_transaction_credited_to_two_holds_at_once_lands_once(config, conn):
    first, second = await _open(conn), await _open(conn)
    txn = _txn()
    async with connections(config.database_url, 2) as opened:
        results = await asyncio.gather(_fund(opened[0], first, 700, txn=txn), _fund(opened[1], second, 700, txn=txn),
                                       return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Funding"]
    (refused,) = [r for r in results if isinstance(r, Conflict)]
    assert refused.code == "provider_transaction_already_credited"
    balances = [(await holds.get_hold(conn, hold_id=h.id)).balance for h in (first, second)]
    assert sorted(balances) == [0, 700]
    assert [await ledger.balance(conn, h.account_id) for h in (first, second)] == balances


async def test_the_unique_constraint_holds_even_past_the_domains_check(conn):
    hold = await _open(conn)
    funding = await _fund(conn, hold, 100)
    import asyncpg
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute(
            "INSERT INTO payment_hold_fundings (id, hold_id, provider, provider_transaction_id, amount, entry_id)"
            " VALUES ($1, $2, $3, $4, 100, $5)", uuid.uuid4(), hold.id, funding.provider,
            funding.provider_transaction_id, funding.entry_id)


async def test_funding_names_a_bad_amount_or_provider(conn):
    hold = await _open(conn)
    for amount, provider, field in ((0, "selcom", "amount"), (12.5, "selcom", "amount"), (10, "paypal", "provider")):
        with pytest.raises(Invalid) as bad:
            await _fund(conn, hold, amount, provider=provider)
        assert list(bad.value.details["fields"]) == [field]


# releasing and fees

async def test_a_release_pays_the_seller_net_of_the_fee_and_the_platform_its_fee(conn):
    hold, _ = await _funded(conn, 10_000)
    seller = await new_user(conn)
    fees_before = await _balance(conn, ledger.PLATFORM_FEES)
    released = await holds.release(conn, hold_id=hold.id, payees=[Payee(seller, 6_000)],
                                   cause=Cause.user(seller, "delivery confirmed"))
    assert (released.amount, released.fee) == (6_000, 300)
    assert released.payees == (holds.PayeeShare(seller, 6_000, 300, 5_700),)
    assert (released.hold.state, released.hold.balance) == ("funded", 4_000)
    assert await _balance(conn, ledger.USER_PAYABLE, owner=seller) == 5_700
    assert await _balance(conn, ledger.PLATFORM_FEES) == fees_before + 300
    entry = await ledger.entry(conn, released.entry_id)
    assert sorted(line.amount for line in entry.lines) == [-6_000, 300, 5_700]
    assert entry.cause == Cause.user(seller, "delivery confirmed")

    rest = await holds.release(conn, hold_id=hold.id, payees=[Payee(seller, 4_000)], cause=BUYER_CAUSE)
    assert (rest.hold.state, rest.hold.balance) == ("released", 0)
    key, payload = (await _events(conn, hold.id))[-1]
    assert key == "payments.hold.released"
    assert payload["payees"] == [{"user_id": str(seller), "gross": 4_000, "fee": 200, "net": 3_800}]
    assert (payload["state"], payload["amount"], payload["fee"], payload["automatic"]) == ("released", 4_000, 200, False)


async def test_releasing_more_than_held_is_refused_naming_the_amounts(conn):
    hold, _ = await _funded(conn, 5_000)
    with pytest.raises(Conflict) as refused:
        await holds.release(conn, hold_id=hold.id, payees=[Payee(await new_user(conn), 6_000)], cause=BUYER_CAUSE)
    assert refused.value.code == "hold_insufficient"
    assert refused.value.details == {"hold_id": str(hold.id), "requested": 6_000, "available": 5_000, "currency": "TZS"}
    assert "6000 TZS" in refused.value.message and "5000 TZS" in refused.value.message
    assert (await holds.get_hold(conn, hold_id=hold.id)).balance == 5_000


@pytest.mark.parametrize("gross, bps, fee", [
    (10_000, 500, 500), (1_001, 250, 25), (1_002, 250, 25), (1_020, 250, 26), (1_019, 250, 25),
    (1, 5_000, 1), (1, 4_999, 0), (3, 3_333, 1), (999_999_999, 10_000, 999_999_999), (7, 0, 0),
])
def test_the_fee_rounds_half_up_to_a_whole_minor_unit(gross, bps, fee):
    assert fees.fee_for(gross, bps) == fee


async def test_fee_rates_by_area_and_tier_and_lines_that_still_balance(conn):
    tier = _tier()
    await conn.executemany("INSERT INTO payment_fee_rates (area, seller_tier, basis_points) VALUES ($1, $2, $3)",
                           [("events", tier, 250), ("*", tier, 700)])
    assert (await _open(conn, 100, kind="commerce.order", rule=ReleaseRule(seller_tier=tier))).fee_basis_points == 700
    assert (await _open(conn, 100, kind="commerce.order",
                        rule=ReleaseRule(seller_tier=_tier()))).fee_basis_points == 500

    hold = await _open(conn, 3_060, kind="events.ticket_order", rule=ReleaseRule(seller_tier=tier))
    assert hold.fee_basis_points == 250
    await _fund(conn, hold, 3_060)
    organizers = [await new_user(conn) for _ in range(3)]
    released = await holds.release(conn, hold_id=hold.id, cause=BUYER_CAUSE, payees=[
        Payee(organizers[0], 1_020), Payee(organizers[1], 1_019), Payee(organizers[2], 1_021)])
    assert [(s.fee, s.net) for s in released.payees] == [(26, 994), (25, 994), (26, 995)]
    assert released.fee == 77
    entry = await ledger.entry(conn, released.entry_id)
    assert sum(line.amount for line in entry.lines) == 0
    assert [await _balance(conn, ledger.USER_PAYABLE, owner=o) for o in organizers] == [994, 994, 995]


async def test_a_release_names_bad_payees(conn):
    hold, _ = await _funded(conn, 1_000)
    seller = await new_user(conn)
    for payees in ([], [Payee(seller, 0)], [Payee(seller, 10), Payee(seller, 20)]):
        with pytest.raises(Invalid):
            await holds.release(conn, hold_id=hold.id, payees=payees, cause=BUYER_CAUSE)


# concurrency on one hold

async def test_concurrent_releases_and_refunds_of_one_hold_never_exceed_it(config, conn):
    hold, _ = await _funded(conn, 10_000)
    seller = await new_user(conn)

    async def release(c):
        return await holds.release(c, hold_id=hold.id, payees=[Payee(seller, 3_000)], cause=BUYER_CAUSE)

    async def refund(c):
        return await holds.refund(c, hold_id=hold.id, amount=3_000, cause=BUYER_CAUSE)

    async with connections(config.database_url, 8) as opened:
        results = await asyncio.gather(*(release(c) if i % 2 else refund(c) for i, c in enumerate(opened)),
                                       return_exceptions=True)
    succeeded = [r for r in results if not isinstance(r, Exception)]
    assert len(succeeded) == 3
    assert all(isinstance(r, Conflict) and r.code == "hold_insufficient" for r in results if isinstance(r, Exception))
    hold = await holds.get_hold(conn, hold_id=hold.id)
    assert (hold.balance, await ledger.balance(conn, hold.account_id)) == (1_000, 1_000)
    assert hold.released_amount + hold.refunded_amount == 9_000


async def test_two_concurrent_refunds_that_together_exceed_the_hold_one_succeeds(config, conn):
    hold, _ = await _funded(conn, 5_000)
    async with connections(config.database_url, 2) as opened:
        results = await asyncio.gather(*(holds.refund(c, hold_id=hold.id, amount=3_000, cause=BUYER_CAUSE)
                                         for c in opened), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Refunded"]
    assert (await holds.get_hold(conn, hold_id=hold.id)).balance == 2_000


# refunds

async def test_a_partial_refund_goes_in_flight_then_settles_to_the_provider(conn):
    hold, payer = await _funded(conn, 8_000)
    in_flight_before = await _balance(conn, ledger.REFUNDS_IN_FLIGHT)
    selcom_before = await _balance(conn, ledger.PROVIDER_CLEARING, provider="selcom")
    refunded = await holds.refund(conn, hold_id=hold.id, amount=2_000, cause=Cause.operator("amina", "out of stock"))
    assert (refunded.hold.state, refunded.hold.balance, refunded.amount) == ("funded", 6_000, 2_000)
    (refund,) = refunded.refunds
    assert (refund.amount, refund.state) == (2_000, "in_flight")
    assert await _balance(conn, ledger.REFUNDS_IN_FLIGHT) == in_flight_before + 2_000

    settled = await holds.settle_refund(conn, refund_id=refund.id, cause=Cause.provider_callback("selcom", "B2C-1", "paid"))
    assert settled.state == "settled"
    assert await _balance(conn, ledger.REFUNDS_IN_FLIGHT) == in_flight_before
    assert await _balance(conn, ledger.PROVIDER_CLEARING, provider="selcom") == selcom_before + 2_000
    with pytest.raises(Conflict) as again:
        await holds.settle_refund(conn, refund_id=refund.id, cause=BUYER_CAUSE)
    assert (again.value.code, again.value.details["state"]) == ("refund_closed", "settled")
    keys = [key for key, _ in await _events(conn, hold.id)]
    assert keys[-2:] == ["payments.hold.refunded", "payments.refund.settled"]
    assert (await _events(conn, hold.id))[-1][1]["payer_id"] == str(payer)


async def test_a_failed_refund_returns_its_money_to_the_hold(conn):
    hold, _ = await _funded(conn, 3_000)
    refunded = await holds.refund(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    assert (refunded.hold.state, refunded.hold.balance, refunded.amount) == ("refunded", 0, 3_000)
    returned = await holds.return_refund(conn, refund_id=refunded.refunds[0].id, cause=BUYER_CAUSE)
    assert returned.state == "returned"
    hold = await holds.get_hold(conn, hold_id=hold.id)
    assert (hold.state, hold.balance, hold.refunded_amount) == ("funded", 3_000, 0)
    assert await ledger.balance(conn, hold.account_id) == 3_000
    # Refunded again, in full: the funding has all of its money to give back again.
    assert (await holds.refund(conn, hold_id=hold.id, cause=BUYER_CAUSE)).amount == 3_000


async def test_a_refund_goes_back_to_the_fundings_oldest_first_or_to_the_one_named(conn):
    hold = await _open(conn, 6_000, kind="commerce.buy_together_share")
    first = await _fund(conn, hold, 2_000, payer=await new_user(conn))
    second = await _fund(conn, hold, 4_000, payer=await new_user(conn))
    refunded = await holds.refund(conn, hold_id=hold.id, amount=3_000, cause=BUYER_CAUSE)
    assert [(r.funding_id, r.amount) for r in refunded.refunds] == [(first.id, 2_000), (second.id, 1_000)]
    named = await holds.refund(conn, hold_id=hold.id, amount=1_000, funding_id=second.id, cause=BUYER_CAUSE)
    assert [(r.funding_id, r.amount) for r in named.refunds] == [(second.id, 1_000)]
    with pytest.raises(Conflict) as over:
        await holds.refund(conn, hold_id=hold.id, amount=500, funding_id=first.id, cause=BUYER_CAUSE)
    assert (over.value.code, over.value.details["available"]) == ("hold_insufficient", 0)
    assert [r.amount for r in await holds.refunds(conn, hold_id=hold.id)] == [2_000, 1_000, 1_000]


async def test_a_released_hold_cannot_be_refunded_or_funded_again(conn):
    hold, _ = await _funded(conn, 1_000)
    await holds.release(conn, hold_id=hold.id, payees=[Payee(await new_user(conn), 1_000)], cause=BUYER_CAUSE)
    with pytest.raises(Conflict) as refused:
        await holds.refund(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    assert refused.value.code == "hold_insufficient"
    with pytest.raises(Conflict) as closed:
        await _fund(conn, hold, 10)
    assert (closed.value.code, closed.value.details["state"]) == ("hold_closed", "released")


# disputes

async def test_a_frozen_hold_is_neither_released_nor_refunded_until_unfrozen(conn):
    hold, _ = await _funded(conn, 4_000)
    seller = await new_user(conn)
    frozen = await holds.freeze(conn, hold_id=hold.id, cause=Cause.user(seller, "buyer says the item is broken"))
    assert frozen.state == "frozen"
    for attempt in (holds.release(conn, hold_id=hold.id, payees=[Payee(seller, 1_000)], cause=BUYER_CAUSE),
                    holds.refund(conn, hold_id=hold.id, amount=1_000, cause=BUYER_CAUSE)):
        with pytest.raises(Conflict) as refused:
            await attempt
        assert refused.value.status == 409 and refused.value.code == "hold_frozen"
    with pytest.raises(Conflict, match="already frozen"):
        await holds.freeze(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    await _fund(conn, hold, 500)  # money that arrives during a dispute is still credited
    assert (await holds.get_hold(conn, hold_id=hold.id)).state == "frozen"

    unfrozen = await holds.unfreeze(conn, hold_id=hold.id, cause=Cause.operator("amina", "resolved for the seller"))
    assert (unfrozen.state, unfrozen.balance) == ("funded", 4_500)
    await holds.release(conn, hold_id=hold.id, payees=[Payee(seller, 4_500)], cause=BUYER_CAUSE)
    with pytest.raises(Conflict) as not_frozen:
        await holds.unfreeze(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    assert not_frozen.value.code == "hold_not_frozen"
    keys = [key for key, _ in await _events(conn, hold.id)]
    assert keys.index("payments.hold.frozen") < keys.index("payments.hold.unfrozen")
    transitions = [(t.transition, t.state) for t in await holds.history(conn, hold_id=hold.id)]
    assert transitions == [("opened", "open"), ("funded", "funded"), ("frozen", "frozen"), ("funded", "frozen"),
                           ("unfrozen", "funded"), ("released", "released")]


async def test_a_hold_disputed_before_anything_was_paid_into_it_is_open_again_when_unfrozen(conn):
    hold = await _open(conn, 4_000)
    await holds.freeze(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    unfrozen = await holds.unfreeze(conn, hold_id=hold.id, cause=Cause.operator("amina", "no dispute after all"))
    assert (unfrozen.state, unfrozen.balance) == ("open", 0)  # not "refunded": nothing left it, it takes payments
    await _fund(conn, hold, 4_000)
    assert (await holds.get_hold(conn, hold_id=hold.id)).state == "funded"


# inside the caller's transaction

async def test_a_refused_transition_leaves_the_callers_transaction_usable_and_nothing_written(conn):
    hold, _ = await _funded(conn, 1_000)
    seller = await new_user(conn)
    async with conn.transaction():
        with pytest.raises(Conflict):
            await holds.release(conn, hold_id=hold.id, payees=[Payee(seller, 2_000)], cause=BUYER_CAUSE)
        done = await holds.release(conn, hold_id=hold.id, payees=[Payee(seller, 1_000)], cause=BUYER_CAUSE)
    assert done.hold.state == "released"


async def test_a_transition_rolls_back_with_the_callers_transaction(conn):
    hold, _ = await _funded(conn, 1_000)
    with pytest.raises(RuntimeError):
        async with conn.transaction():
            await holds.release(conn, hold_id=hold.id, payees=[Payee(await new_user(conn), 1_000)], cause=BUYER_CAUSE)
            raise RuntimeError("the order could not be marked delivered")
    hold = await holds.get_hold(conn, hold_id=hold.id)
    assert (hold.state, hold.balance, await ledger.balance(conn, hold.account_id)) == ("funded", 1_000, 1_000)
    assert [key for key, _ in await _events(conn, hold.id)][-1] == "payments.hold.funded"


async def test_an_entry_that_moved_a_holds_money_is_not_reversed(conn):
    hold, _ = await _funded(conn, 900)
    (funding,) = await holds.fundings(conn, hold_id=hold.id)
    with pytest.raises(Conflict) as refused:
        async with conn.transaction():
            await ledger.reverse(conn, entry_id=funding.entry_id, cause=BUYER_CAUSE)
    assert refused.value.code == "entry_moves_a_hold"
    assert await ledger.balance(conn, hold.account_id) == 900


async def test_the_ledger_verifies_after_all_of_this_and_names_a_hold_whose_amounts_were_edited(config):
    with own_database(config) as own:
        conn = await connect(own.database_url)
        try:
            hold, _ = await _funded(conn, 2_000)
            await holds.refund(conn, hold_id=hold.id, amount=500, cause=BUYER_CAUSE)
            await holds.release(conn, hold_id=hold.id, payees=[Payee(await new_user(conn), 1_000)], cause=BUYER_CAUSE)
            result = await ledger.verify(conn)
            assert result.ok, result.problem
            assert result.entries == 3
            await conn.execute("UPDATE payment_holds SET released_amount = 0 WHERE id = $1", hold.id)
            result = await ledger.verify(conn)
            assert result.problem == f"hold {hold.id}: its amounts say it holds 1500 but its escrow account's balance is 500"
        finally:
            await conn.close()


# the auto-release timer, through the scheduler, the outbox relay, RabbitMQ and the payments_holds group

SOON = datetime.timedelta(milliseconds=300)


@pytest.fixture
async def timers(make_client, config):
    """The app running the workers a timer goes through."""
    fast = dataclasses.replace(config, scheduler_poll_ms=20)
    return await make_client(fast, worker_names=["outbox-relay", "scheduler", holds.AUTO_RELEASE_WORKER])


async def _timed_hold(conn, amount=10_000):
    seller = await new_user(conn)
    hold, _ = await _funded(conn, amount, rule=ReleaseRule(auto_release_after=SOON, auto_release_to=seller))
    return hold, seller


async def _transitions(conn, hold_id):
    return [t.transition for t in await holds.history(conn, hold_id=hold_id)]


async def test_the_timer_releases_the_hold_to_its_payee_once(timers, conn):
    hold, seller = await _timed_hold(conn)
    armed = await holds.arm_auto_release(conn, hold_id=hold.id, cause=Cause.user(seller, "delivery confirmed"))
    assert armed.auto_release_at is not None

    async def released():
        return (await holds.get_hold(conn, hold_id=hold.id)).state == "released"

    await eventually(released)
    assert await _balance(conn, ledger.USER_PAYABLE, owner=seller) == 9_500
    automatic = [p for key, p in await _events(conn, hold.id) if key == "payments.hold.released"]
    assert [(p["automatic"], p["amount"], p["fee"]) for p in automatic] == [(True, 10_000, 500)]
    (last,) = [t for t in await holds.history(conn, hold_id=hold.id) if t.transition == "released"]
    assert last.cause.kind == "worker" and last.cause.id == "payments_holds"
    jobs = await conn.fetch("SELECT fired_at FROM scheduled_jobs WHERE payload->>'hold_id' = $1", str(hold.id))
    assert len(jobs) == 1 and jobs[0]["fired_at"] is not None
    # The same job delivered again (a redelivery past the consumer's own idempotency) does nothing.
    job_id = uuid.UUID((await conn.fetchval("SELECT payload FROM scheduled_jobs WHERE payload->>'hold_id' = $1",
                                            str(hold.id)))["job_id"])
    assert await holds.auto_release(conn, hold_id=hold.id, job_id=job_id) is None


async def test_the_timer_does_not_release_a_frozen_hold_and_unfreezing_fires_it(timers, conn):
    hold, seller = await _timed_hold(conn)
    await holds.freeze(conn, hold_id=hold.id, cause=Cause.user(seller, "the buyer opened a dispute"))
    await holds.arm_auto_release(conn, hold_id=hold.id, cause=BUYER_CAUSE)

    async def skipped():
        return "auto_release_skipped" in await _transitions(conn, hold.id)

    await eventually(skipped)
    frozen = await holds.get_hold(conn, hold_id=hold.id)
    assert (frozen.state, frozen.balance) == ("frozen", 10_000)
    assert await _balance(conn, ledger.USER_PAYABLE, owner=seller) == 0

    await holds.unfreeze(conn, hold_id=hold.id, cause=Cause.operator("amina", "dispute resolved for the seller"))

    async def released():
        return (await holds.get_hold(conn, hold_id=hold.id)).state == "released"

    await eventually(released)
    assert await _balance(conn, ledger.USER_PAYABLE, owner=seller) == 9_500


async def test_arming_again_restarts_the_timer_and_the_old_job_is_gone(conn):
    hold, seller = await _timed_hold(conn)
    first = await holds.arm_auto_release(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    second = await holds.arm_auto_release(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    assert second.auto_release_at >= first.auto_release_at
    jobs = await conn.fetch("SELECT payload FROM scheduled_jobs WHERE payload->>'hold_id' = $1", str(hold.id))
    assert len(jobs) == 1
    stale = uuid.uuid4()
    assert await holds.auto_release(conn, hold_id=hold.id, job_id=stale) is None
    assert (await holds.get_hold(conn, hold_id=hold.id)).state == "funded"
    released = await holds.auto_release(conn, hold_id=hold.id, job_id=uuid.UUID(jobs[0]["payload"]["job_id"]))
    assert released.hold.state == "released" and released.payees[0].user_id == seller


async def test_a_hold_without_auto_release_cannot_be_armed(conn):
    hold, _ = await _funded(conn, 100)
    with pytest.raises(Conflict) as refused:
        await holds.arm_auto_release(conn, hold_id=hold.id, cause=BUYER_CAUSE)
    assert refused.value.code == "no_auto_release"
