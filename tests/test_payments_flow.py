"""Paying into a hold through the real app and the real Daraja and Selcom sandboxes over HTTP:
the prompt, the callback, the hold funded, the live event on the payer's socket; every refusal
of a bad payment with nothing written; the rate limit; the caller's list and timeline."""
from __future__ import annotations

import dataclasses

import aiohttp
import pytest

from tests.conftest import eventually
from tests.support.auth import bearer, register
from tests.support.payment_methods import call
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    PAYMENTS, SELCOM_PAYER, TEMBO_PAYER, hold_now, method, open_hold, pay, payment, platform, start_app,
    user_id,
)


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes)


async def written(app, hold) -> tuple[int, int, int]:
    """The payments into ``hold``, its funded amount and the outbox events about payments."""
    async with platform(app).core.connection() as conn:
        return (await conn.fetchval("SELECT count(*) FROM payments WHERE hold_id = $1", hold.id),
                (await hold_now(app, hold.id)).funded_amount,
                await conn.fetchval("SELECT count(*) FROM outbox WHERE routing_key LIKE 'payments.payment.%'"
                                    " AND payload->>'hold_id' = $1", str(hold.id)))


# success

async def test_a_payment_is_prompted_called_back_credited_to_its_hold_and_told_live(app, users, sandboxes):
    payer = await users.new(app.server)
    tokens = payer.tokens
    live = await payer.live(device_name="phone")
    hold = await open_hold(app, [payer.user_id])
    phone = await method(app, tokens, "00")

    started = await pay(app, tokens, hold, phone)
    assert started["status"] in ("pending", "succeeded")
    assert (started["amount"], started["currency"], started["provider"], started["hold_id"]) == (
        150_000, "KES", "daraja", str(hold.id))
    assert started["prompt"] == "sent"

    event = await live.next_event(timeout=10)
    assert event["event"] == "payments.payment.succeeded"
    shown = await payment(app, tokens, started["id"])
    assert event["data"]["payment"] == {key: value for key, value in shown.items() if key != "timeline"}
    assert shown["status"] == "succeeded" and shown["receipt"]
    assert [step["step"] for step in shown["timeline"]] == ["created", "prompt_sent", "succeeded"]
    funded = await hold_now(app, hold.id)
    assert (funded.state, funded.funded_amount, funded.balance) == ("funded", 150_000, 150_000)
    methods = await call(app, "GET", "/api/payments/methods", tokens, 200)
    assert methods["items"][0]["verified_by"] == "payment"


async def test_a_selcom_wallet_pays_a_tzs_hold_through_the_same_flow(app, users):
    payer = await users.new(app.server)
    live = await payer.live()
    hold = await open_hold(app, [payer.user_id], currency="TZS", expected=500_000)
    wallet = await method(app, payer.tokens, "00", prefix=SELCOM_PAYER)
    started = await pay(app, payer.tokens, hold, wallet, amount=500_000)
    assert started["provider"] == "selcom" and started["prompt"] == "sent"
    event = await live.next_event(timeout=10)
    assert (event["event"], event["data"]["payment"]["id"]) == ("payments.payment.succeeded", started["id"])
    assert (await hold_now(app, hold.id)).funded_amount == 500_000


async def test_a_temboplus_wallet_pays_through_the_same_flow(app, users):
    payer = await users.new(app.server)
    live = await payer.live()
    hold = await open_hold(app, [payer.user_id], currency="TZS", expected=500_000)
    wallet = await method(app, payer.tokens, "00", prefix=TEMBO_PAYER)
    started = await pay(app, payer.tokens, hold, wallet, amount=500_000)
    assert started["provider"] == "tembo" and started["prompt"] == "sent"
    event = await live.next_event(timeout=10)
    assert (event["event"], event["data"]["payment"]["id"]) == ("payments.payment.succeeded", started["id"])
    assert (await hold_now(app, hold.id)).funded_amount == 500_000


# the provider says no

