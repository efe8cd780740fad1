"""TemboPlus (Tanzania): the real client against the sandbox over HTTP, with an HTTP server
receiving the (unsigned) webhooks, as a payment flow sees them."""
from __future__ import annotations

import uuid

import pytest

from nexgate.keys import PLATFORM
from nexgate.providers.mobile_money import (
    CallbackRejected, Kind, Money, ProviderRefused, ProviderUnavailable, State, UnknownTransaction, UnpayableAmount,
)
from nexgate.providers.tembo import TemboClient
from nexgate.providers.tembo_sandbox import FAILURES, TemboSandbox
from tests.support.mobile_money import SECRET, in_process_sandboxes
from tests.support.mobile_money import http, receiver, sandbox  # noqa: F401 (fixtures)

TIGO, AIRTEL, HALOTEL, VODACOM, SAFARICOM = "+2557123456", "+2556823456", "+2556223456", "+2557423456", "+2547083741"
SANDBOX, CLIENT = TemboSandbox, TemboClient


def make_client(http, sandbox, receiver, **overrides) -> TemboClient:
    settings = sandbox.settings()
    options = dict(
        base_url=settings["tembo_base_url"], account_id=settings["tembo_account_id"],
        secret_key=settings["tembo_secret_key"], payout_account=settings["tembo_payout_account"],
        callback_base=receiver.base, callback_secret=SECRET, timeout_s=2,
    )
    return TemboClient(http, **{**options, **overrides})


@pytest.fixture
def tembo(http, sandbox, receiver) -> TemboClient:
    return make_client(http, sandbox, receiver)


async def collect(tembo, digits="00", minor=150_000, reference="order-0001", wallet=TIGO):
    return await tembo.collect(reference=reference, msisdn=wallet + digits, amount=Money(minor, "TZS"), description="Order 1")


async def callback_of(tembo, receiver, kind=Kind.COLLECTION):
    arrived = await receiver.next()
    assert (arrived.provider, arrived.secret, arrived.kind) == ("tembo", SECRET, kind)
    return tembo.read_callback(kind, headers=arrived.headers, body=arrived.body)


async def status(tembo, started, kind=Kind.COLLECTION):
    ask = tembo.collection_status if kind is Kind.COLLECTION else tembo.payout_status
    return await ask(reference=started.reference, provider_id=started.provider_id)


# collections

@pytest.mark.parametrize(("wallet", "channel"), [(TIGO, "TZ-TIGO-C2B"), (AIRTEL, "TZ-AIRTEL-C2B"), (HALOTEL, "TZ-HALOTEL-C2B")])
async def test_a_collection_is_called_back_with_its_ids_and_the_query_agrees(tembo, sandbox, receiver, wallet, channel):
    started = await collect(tembo, wallet=wallet, minor=150_000)
    assert (started.state, started.reference) == (State.PENDING, "order-0001") and started.provider_id
    kept = sandbox.payments[started.provider_id]
    assert kept.amount == 1500  # TZS 1,500.00 is sent as 1500 shillings

    called_back = await callback_of(tembo, receiver)
    assert (called_back.state, called_back.reference, called_back.provider_id, called_back.receipt) == (
        State.SUCCEEDED, "order-0001", started.provider_id, started.provider_id)
    queried = await status(tembo, started)
    assert (queried.state, queried.provider_id) == (State.SUCCEEDED, started.provider_id)
    assert receiver.nothing_more()


@pytest.mark.parametrize("index", range(len(FAILURES)))
async def test_each_failure_code_fails_the_collection_at_once_or_in_the_webhook(tembo, receiver, index):
    failure = FAILURES[index]
    started = await collect(tembo, digits=str(10 + index))
    if failure.immediate:
        assert (started.state, started.failure_code) == (State.FAILED, failure.code)
        marker = await collect(tembo, digits="00", reference="marker")
        assert (await callback_of(tembo, receiver)).reference == marker.reference  # no webhook for a refusal
    else:
        assert started.state is State.PENDING
        called_back = await callback_of(tembo, receiver)
        assert (called_back.state, called_back.failure_code) == (State.FAILED, failure.code)
    queried = await status(tembo, started)
    assert (queried.state, queried.failure_code) == (State.FAILED, failure.code)
    assert receiver.nothing_more()


async def test_a_collection_that_times_out_or_answers_500_is_retryable_and_was_not_recorded(http, sandbox, receiver):
    tembo = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("20", "21"):
        with pytest.raises(ProviderUnavailable) as error:
            await collect(tembo, digits=digits, reference=f"order-{digits}")
        assert error.value.retryable
        with pytest.raises(UnknownTransaction):
            await tembo.collection_status(reference=f"order-{digits}")
    assert sandbox.payments == {}


async def test_sending_a_collection_again_is_answered_with_the_first_answer(tembo, sandbox, receiver):
    first = await collect(tembo)
    again = await collect(tembo)  # the same reference: the same x-request-id
    assert again.provider_id == first.provider_id and len(sandbox.payments) == 1
    assert (await callback_of(tembo, receiver)).provider_id == first.provider_id


