"""Refunds and payouts to phones through the real app and the Daraja, Selcom and TemboPlus
sandboxes over HTTP: a refund of a hold paid back to the number that paid it, a seller's balance
paid out to their number less the provider's fee, each settled only by the provider's status
answer, once; a failure returning the money to where it came from; every refusal with nothing
moved; the live events; the standing order; the ledger intact after all of it."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest

from nexgate.domain.payments import disbursements, holds, ledger, methods
from nexgate.domain.payments.holds import Payee
from nexgate.domain.payments.ledger import Cause
from nexgate.domain.payments.settlement import CALLBACK, Answer
from nexgate.providers.mobile_money import Kind, Money, State, Transaction
from tests.conftest import eventually
from tests import cli
from tests.support.auth import admin, bearer, register
from tests.support.payment_methods import call, events
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    SELCOM_PAYER, TEMBO_PAYER, hold_now, method, open_hold, pay, payment, platform, start_app, user_id,
)

PAYOUTS, BALANCES, DISBURSEMENTS = "/api/payments/payouts", "/api/payments/balances", "/api/payments/disbursements"
OPERATOR = Cause.operator("tests", "as commerce would")


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes)


async def paid_hold(app, digits="00", *, prefix=None, currency="KES", amount=150_000, payer=None):
    """A payer, a hold they paid in full from a number steered by ``digits``, and the payment."""
    payer = payer or await register(app)
    hold = await open_hold(app, [user_id(payer)], currency=currency, expected=amount)
    phone = await method(app, payer, digits, **({"prefix": prefix} if prefix else {}))
    started = await pay(app, payer, hold, phone, amount=amount)
    await eventually(lambda: _status(app, payer, started["id"], "succeeded"))
    return payer, hold, started


async def _status(app, tokens, payment_id, wanted) -> bool:
    return (await payment(app, tokens, payment_id))["status"] == wanted


async def refund(app, hold, amount=None):
    async with platform(app).core.transaction("tests.refund") as conn:
        return await holds.refund(conn, hold_id=hold.id, amount=amount, cause=OPERATOR)


async def disbursement_of(app, tokens, disbursement_id) -> dict:
    return await call(app, "GET", f"{DISBURSEMENTS}/{disbursement_id}", tokens, 200)


async def settled(app, tokens, disbursement_id, wanted="succeeded") -> dict:
    """The disbursement once it is ``wanted``, the disburser's passes run meanwhile."""
    async def done():
        await disbursements.disburse_due(platform(app))
        return (await disbursement_of(app, tokens, disbursement_id))["status"] == wanted
    await eventually(done)
    return await disbursement_of(app, tokens, disbursement_id)


async def seller_with_balance(app, digits="00", *, prefix=None, currency="KES", amount=150_000, seller=None):
    """A seller paid ``amount`` (less the 5% fee) by the release of a paid hold, with a verified
    payout number steered by ``digits``."""
    _, hold, _ = await paid_hold(app, currency=currency, amount=amount,
                                 **({"prefix": prefix, "digits": "00"} if prefix else {}))
    seller = seller or await register(app)
    async with platform(app).core.transaction("tests.release") as conn:
        await holds.release(conn, hold_id=hold.id, payees=[Payee(user_id(seller), amount)], cause=OPERATOR)
    number = await method(app, seller, digits, **({"prefix": prefix} if prefix else {}))
    async with platform(app).core.transaction("tests.verify") as conn:
        await methods.mark_verified_by_payment(conn, uuid.UUID(number["id"]))
    return seller, number


async def balances(app, tokens) -> dict:
    return {item["currency"]: item for item in (await call(app, "GET", BALANCES, tokens, 200))["items"]}


async def payout(app, tokens, number, amount, *, currency="KES", expect=202, key=None) -> dict:
    return await call(app, "POST", PAYOUTS, tokens, expect, json={
        "amount": amount, "currency": currency, "method_id": number["id"]},
        headers={"Idempotency-Key": key or str(uuid.uuid4())})