async def test_a_payer_who_cancels_the_prompt_sees_the_payment_fail_live_and_nothing_is_credited(app, users):
    payer = await users.new(app.server)
    live = await payer.live()
    hold = await open_hold(app, [payer.user_id])
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "17"))  # 1032: cancelled by user
    event = await live.next_event(timeout=10)
    assert event["event"] == "payments.payment.failed"
    shown = await payment(app, payer.tokens, started["id"])
    assert shown["status"] == "failed" and shown["failure"]["code"] == "1032"
    assert shown["message"] == "The payment did not go through; nothing was taken."
    assert (await hold_now(app, hold.id)).funded_amount == 0


async def test_a_prompt_the_provider_refuses_at_once_fails_the_payment_in_the_answer(app, users):
    payer = await users.new(app.server)
    hold = await open_hold(app, [payer.user_id], currency="TZS", expected=500_000)
    wallet = await method(app, payer.tokens, "15", prefix=SELCOM_PAYER)  # 056: not a mobile money wallet
    started = await pay(app, payer.tokens, hold, wallet, amount=500_000)
    assert (started["status"], started["prompt"], started["failure"]["code"]) == ("failed", "refused", "056")
    assert (await written(app, hold))[1:] == (0, 1)


async def test_a_provider_that_times_out_leaves_the_payment_pending_and_says_so(app, users, sandboxes):
    payer = await users.new(app.server)
    hold = await open_hold(app, [payer.user_id])
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "20"))
    assert (started["status"], started["prompt"]) == ("pending", "unconfirmed")
    assert "could not confirm that the prompt reached your phone" in started["message"]
    shown = await payment(app, payer.tokens, started["id"])
    assert shown["timeline"][-1]["step"] == "prompt_unconfirmed"


async def test_a_provider_that_answers_500_leaves_the_payment_pending(app, users):
    payer = await users.new(app.server)
    hold = await open_hold(app, [payer.user_id])
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "21"))
    assert (started["status"], started["prompt"]) == ("pending", "unconfirmed")


# refusals: a clear 4xx and nothing written

@pytest.mark.parametrize("amount, code", [
    (0, "invalid_amount"), (-100, "invalid_amount"), (1500.5, None), ("150000", None), (True, None),
    (10**12, "amount_too_large"), (150_050, "unpayable_amount"), (150_100, "amount_exceeds_hold"),
])
async def test_a_bad_amount_is_422_naming_it_and_nothing_is_written(app, amount, code):
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)], expected=150_000)
    answer = await pay(app, tokens, hold, await method(app, tokens, "00"), amount=amount, expect=422)
    assert "amount" in answer["error"]["details"]["fields"]
    if code:
        assert answer["error"]["code"] == code
    assert await written(app, hold) == (0, 0, 0)


async def test_a_payment_counts_what_is_already_pending_into_the_hold(app):
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)], expected=150_000)
    phone = await method(app, tokens, "28")  # pending for ever
    await pay(app, tokens, hold, phone, amount=100_000)
    answer = await pay(app, tokens, hold, phone, amount=100_000, expect=422)
    assert answer["error"]["code"] == "amount_exceeds_hold"
    assert answer["error"]["details"]["expects"] == 50_000


async def test_a_currency_other_than_the_holds_or_the_methods_is_422_naming_it(app):
    tokens = await register(app)
    kes = await method(app, tokens, "00")
    kes_hold = await open_hold(app, [user_id(tokens)])
    answer = await pay(app, tokens, kes_hold, kes, currency="TZS", expect=422)
    assert (answer["error"]["code"], list(answer["error"]["details"]["fields"])) == ("currency_mismatch", ["currency"])
    tzs_hold = await open_hold(app, [user_id(tokens)], currency="TZS")
    answer = await pay(app, tokens, tzs_hold, kes, expect=422)
    assert (answer["error"]["code"], list(answer["error"]["details"]["fields"])) == ("currency_mismatch", ["method_id"])
    answer = await pay(app, tokens, kes_hold, kes, currency="USD", expect=422)
    assert list(answer["error"]["details"]["fields"]) == ["currency"]
    assert await written(app, kes_hold) == (0, 0, 0) and await written(app, tzs_hold) == (0, 0, 0)