async def test_a_payment_is_pending_while_the_payer_has_not_answered(http, receiver):
    sandbox = TemboSandbox(answer_s=60)  # as in the server (2 s): the payer enters a PIN first
    await sandbox.start()
    try:
        tembo = make_client(http, sandbox, receiver)
        started = await collect(tembo)
        assert (await status(tembo, started)).state is State.PENDING
        sandbox.complete(started.provider_id)
        assert (await callback_of(tembo, receiver)).state is State.SUCCEEDED
        assert (await status(tembo, started)).state is State.SUCCEEDED
    finally:
        await sandbox.stop()


async def test_a_late_webhook_leaves_the_query_pending_until_it_comes(tembo, sandbox, receiver):
    started = await collect(tembo, digits="22")
    assert (await status(tembo, started)).state is State.PENDING
    sandbox.complete(started.provider_id)
    assert (await callback_of(tembo, receiver)).state is State.SUCCEEDED
    assert (await status(tembo, started)).state is State.SUCCEEDED


async def test_a_webhook_sent_twice_reads_the_same_both_times(tembo, receiver):
    await collect(tembo, digits="23")
    first, second = await callback_of(tembo, receiver), await callback_of(tembo, receiver)
    assert first == second and first.state is State.SUCCEEDED


async def test_a_failure_after_a_success_is_stale_and_the_query_says_accepted(tembo, receiver):
    started = await collect(tembo, digits="24")
    first, second = await callback_of(tembo, receiver), await callback_of(tembo, receiver)
    assert (first.state, second.state) == (State.SUCCEEDED, State.FAILED)
    assert (await status(tembo, started)).state is State.SUCCEEDED


async def test_a_webhook_that_never_comes_is_settled_by_the_query(tembo, sandbox, receiver):
    lost = await collect(tembo, digits="25", reference="lost")
    assert (await status(tembo, lost)).state is State.PENDING
    sandbox.complete(lost.provider_id)
    marker = await collect(tembo, digits="00", reference="marker")
    assert (await callback_of(tembo, receiver)).reference == marker.reference
    assert receiver.nothing_more()
    assert (await status(tembo, lost)).state is State.SUCCEEDED


async def test_a_payment_left_unanswered_stays_pending(tembo, receiver):
    unanswered = await collect(tembo, digits="28", reference="unanswered")
    await collect(tembo, digits="00", reference="marker")
    assert (await callback_of(tembo, receiver)).reference == "marker"
    assert receiver.nothing_more()
    assert (await status(tembo, unanswered)).state is State.PENDING


async def test_a_query_that_answers_500_or_times_out_is_retryable(http, sandbox, receiver):
    tembo = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("26", "27"):
        started = await collect(tembo, digits=digits, reference=f"order-{digits}")
        assert (await callback_of(tembo, receiver)).state is State.SUCCEEDED
        with pytest.raises(ProviderUnavailable):
            await status(tembo, started)


async def test_wallets_tembo_does_not_collect_from_are_refused_before_anything_is_sent(tembo, sandbox):
    with pytest.raises(ProviderRefused, match="not Vodacom"):
        await collect(tembo, wallet=VODACOM)
    with pytest.raises(UnpayableAmount, match="not a whole amount"):
        await collect(tembo, minor=150_050)
    with pytest.raises(UnpayableAmount, match="collects TZS"):
        await tembo.collect(reference="r", msisdn=TIGO + "00", amount=Money(100_000, "KES"), description="x")
    assert sandbox.payments == {}


# webhooks are not signed: only their shape is checked

def test_an_unreadable_webhook_is_refused(tembo):
    for body in (b"not json", b"[]", b'{"statusCode": "PAYMENT_ACCEPTED"}', b'{"transactionRef": "r", "transactionId": "t"}'):
        with pytest.raises(CallbackRejected):
            tembo.read_callback(Kind.COLLECTION, headers={}, body=body)


# the sandbox refuses what TemboPlus refuses