async def post_payout(app, tokens, method_id, amount, currency="KES"):
    return await app.post(PAYOUTS, headers={**bearer(tokens), "Idempotency-Key": str(uuid.uuid4())},
                          json={"amount": amount, "currency": currency, "method_id": method_id})


async def ledger_intact(app) -> None:
    async with platform(app).core.connection() as conn:
        result = await ledger.verify(conn)
    assert result.problem is None, result.problem


async def in_flight(app, kind, currency="KES") -> int:
    async with platform(app).core.connection() as conn:
        return await ledger.balance(conn, await ledger.platform_account(conn, kind=kind, currency=currency))


# refunds

async def test_a_refund_is_paid_back_by_b2c_to_the_number_that_paid_and_told_live(app, users):
    before_refunds_in_flight = await in_flight(app, ledger.REFUNDS_IN_FLIGHT)
    payer = await users.new(app.server)
    live = await payer.live()
    _, hold, started = await paid_hold(app, payer=payer.tokens)
    assert (await live.next_event(timeout=10))["event"] == "payments.payment.succeeded"

    await refund(app, hold, 50_000)
    [queued] = (await call(app, "GET", DISBURSEMENTS, payer.tokens, 200))["items"]
    assert (queued["kind"], queued["status"], queued["amount"], queued["fee"], queued["phone"], queued["payment_id"],
            queued["hold_id"]) == ("refund", "pending", 50_000, 0, started["phone"], started["id"], str(hold.id))
    assert await in_flight(app, ledger.REFUNDS_IN_FLIGHT) - before_refunds_in_flight == 50_000

    done = await settled(app, payer.tokens, queued["id"])
    assert done["receipt"] and done["settled_at"]
    assert [step["step"] for step in done["timeline"]][:2] == ["queued", "sent"]
    event = await live.next_event(timeout=10)
    assert event["event"] == "payments.refund.sent"
    assert event["data"]["disbursement"] == {key: value for key, value in done.items() if key != "timeline"}
    assert await in_flight(app, ledger.REFUNDS_IN_FLIGHT) - before_refunds_in_flight == 0
    after = await hold_now(app, hold.id)
    assert (after.balance, after.refunded_amount) == (100_000, 50_000)
    assert [r.state for r in await hold_refunds(app, hold)] == ["settled"]
    await ledger_intact(app)


async def hold_refunds(app, hold):
    async with platform(app).core.connection() as conn:
        return await holds.refunds(conn, hold_id=hold.id)


@pytest.mark.parametrize("prefix", [SELCOM_PAYER, TEMBO_PAYER])
async def test_a_refund_goes_back_through_the_provider_that_collected_it(app, prefix):
    payer, hold, started = await paid_hold(app, prefix=prefix, currency="TZS", amount=1_500_000)
    await refund(app, hold)
    [queued] = (await call(app, "GET", DISBURSEMENTS, payer, 200))["items"]
    done = await settled(app, payer, queued["id"])
    assert (done["provider"], done["amount"], done["phone"]) == (started["provider"], 1_500_000, started["phone"])
    assert (await hold_now(app, hold.id)).state == "refunded"
    await ledger_intact(app)


async def test_a_refund_the_provider_fails_puts_its_money_back_in_the_hold(app):
    before_refunds_in_flight = await in_flight(app, ledger.REFUNDS_IN_FLIGHT)
    payer, hold, _ = await paid_hold(app, "29")  # the sandbox takes payments from ...29 and fails payouts to it
    await refund(app, hold, 40_000)
    [queued] = (await call(app, "GET", DISBURSEMENTS, payer, 200))["items"]
    done = await settled(app, payer, queued["id"], "failed")
    assert done["failure"]["code"] and done["message"].startswith("The refund could not be sent")
    after = await hold_now(app, hold.id)
    assert (after.state, after.balance, after.refunded_amount) == ("funded", 150_000, 0)
    assert [r.state for r in await hold_refunds(app, hold)] == ["returned"]
    assert await in_flight(app, ledger.REFUNDS_IN_FLIGHT) - before_refunds_in_flight == 0
    assert await events(app, "payments.refund.failed", disbursement_id=done["id"])
    await ledger_intact(app)