async def test_a_provider_that_cannot_pay_in_the_currency_is_422_naming_it(app, monkeypatch):
    tokens = await register(app)
    phone = await method(app, tokens, "00")
    hold = await open_hold(app, [user_id(tokens)])
    daraja = platform(app).payment_providers["daraja"]
    monkeypatch.setattr(daraja, "currencies", frozenset({"TZS"}))  # a Daraja account that took only TZS
    answer = await pay(app, tokens, hold, phone, expect=422)
    assert answer["error"]["code"] == "currency_not_supported"
    assert answer["error"]["details"] == {"fields": {"method_id": ["daraja cannot pay in KES."]}, "provider": "daraja"}
    assert await written(app, hold) == (0, 0, 0)


async def test_a_hold_you_may_not_pay_into_or_a_method_not_yours_is_404(app):
    amina, baraka = await register(app), await register(app)
    hold = await open_hold(app, [user_id(amina)])
    assert (await pay(app, baraka, hold, await method(app, baraka, "00"), expect=404))["error"]["code"] == "hold_not_found"
    answer = await pay(app, amina, hold, await method(app, baraka, "01"), expect=404)
    assert answer["error"]["code"] == "payment_method_not_found"
    assert await written(app, hold) == (0, 0, 0)


async def test_payments_begun_are_limited_per_user(make_client, config, sandboxes):
    app = await start_app(make_client, dataclasses.replace(config, payments_per_minute=2), sandboxes)
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)], expected=10_000_000)
    phone = await method(app, tokens, "28")
    for _ in range(2):
        await pay(app, tokens, hold, phone, amount=100_000)
    answer = await pay(app, tokens, hold, phone, amount=100_000, expect=429)
    assert answer["error"]["details"]["limit"] == "payments.attempts"
    assert (await written(app, hold))[0] == 2


# what the payer sees

async def test_the_payers_list_pages_filters_and_hides_others_payments(app):
    amina, baraka = await register(app), await register(app)
    hold = await open_hold(app, [user_id(amina), user_id(baraka)], expected=10_000_000)
    pending = await method(app, amina, "28")
    failing = await method(app, amina, "17")
    made = [await pay(app, amina, hold, phone, amount=100_000) for phone in (pending, pending, failing)]
    await pay(app, baraka, hold, await method(app, baraka, "28"), amount=100_000)
    await eventually(lambda: _status_is(app, amina, made[2]["id"], "failed"))
    first = await call(app, "GET", PAYMENTS, amina, 200, params={"limit": 2})
    rest = await call(app, "GET", PAYMENTS, amina, 200, params={"cursor": first["next_cursor"]})
    assert [p["id"] for p in first["items"] + rest["items"]] == [p["id"] for p in reversed(made)]
    assert rest["next_cursor"] is None
    only_pending = await call(app, "GET", PAYMENTS, amina, 200, params={"status": "pending", "kind": "collection"})
    assert [p["id"] for p in only_pending["items"]] == [made[1]["id"], made[0]["id"]]
    bad = await call(app, "GET", PAYMENTS, amina, 422, params={"status": "lost"})
    assert list(bad["error"]["details"]["fields"]) == ["status"]
    assert (await payment(app, baraka, made[0]["id"], expect=404))["error"]["code"] == "payment_not_found"
    await payment(app, amina, "not-a-uuid", expect=404)


async def _status_is(app, tokens, payment_id, status) -> bool:
    return (await payment(app, tokens, payment_id))["status"] == status


# the Idempotency-Key contract (docs/rest.md, "Idempotency")