async def test_bad_credentials_and_malformed_requests_are_refused(http, sandbox, receiver, tembo):
    with pytest.raises(ProviderRefused, match="INVALID_CREDENTIALS") as refused:
        await collect(make_client(http, sandbox, receiver, secret_key="wrong"))
    assert refused.value.code == "INVALID_CREDENTIALS" and not refused.value.retryable

    url = sandbox.settings()["tembo_base_url"] + "/collection"
    headers = {"x-account-id": sandbox.account_id, "x-secret-key": sandbox.secret_key, "x-request-id": str(uuid.uuid4())}
    good = {"channel": "TZ-TIGO-C2B", "msisdn": "255712345600", "amount": 1000, "transactionRef": "raw-1",
            "narration": "x", "transactionDate": "2026-12-01T10:00:00Z", "callbackUrl": f"{receiver.base}/tembo/x/collection"}
    for change, reason in [({"channel": "TZ-AIRTEL-C2B"}, "is not a TZ-AIRTEL-C2B number"), ({"amount": 10.5}, "amount"),
                           ({"msisdn": ""}, "msisdn")]:
        answer = await http.post(url, json={**good, **change}, headers={**headers, "x-request-id": str(uuid.uuid4())})
        body = await answer.json()
        assert answer.status == 400 and body["reason"] == "VALIDATION_ERROR" and reason in body["message"]
    no_request_id = await http.post(url, json=good, headers={k: v for k, v in headers.items() if k != "x-request-id"})
    assert no_request_id.status == 400
    first = await http.post(url, json=good, headers=headers)
    reused = await http.post(url, json={**good, "amount": 2000}, headers=headers)
    assert first.status == 200 and reused.status == 409
    assert [p.amount for p in sandbox.payments.values()] == [1000]


# payouts

async def payout(tembo, wallet=TIGO, digits="00", reference="payout-0001", amount=Money(5_000_000, "TZS")):
    return await tembo.payout(reference=reference, msisdn=wallet + digits, amount=amount, description="Payout",
                              recipient_name="Asha Juma")


@pytest.mark.parametrize(("wallet", "amount"), [(VODACOM, Money(5_000_000, "TZS")), (AIRTEL, Money(5_000_000, "TZS")),
                                                (SAFARICOM, Money(250_000, "KES"))])
async def test_a_payout_is_called_back_and_the_query_agrees(tembo, sandbox, receiver, wallet, amount):
    started = await payout(tembo, wallet=wallet, amount=amount)
    assert started.state is State.PENDING
    assert sandbox.payments[started.provider_id].amount * 100 == amount.minor
    called_back = await callback_of(tembo, receiver, Kind.PAYOUT)
    assert (called_back.state, called_back.reference, called_back.provider_id) == (
        State.SUCCEEDED, "payout-0001", started.provider_id)
    assert (await status(tembo, started, Kind.PAYOUT)).state is State.SUCCEEDED


async def test_a_payout_fails_with_its_code(tembo, receiver):
    refused = await payout(tembo, digits="11")
    assert (refused.state, refused.failure_code) == (State.FAILED, "INSUFFICIENT_FUNDS")
    started = await payout(tembo, digits="14", reference="payout-0002")
    called_back = await callback_of(tembo, receiver, Kind.PAYOUT)
    assert (called_back.state, called_back.failure_code, called_back.reference) == (
        State.FAILED, "GENERIC_FAILURE", "payout-0002")
    assert (await status(tembo, started, Kind.PAYOUT)).state is State.FAILED


async def test_a_late_payout_is_pending_until_called_back(tembo, sandbox, receiver):
    started = await payout(tembo, digits="22")
    assert (await status(tembo, started, Kind.PAYOUT)).state is State.PENDING
    sandbox.complete(started.provider_id)
    assert (await callback_of(tembo, receiver, Kind.PAYOUT)).state is State.SUCCEEDED


async def test_a_payout_that_times_out_or_answers_500_is_retryable(http, sandbox, receiver):
    tembo = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("20", "21"):
        with pytest.raises(ProviderUnavailable):
            await payout(tembo, digits=digits)
    assert sandbox.payments == {}


async def test_payouts_tembo_cannot_make_are_refused_before_anything_is_sent(tembo, sandbox):
    with pytest.raises(UnpayableAmount, match="paid in KES"):
        await payout(tembo, wallet=SAFARICOM, amount=Money(5_000_000, "TZS"))
    with pytest.raises(UnpayableAmount, match="not a whole amount"):
        await payout(tembo, amount=Money(5_000_001, "TZS"))
    assert sandbox.payments == {}


# the sandbox inside the server

async def test_the_server_runs_the_sandbox_and_holds_a_client_for_it(make_client, config, receiver):
    client = await make_client(in_process_sandboxes(config, receiver.base))
    tembo = client.app[PLATFORM].payment_providers["tembo"]
    await collect(tembo)
    assert (await callback_of(tembo, receiver)).state is State.SUCCEEDED


async def test_the_sandbox_is_listed_and_hurried_over_http(http, tembo, sandbox, receiver):
    started = await collect(tembo, digits="28", reference="unanswered")
    listing = await (await http.get(f"{sandbox.url}/sandbox/payments", params={"reference": "unanswered"})).json()
    assert [(p["key"], p["state"], p["behaviour"], p["amount"]) for p in listing["payments"]] == [
        (started.provider_id, "pending", "pending for ever", 1500)]
    hurried = await http.post(f"{sandbox.url}/sandbox/payments/{started.provider_id}/complete")
    assert hurried.status == 200
    assert (await callback_of(tembo, receiver)).state is State.SUCCEEDED
    assert (await http.post(f"{sandbox.url}/sandbox/payments/nope/complete")).status == 404