async def test_a_refund_sent_without_an_answer_is_asked_about_not_sent_again(app, sandboxes):
    payer, hold, _ = await paid_hold(app, prefix=TEMBO_PAYER, currency="TZS", amount=1_500_000)
    await refund(app, hold)
    [queued] = (await call(app, "GET", DISBURSEMENTS, payer, 200))["items"]
    [sent] = await disbursements.disburse_due(platform(app))
    assert sent.send == "sent"
    await eventually(lambda: _disbursed(app, payer, queued["id"]))
    payouts = [p for p in sandboxes.tembo.payments.values() if p.kind == "payout"]
    assert len(payouts) == 1  # the webhook made us ask; nothing was sent twice


async def _disbursed(app, tokens, disbursement_id) -> bool:
    return (await disbursement_of(app, tokens, disbursement_id))["status"] == "succeeded"


# payouts

async def test_a_seller_pays_out_their_balance_and_sees_it_sent_live(app, users):
    seller = await users.new(app.server)
    live = await seller.live()
    _, number = await seller_with_balance(app, seller=seller.tokens)
    assert (await balances(app, seller.tokens))["KES"]["available"] == 142_500  # 150,000 less the 5% platform fee
    started = await payout(app, seller.tokens, number, 142_500)
    assert (await live.next_event(timeout=10))["event"] == "payments.payout.requested"
    done = await settled(app, seller.tokens, started["id"])
    event = await live.next_event(timeout=10)
    assert event["event"] == "payments.payout.sent"
    assert event["data"]["disbursement"] == {key: value for key, value in done.items() if key != "timeline"}


async def test_a_payout_moves_the_balance_out_once_and_settles_from_the_providers_answer(app):
    before_payouts_in_flight = await in_flight(app, ledger.PAYOUTS_IN_FLIGHT)
    seller, number = await seller_with_balance(app)
    key = str(uuid.uuid4())
    started = await payout(app, seller, number, 101_500, key=key)
    assert (started["kind"], started["status"], started["amount"], started["fee"], started["sent_amount"]) == (
        "payout", "pending", 101_500, 1_500, 100_000)
    again = await payout(app, seller, number, 101_500, key=key)
    assert again["id"] == started["id"]
    assert (await balances(app, seller))["KES"]["available"] == 41_000  # paying out until the provider confirms

    done = await settled(app, seller, started["id"])
    assert done["receipt"]
    shown = await balances(app, seller)
    assert (shown["KES"]["available"], shown["KES"]["paying_out"]) == (41_000, 0)
    assert await in_flight(app, ledger.PAYOUTS_IN_FLIGHT) - before_payouts_in_flight == 0
    assert len(await events(app, "payments.payout.sent", disbursement_id=started["id"])) == 1
    await ledger_intact(app)


async def test_a_payout_the_provider_fails_returns_the_amount_to_the_balance(app):
    before_payouts_in_flight = await in_flight(app, ledger.PAYOUTS_IN_FLIGHT)
    seller, number = await seller_with_balance(app, "10")
    started = await payout(app, seller, number, 101_500)
    done = await settled(app, seller, started["id"], "failed")
    assert done["message"] == "The payout did not go through; the amount is back in your balance."
    assert (await balances(app, seller))["KES"]["available"] == 142_500
    assert await in_flight(app, ledger.PAYOUTS_IN_FLIGHT) - before_payouts_in_flight == 0
    await ledger_intact(app)