async def test_a_payment_begun_again_with_its_key_is_answered_as_before_and_prompted_once(app, sandboxes):
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)], expected=300_000)
    phone = await method(app, tokens, "28")
    first = await pay(app, tokens, hold, phone, key="pay-order-1")
    again = await app.post(PAYMENTS, json={"hold_id": str(hold.id), "amount": 150_000, "currency": "KES",
                                           "method_id": phone["id"]},
                           headers={**bearer(tokens), "Idempotency-Key": "pay-order-1"})
    assert again.status == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == first
    assert len([p for p in sandboxes.daraja.payments.values() if p.reference == first["reference"][:12]]) == 1
    other = await pay(app, tokens, hold, phone, amount=100_000, key="pay-order-1", expect=422)
    assert other["error"]["code"] == "idempotency_key_reused"
    missing = await app.post(PAYMENTS, json={}, headers=bearer(tokens))
    assert missing.status == 400
    listed = await call(app, "GET", PAYMENTS, tokens, 200)
    assert [p["id"] for p in listed["items"]] == [first["id"]]


# cards, on Selcom's hosted checkout page

async def test_a_card_payment_opens_selcoms_page_and_the_webhook_credits_it(app, users, sandboxes):
    payer = await register(app, phone="+255754321000")
    hold = await open_hold(app, [user_id(payer)], currency="TZS", expected=1_500_000)
    body = {"hold_id": str(hold.id), "amount": 1_500_000, "currency": "TZS", "checkout": "card"}
    started = await call(app, "POST", PAYMENTS, payer, 202, json=body, headers={"Idempotency-Key": "card-1"})
    assert (started["channel"], started["provider"], started["method_id"], started["phone"], started["status"]) == (
        "card_checkout", "selcom", None, None, "pending"), started
    assert started["checkout_url"].startswith(sandboxes.selcom.url)
    assert started["message"].startswith("Pay with your card")

    async with aiohttp.ClientSession() as browser:  # the payer's browser, on Selcom's page
        async with browser.post(started["checkout_url"], data={"action": "pay"}, allow_redirects=False) as page:
            assert page.status == 303
            back = page.headers["Location"]
    assert back.endswith(f"/api/payments/{started['id']}/checkout/done")
    landing = await app.get(back[back.index("/api/"):])
    assert f"nexgate://payments/{started['id']}" in await landing.text()
    await eventually(lambda: _succeeded(app, payer, started["id"]))
    assert (await hold_now(app, hold.id)).funded_amount == 1_500_000
    receipt = await call(app, "GET", f"{PAYMENTS}/{started['id']}/receipt", payer, 200)
    assert receipt["method"] == {"kind": "card", "channel": "Card", "number": None}


async def _succeeded(app, tokens, payment_id) -> bool:
    return (await payment(app, tokens, payment_id))["status"] == "succeeded"


async def test_a_card_payment_needs_a_tzs_hold_a_phone_and_not_a_method_too(app):
    payer = await register(app, phone="+255754321001")
    hold = await open_hold(app, [user_id(payer)])  # KES
    refused = await call(app, "POST", PAYMENTS, payer, 422, headers={"Idempotency-Key": "card-2"}, json={
        "hold_id": str(hold.id), "amount": 150_000, "currency": "KES", "checkout": "card"})
    assert refused["error"]["code"] == "currency_not_supported"
    phone = await method(app, payer, "00")
    refused = await call(app, "POST", PAYMENTS, payer, 422, headers={"Idempotency-Key": "card-3"}, json={
        "hold_id": str(hold.id), "amount": 150_000, "currency": "KES", "checkout": "card", "method_id": phone["id"]})
    assert refused["error"]["code"] == "method_or_checkout"
    no_phone = await register(app)
    tzs = await open_hold(app, [user_id(no_phone)], currency="TZS", expected=1_000_000)
    refused = await call(app, "POST", PAYMENTS, no_phone, 422, headers={"Idempotency-Key": "card-4"}, json={
        "hold_id": str(tzs.id), "amount": 1_000_000, "currency": "TZS", "checkout": "card"})
    assert refused["error"]["code"] == "phone_required"