async def test_a_selcom_payout_is_answered_at_once(app):
    seller, number = await seller_with_balance(app, "00", prefix=SELCOM_PAYER, currency="TZS", amount=10_000_000)
    available = (await balances(app, seller))["TZS"]["available"]
    assert available == 9_500_000
    started = await payout(app, seller, number, available, currency="TZS")
    assert (started["status"], started["fee"], started["sent_amount"]) == ("succeeded", 150_000, 9_350_000)
    await ledger_intact(app)


async def test_a_payout_whose_request_is_lost_is_failed_only_once_the_provider_never_had_it(make_client, config,
                                                                                          sandboxes):
    app = await start_app(make_client, config, sandboxes, payments_expire_after_s=1, payments_reconcile_after_s=1)
    seller, number = await seller_with_balance(app, "21", prefix=TEMBO_PAYER, currency="TZS", amount=10_000_000)
    started = await payout(app, seller, number, 1_000_000, currency="TZS")
    assert started["status"] == "pending"  # TemboPlus answered 500: it may or may not have it
    shown = await disbursement_of(app, seller, started["id"])
    assert shown["timeline"][-1]["step"] == "unconfirmed"
    done = await settled(app, seller, started["id"], "failed")
    assert done["failure"]["code"] == "not_received"
    assert (await balances(app, seller))["TZS"]["available"] == 9_500_000
    await ledger_intact(app)


async def test_two_payouts_at_once_that_together_exceed_the_balance_move_it_once(app):
    seller, number = await seller_with_balance(app)
    answers = await asyncio.gather(*(post_payout(app, seller, number["id"], 101_500) for _ in range(2)))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [202, 409]
    refused = next(answer for answer in answers if answer.status == 409)
    assert (await refused.json())["error"]["code"] == "balance_insufficient"
    assert (await balances(app, seller))["KES"]["available"] == 41_000
    await ledger_intact(app)


@pytest.mark.parametrize("amount, code", [(0, None), (-5, None), (1.5, None), (9_999, "payout_below_minimum"),
                                          (500_000, "balance_insufficient")])
async def test_a_bad_payout_is_refused_naming_it_and_nothing_moves(app, amount, code):
    seller, number = await seller_with_balance(app)
    answer = await post_payout(app, seller, number["id"], amount)
    body = await answer.json()
    assert answer.status == (409 if code == "balance_insufficient" else 422)
    if code:
        assert body["error"]["code"] == code
    else:
        assert "amount" in body["error"]["details"]["fields"]
    shown = (await balances(app, seller))["KES"]
    assert (shown["available"], shown["paying_out"]) == (142_500, 0)


async def test_a_payout_to_an_unverified_or_foreign_number_is_refused(app):
    seller, number = await seller_with_balance(app)
    other = await method(app, seller, "01")
    answer = await call(app, "POST", PAYOUTS, seller, 422, json={
        "amount": 20_000, "currency": "KES", "method_id": other["id"]}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer["error"]["code"] == "method_not_verified"
    answer = await call(app, "POST", PAYOUTS, seller, 422, json={
        "amount": 1_000_000, "currency": "TZS", "method_id": number["id"]},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer["error"]["code"] == "currency_mismatch"
    stranger = await register(app)
    await call(app, "POST", PAYOUTS, stranger, 404, json={
        "amount": 20_000, "currency": "KES", "method_id": number["id"]}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert (await call(app, "GET", f"{DISBURSEMENTS}/{uuid.uuid4()}", seller, 404))["error"]["code"] == \
        "disbursement_not_found"


async def test_a_standing_order_pays_out_the_whole_balance_when_it_is_due(app):
    seller, number = await seller_with_balance(app)
    past = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)).isoformat()
    schedule = await call(app, "PUT", "/api/payments/payout-schedule", seller, 200, json={
        "currency": "KES", "method_id": number["id"], "every": "weekly", "starts_at": past})
    assert schedule["every"] == "weekly"
    [made] = await disbursements.run_due_schedules(platform(app))
    assert (made.kind, made.amount, made.user_id) == ("payout", 142_500, user_id(seller))
    assert await disbursements.run_due_schedules(platform(app)) == []  # the next run is a week away
    shown = (await balances(app, seller))["KES"]
    assert shown["schedule"]["every"] == "weekly" and shown["available"] == 0
    await call(app, "DELETE", "/api/payments/payout-schedule", seller, 204, params={"currency": "KES"})
    await call(app, "DELETE", "/api/payments/payout-schedule", seller, 404, params={"currency": "KES"})


async def test_a_payout_called_back_twice_moves_its_money_once_beside_another_in_flight(app):
    before_payouts_in_flight = await in_flight(app, ledger.PAYOUTS_IN_FLIGHT)
    waiting, waiting_number = await seller_with_balance(app, "28")  # its payout stays pending
    twice, twice_number = await seller_with_balance(app, "23")  # its B2C result comes twice
    held = await payout(app, waiting, waiting_number, 101_500)
    started = await payout(app, twice, twice_number, 101_500)
    await settled(app, twice, started["id"])
    # and once more, as a callback the provider sends again later would have it applied:
    again = Transaction("daraja", Kind.PAYOUT, State.SUCCEEDED, started["reference"], None,
                        amount=Money(100_000, "KES"), receipt="SBXAGAIN01", answers_query=True)
    await disbursements.apply(platform(app).core, platform(app).config, uuid.UUID(started["id"]), Answer(again),
                              by=CALLBACK)
    assert len(await events(app, "payments.payout.sent", disbursement_id=started["id"])) == 1
    assert await in_flight(app, ledger.PAYOUTS_IN_FLIGHT) - before_payouts_in_flight == 101_500  # the other's, untouched
    assert (await disbursement_of(app, waiting, held["id"]))["status"] == "pending"
    await ledger_intact(app)


async def test_a_payout_the_provider_reports_for_another_amount_is_flagged_and_nothing_moves(make_client, config,
                                                                                          sandboxes):
    app = await start_app(make_client, config, sandboxes, payments_reconcile_after_s=1)
    before_payouts_in_flight = await in_flight(app, ledger.PAYOUTS_IN_FLIGHT)
    seller, number = await seller_with_balance(app, "28")  # pending for ever: no B2C result
    started = await payout(app, seller, number, 101_500)
    [sent] = [p for p in sandboxes.daraja.payments.values() if p.kind == "payout"]
    sent.state, sent.receipt, sent.amount = "succeeded", "SBXFORGED1", sent.amount + 1
    done = await settled(app, seller, started["id"], "review")
    assert done["message"] == "We are checking this payout with the provider."
    assert await in_flight(app, ledger.PAYOUTS_IN_FLIGHT) - before_payouts_in_flight == 101_500
    assert await events(app, "payments.payout.flagged", disbursement_id=started["id"])
    await ledger_intact(app)


async def test_a_payout_whose_answer_was_lost_stays_pending_and_is_asked_about_while_the_provider_may_have_it(
        make_client, config, sandboxes):
    app = await start_app(make_client, config, sandboxes, payments_reconcile_after_s=1)
    seller, number = await seller_with_balance(app, "21", prefix=TEMBO_PAYER, currency="TZS", amount=10_000_000)
    started = await payout(app, seller, number, 1_000_000, currency="TZS")

    async def asked() -> bool:
        await disbursements.disburse_due(platform(app))
        return (await disbursement_of(app, seller, started["id"]))["timeline"][-1]["step"] == "checked"
    await eventually(asked)
    shown = await disbursement_of(app, seller, started["id"])
    assert [step["step"] for step in shown["timeline"]] == ["requested", "unconfirmed", "checked"]
    assert shown["status"] == "pending"
    assert (await balances(app, seller))["TZS"]["paying_out"] == 1_000_000


# refunds after a release

async def release_to(app, hold, payee_tokens, amount=150_000):
    async with platform(app).core.transaction("tests.release") as conn:
        await holds.release(conn, hold_id=hold.id, payees=[Payee(user_id(payee_tokens), amount)], cause=OPERATOR)


async def refund_released(app, hold, payee_tokens, amount):
    async with platform(app).core.transaction("tests.refund_released") as conn:
        return await holds.refund_released(conn, hold_id=hold.id, payee_id=user_id(payee_tokens), amount=amount,
                                           cause=OPERATOR)


async def fees_balance(app) -> int:
    return await in_flight(app, ledger.PLATFORM_FEES)


async def test_a_released_sale_is_refunded_from_the_sellers_balance_and_the_fee_and_paid_back(app):
    payer, hold, _ = await paid_hold(app)
    seller = await register(app)
    await release_to(app, hold, seller)
    fees_before = await fees_balance(app)

    first = await refund_released(app, hold, seller, 50_000)  # the fee on it: 2,500
    assert (await balances(app, seller))["KES"]["available"] == 142_500 - 47_500
    assert fees_before - await fees_balance(app) == 2_500
    second = await refund_released(app, hold, seller, 100_000)
    assert (await balances(app, seller))["KES"]["available"] == 0
    assert fees_before - await fees_balance(app) == 7_500  # the whole fee, back exactly
    after = await hold_now(app, hold.id)
    assert (after.state, after.released_amount, after.refunded_amount, after.balance) == ("refunded", 0, 150_000, 0)
    for refunded in (first, second):
        [queued] = [d for d in (await call(app, "GET", DISBURSEMENTS, payer, 200))["items"]
                    if d["amount"] == refunded.amount]
        await settled(app, payer, queued["id"])
    [event, _] = await events(app, "payments.hold.refunded", hold_id=str(hold.id))
    assert event["from_released"] is True
    await ledger_intact(app)


async def test_a_release_refund_beyond_what_was_released_or_what_the_seller_still_has_is_refused(app):
    payer, hold, _ = await paid_hold(app)
    seller, number = await register(app), None
    await release_to(app, hold, seller)
    with pytest.raises(Exception) as refused:
        await refund_released(app, hold, seller, 150_100)
    assert refused.value.code == "hold_insufficient"
    with pytest.raises(Exception) as refused:
        await refund_released(app, hold, seller, 10)  # ten cents: no phone can be paid that
    assert refused.value.code == "invalid_refund" and "whole" in str(refused.value.details)
    with pytest.raises(Exception) as refused:
        await refund_released(app, hold, payer, 1_000)  # released to someone else
    assert refused.value.code == "hold_insufficient"
    number = await method(app, seller, "28")
    async with platform(app).core.transaction("tests.verify") as conn:
        await methods.mark_verified_by_payment(conn, uuid.UUID(number["id"]))
    await payout(app, seller, number, 142_500)
    with pytest.raises(Exception) as refused:
        await refund_released(app, hold, seller, 10_000)
    assert (refused.value.code, refused.value.details["available"]) == ("balance_insufficient", 0)
    assert (await hold_now(app, hold.id)).released_amount == 150_000

    _, disputed, _ = await paid_hold(app)  # half released, then disputed
    await release_to(app, disputed, seller, 75_000)
    async with platform(app).core.transaction("tests.freeze") as conn:
        await holds.freeze(conn, hold_id=disputed.id, cause=OPERATOR)
    with pytest.raises(Exception) as refused:
        await refund_released(app, disputed, seller, 10_000)
    assert refused.value.code == "hold_frozen"
    await ledger_intact(app)


# operators

async def flagged_payout(make_client, config, sandboxes):
    app = await start_app(make_client, config, sandboxes, payments_reconcile_after_s=1)
    seller, number = await seller_with_balance(app, "28")  # pending for ever, so the test can say what it reports
    started = await payout(app, seller, number, 101_500)
    [sent] = [p for p in sandboxes.daraja.payments.values() if p.kind == "payout" and p.reference == started["reference"]]
    sent.state, sent.receipt, sent.amount = "succeeded", "SBXFORGED2", sent.amount - 1
    await settled(app, seller, started["id"], "review")
    return app, seller, started


async def test_an_operator_returns_a_flagged_payout_to_the_balance_once(make_client, config, sandboxes, users):
    app, seller, started = await flagged_payout(make_client, config, sandboxes)
    operator = await admin(app, users)
    path = f"/api/admin/payments/disbursements/{started['id']}"
    shown = await call(app, "GET", path, operator, 200)
    assert (shown["status"], shown["user_id"], shown["send"]) == ("review", str(user_id(seller)), "sent")
    assert "not the 100000 sent" in shown["review_reason"]
    assert [entry["kind"] for entry in shown["entries"]] == ["payout.requested"]
    assert (await call(app, "GET", path, seller, 403))["error"]["code"] == "role_required"

    resolved = await call(app, "POST", f"{path}/resolve", operator, 200,
                          json={"outcome": "returned", "reason": "Safaricom says it never left"})
    assert (resolved["status"], resolved["timeline"][-1]["step"]) == ("failed", "failed")
    assert resolved["entries"][-1]["cause"] == {"kind": "operator", "id": operator["user"]["username"],
                                                "reason": f"payout {started['reference']} resolved: "
                                                          "Safaricom says it never left"}
    assert (await balances(app, seller))["KES"]["available"] == 142_500
    again = await call(app, "POST", f"{path}/resolve", operator, 409, json={"outcome": "paid", "reason": "again"})
    assert (again["error"]["code"], again["error"]["details"]["status"]) == ("disbursement_not_in_review", "failed")
    await ledger_intact(app)


async def test_the_cli_shows_a_payout_and_settles_a_flagged_one_as_paid(make_client, config, sandboxes):
    app, seller, started = await flagged_payout(make_client, config, sandboxes)
    code, out, err = await cli.run(platform(app).config, "payments", "resolve", started["id"], "--paid",
                                   "--reason", "receipt SBXFORGED2 checked", "--operator", "amina")
    assert code == 0, err
    assert f"payout {started['id']} resolved by amina: paid, now succeeded" in out
    code, out, err = await cli.run(platform(app).config, "payments", "show", started["id"])
    assert code == 0, err
    assert f"payout {started['id']} ({started['reference']}): succeeded, 101500 KES (minor units, fee 1500)" in out
    assert "payout.sent" in out and "by operator amina" in out
    assert (await balances(app, seller))["KES"]["paying_out"] == 0
    await ledger_intact(app)


async def test_the_list_of_payments_holds_the_refunds_and_payouts_too(app):
    payer, hold, started = await paid_hold(app)
    await refund(app, hold, 50_000)
    listed = (await call(app, "GET", "/api/payments", payer, 200))["items"]
    assert [(item["kind"], item["amount"]) for item in listed] == [("refund", 50_000), ("collection", 150_000)]
    refund_item, payment_item = listed
    assert (refund_item["payment_id"], refund_item["fee"], refund_item["prompt"]) == (started["id"], 0, None)
    assert (payment_item["id"], payment_item["fee"], payment_item["payment_id"]) == (started["id"], None, None)
    only = (await call(app, "GET", "/api/payments", payer, 200, params={"kind": "refund"}))["items"]
    assert [item["id"] for item in only] == [refund_item["id"]]
    first = await call(app, "GET", "/api/payments", payer, 200, params={"limit": 1})
    rest = await call(app, "GET", "/api/payments", payer, 200, params={"cursor": first["next_cursor"]})
    assert [item["id"] for item in first["items"] + rest["items"]] == [refund_item["id"], started["id"]]

    seller, number = await seller_with_balance(app)
    paid_out = await payout(app, seller, number, 101_500)
    [item] = (await call(app, "GET", "/api/payments", seller, 200))["items"]
    assert (item["kind"], item["id"], item["sent_amount"]) == ("payout", paid_out["id"], 100_000)
