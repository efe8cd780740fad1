"""Daraja (M-Pesa Kenya): the real client against the sandbox over HTTP, with an HTTP server
receiving the callbacks, as a payment flow sees them."""
from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from nexgate.app import create_app
from nexgate.keys import PLATFORM
from nexgate.platform import DependencyUnavailable

from nexgate.providers.daraja import DarajaClient
from nexgate.providers.daraja_sandbox import FAILURES, DarajaSandbox
from nexgate.providers.mobile_money import (
    CallbackRejected, Kind, Money, ProviderRefused, ProviderUnavailable, State, UnpayableAmount,
)
from tests.support.mobile_money import SECRET, in_process_sandboxes
from tests.support.mobile_money import http, receiver, sandbox  # noqa: F401 (fixtures)

PAYER = "+2547083741"  # + the two digits that steer the sandbox (providers/README.md)


def payer(digits: str) -> str:
    return PAYER + digits
SANDBOX, CLIENT = DarajaSandbox, DarajaClient


def make_client(http, sandbox, receiver, **overrides) -> DarajaClient:
    settings = sandbox.settings()
    with open(settings["daraja_certificate"], "rb") as file:
        certificate = file.read()
    options = dict(
        base_url=sandbox.url, consumer_key=settings["daraja_consumer_key"],
        consumer_secret=settings["daraja_consumer_secret"], shortcode=settings["daraja_shortcode"],
        passkey=settings["daraja_passkey"], b2c_shortcode=settings["daraja_b2c_shortcode"],
        initiator_name=settings["daraja_initiator_name"], initiator_password=settings["daraja_initiator_password"],
        certificate_pem=certificate, callback_base=receiver.base, callback_secret=SECRET, timeout_s=2,
    )
    return DarajaClient(http, **{**options, **overrides})


@pytest.fixture
def daraja(http, sandbox, receiver) -> DarajaClient:
    return make_client(http, sandbox, receiver)


async def collect(daraja, digits="00", minor=150_000, reference="order-0001"):
    return await daraja.collect(reference=reference, msisdn=payer(digits), amount=Money(minor, "KES"), description="Order 1")


async def callback_of(daraja, receiver, kind=Kind.COLLECTION):
    arrived = await receiver.next()
    assert (arrived.provider, arrived.secret, arrived.kind) == ("daraja", SECRET, kind)
    return daraja.read_callback(kind, headers=arrived.headers, body=arrived.body)


# collections

async def test_a_collection_is_called_back_with_its_amount_and_ids_and_the_query_agrees(daraja, sandbox, receiver):
    started = await collect(daraja, minor=150_000)
    assert started.state is State.PENDING and started.provider_id.startswith("ws_CO_")
    assert sandbox.payments[started.provider_id].amount == 1500  # KES 1,500.00 is sent as 1500 shillings

    called_back = await callback_of(daraja, receiver)
    assert called_back.state is State.SUCCEEDED
    assert called_back.provider_id == started.provider_id
    assert called_back.amount == Money(150_000, "KES")
    assert called_back.receipt == sandbox.payments[started.provider_id].receipt and len(called_back.receipt) == 10

    status = await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)
    assert (status.state, status.reference, status.provider_id) == (State.SUCCEEDED, "order-0001", started.provider_id)
    assert receiver.nothing_more()


@pytest.mark.parametrize("index", range(len(FAILURES)))
async def test_each_result_code_fails_the_collection_in_the_callback_and_the_query(daraja, receiver, index):
    failure = FAILURES[index]
    started = await collect(daraja, digits=str(10 + index))
    assert started.state is State.PENDING

    called_back = await callback_of(daraja, receiver)
    assert (called_back.state, called_back.failure_code, called_back.failure_message) == (
        State.FAILED, failure.code, failure.message)
    assert called_back.amount is None and called_back.receipt is None

    status = await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)
    assert (status.state, status.failure_code) == (State.FAILED, failure.code)


async def test_a_push_that_times_out_or_answers_500_is_retryable_and_nothing_was_started(http, sandbox, receiver):
    daraja = make_client(http, sandbox, receiver, timeout_s=0.5)
    with pytest.raises(ProviderUnavailable, match="timed out") as timed_out:
        await collect(daraja, digits="20")
    with pytest.raises(ProviderUnavailable, match="500") as failed:
        await collect(daraja, digits="21")
    assert timed_out.value.retryable and failed.value.retryable
    assert sandbox.payments == {}


async def test_a_late_callback_leaves_the_query_pending_until_it_comes(daraja, sandbox, receiver):
    started = await collect(daraja, digits="22")
    status = await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)
    assert status.state is State.PENDING
    assert receiver.nothing_more()

    sandbox.complete(started.provider_id)  # the payer answers now rather than in late_s
    called_back = await callback_of(daraja, receiver)
    assert (called_back.state, called_back.provider_id) == (State.SUCCEEDED, started.provider_id)
    status = await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)
    assert status.state is State.SUCCEEDED


async def test_a_late_callback_comes_by_itself_after_the_delay(http, receiver):
    sandbox = DarajaSandbox(late_s=0.2)
    await sandbox.start()
    try:
        started = await collect(make_client(http, sandbox, receiver), digits="22")
        called_back = await callback_of(make_client(http, sandbox, receiver), receiver)
        assert (called_back.state, called_back.provider_id) == (State.SUCCEEDED, started.provider_id)
    finally:
        await sandbox.stop()


async def test_a_callback_sent_twice_reads_the_same_both_times(daraja, receiver):
    started = await collect(daraja, digits="23")
    first, second = await callback_of(daraja, receiver), await callback_of(daraja, receiver)
    assert first == second and first.state is State.SUCCEEDED and first.provider_id == started.provider_id


async def test_a_failure_after_a_success_is_stale_and_the_query_says_succeeded(daraja, receiver):
    started = await collect(daraja, digits="24")
    first, second = await callback_of(daraja, receiver), await callback_of(daraja, receiver)
    assert (first.state, second.state) == (State.SUCCEEDED, State.FAILED)
    assert first.provider_id == second.provider_id == started.provider_id
    status = await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)
    assert status.state is State.SUCCEEDED


async def test_a_callback_that_never_comes_is_settled_by_the_query(daraja, sandbox, receiver):
    lost = await collect(daraja, digits="25", reference="lost")
    assert (await daraja.collection_status(reference="lost", provider_id=lost.provider_id)).state is State.PENDING
    sandbox.complete(lost.provider_id)  # the payment completes at Safaricom, its callback is lost

    marker = await collect(daraja, digits="00", reference="marker")  # called back after the lost one settled
    assert (await callback_of(daraja, receiver)).provider_id == marker.provider_id
    assert receiver.nothing_more()
    status = await daraja.collection_status(reference="lost", provider_id=lost.provider_id)
    assert status.state is State.SUCCEEDED
    assert sandbox.payments[lost.provider_id].callbacks == []


async def test_a_query_that_answers_500_or_times_out_is_retryable(http, sandbox, receiver):
    daraja = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("26", "27"):
        started = await collect(daraja, digits=digits)
        assert (await callback_of(daraja, receiver)).state is State.SUCCEEDED
        with pytest.raises(ProviderUnavailable):
            await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)


async def test_a_payment_left_unanswered_stays_pending(daraja, sandbox, receiver):
    started = await collect(daraja, digits="28")
    marker = await collect(daraja, digits="01", reference="marker")
    assert (await callback_of(daraja, receiver)).provider_id == marker.provider_id
    assert receiver.nothing_more()
    assert (await daraja.collection_status(reference="order-0001", provider_id=started.provider_id)).state is State.PENDING


# amounts

async def test_amounts_daraja_cannot_carry_are_refused_before_anything_is_sent(daraja, sandbox):
    with pytest.raises(UnpayableAmount, match="not a whole amount"):
        await collect(daraja, minor=150_050)  # KES 1,500.50: M-Pesa takes whole shillings
    with pytest.raises(UnpayableAmount, match="positive"):
        await collect(daraja, minor=0)
    with pytest.raises(UnpayableAmount, match="TZS is not a currency"):
        await daraja.collect(reference="r", msisdn=payer("00"), amount=Money(100_000, "TZS"), description="x")
    with pytest.raises(TypeError):
        Money(1500.0, "KES")  # type: ignore[arg-type]
    assert sandbox.payments == {}


# payouts

async def test_a_b2c_payout_is_called_back_with_our_reference_amount_and_receipt(daraja, sandbox, receiver):
    started = await daraja.payout(reference="payout-0001", msisdn=payer("00"), amount=Money(25_000, "KES"),
                                  description="Seller payout")
    assert started.state is State.PENDING and started.provider_id.startswith("AG_")
    assert sandbox.payments[started.provider_id].amount == 250

    called_back = await callback_of(daraja, receiver, Kind.PAYOUT)
    assert (called_back.state, called_back.reference, called_back.provider_id) == (
        State.SUCCEEDED, "payout-0001", started.provider_id)
    assert called_back.amount == Money(25_000, "KES") and called_back.receipt
    kept = json.loads(called_back.raw_json())  # for the audit trail: exact, no float on the way
    funds = {p["Key"]: p.get("Value") for p in kept["ResultParameters"]["ResultParameter"]}
    assert funds["B2CUtilityAccountAvailableFunds"] == "10116.0" and funds["TransactionAmount"] == 250


async def test_a_b2c_payout_fails_with_its_result_code(daraja, receiver):
    await daraja.payout(reference="payout-0002", msisdn=payer("10"), amount=Money(25_000, "KES"), description="x")
    called_back = await callback_of(daraja, receiver, Kind.PAYOUT)
    assert (called_back.state, called_back.failure_code, called_back.reference) == (State.FAILED, "1", "payout-0002")


async def test_a_wrong_initiator_password_fails_the_payout_with_2001(http, sandbox, receiver):
    daraja = make_client(http, sandbox, receiver, initiator_password="not-the-password")
    await daraja.payout(reference="payout-0003", msisdn=payer("00"), amount=Money(25_000, "KES"), description="x")
    called_back = await callback_of(daraja, receiver, Kind.PAYOUT)
    assert (called_back.state, called_back.failure_code) == (State.FAILED, "2001")


async def test_a_payout_that_times_out_or_answers_500_is_retryable(http, sandbox, receiver):
    daraja = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("20", "21"):
        with pytest.raises(ProviderUnavailable):
            await daraja.payout(reference="p", msisdn=payer(digits), amount=Money(25_000, "KES"), description="x")
    assert sandbox.payments == {}


async def b2c(daraja, digits="00", reference="payout-0001"):
    return await daraja.payout(reference=reference, msisdn=payer(digits), amount=Money(25_000, "KES"), description="x")


async def test_the_payout_status_is_answered_by_callback_and_agrees_with_the_result(daraja, receiver):
    started = await b2c(daraja)
    result = await callback_of(daraja, receiver, Kind.PAYOUT)
    asked = await daraja.payout_status(reference="payout-0001", provider_id=started.provider_id)
    assert (asked.state, asked.reference) == (State.PENDING, "payout-0001")  # the answer comes by callback
    answer = await callback_of(daraja, receiver, Kind.PAYOUT)
    assert (answer.state, answer.reference, answer.receipt, answer.amount) == (
        State.SUCCEEDED, "payout-0001", result.receipt, Money(25_000, "KES"))


async def test_the_payout_status_of_a_late_failed_or_unknown_payout(daraja, sandbox, receiver):
    late = await b2c(daraja, digits="22", reference="late")
    await daraja.payout_status(reference="late")
    assert (await callback_of(daraja, receiver, Kind.PAYOUT)).state is State.PENDING
    sandbox.complete(late.provider_id)
    settled = await callback_of(daraja, receiver, Kind.PAYOUT)
    assert (settled.state, settled.reference) == (State.SUCCEEDED, "late")

    await b2c(daraja, digits="10", reference="failed")
    assert (await callback_of(daraja, receiver, Kind.PAYOUT)).state is State.FAILED
    await daraja.payout_status(reference="failed")
    answer = await callback_of(daraja, receiver, Kind.PAYOUT)
    assert (answer.state, answer.reference, answer.failure_code) == (State.FAILED, "failed", "failed")

    await daraja.payout_status(reference="never-sent")
    answer = await callback_of(daraja, receiver, Kind.PAYOUT)  # the query failed: nothing is learnt
    assert (answer.state, answer.reference, answer.failure_code) == (State.PENDING, "never-sent", None)


async def test_a_payout_status_query_that_answers_500_is_retryable(daraja, receiver):
    await b2c(daraja, digits="26")
    assert (await callback_of(daraja, receiver, Kind.PAYOUT)).state is State.SUCCEEDED
    with pytest.raises(ProviderUnavailable):
        await daraja.payout_status(reference="payout-0001")


# authentication and malformed requests

async def test_wrong_consumer_credentials_are_refused(http, sandbox, receiver):
    daraja = make_client(http, sandbox, receiver, consumer_secret="wrong")
    with pytest.raises(ProviderRefused, match="OAuth") as refused:
        await collect(daraja)
    assert not refused.value.retryable and refused.value.code == "400.008.01"


async def test_an_expired_token_is_renewed_once(daraja, sandbox, receiver):
    await collect(daraja)
    await receiver.next()
    sandbox.tokens.clear()  # every token Daraja issued has expired
    started = await collect(daraja)
    assert started.state is State.PENDING and len(sandbox.tokens) == 1


async def test_the_sandbox_refuses_what_daraja_refuses(http, sandbox, daraja):
    url = f"{sandbox.url}/mpesa/stkpush/v1/processrequest"
    no_token = await http.post(url, json={})
    assert no_token.status == 401 and (await no_token.json())["errorCode"] == "404.001.03"

    token = await daraja._bearer()
    good = {
        "BusinessShortCode": 174379, "Password": base64.b64encode(b"174379sandbox-passkey20261201120000").decode(),
        "Timestamp": "20261201120000", "TransactionType": "CustomerPayBillOnline", "Amount": 1, "PartyA": 254708374100,
        "PartyB": 174379, "PhoneNumber": 254708374100, "CallBackURL": "https://example.com/cb",
        "AccountReference": "Order1", "TransactionDesc": "Order 1",
    }
    for field, bad in [("Password", base64.b64encode(b"wrong").decode()), ("Amount", 1.5), ("PhoneNumber", 712345678),
                       ("AccountReference", "much-longer-than-12"), ("TransactionType", "Other"), ("CallBackURL", "")]:
        answer = await http.post(url, json={**good, field: bad}, headers={"Authorization": f"Bearer {token}"})
        body = await answer.json()
        assert answer.status == 400 and body == {**body, "errorCode": "400.002.02",
                                                 "errorMessage": f"Bad Request - Invalid {field}"}
    accepted = await http.post(url, json=good, headers={"Authorization": f"Bearer {token}"})
    assert accepted.status == 200 and (await accepted.json())["ResponseCode"] == "0"


def test_an_unreadable_callback_is_rejected(daraja):
    for body in (b"not json", b'{"Body": {}}', b'{"Body": {"stkCallback": {"ResultCode": 0}}}'):
        with pytest.raises(CallbackRejected):
            daraja.read_callback(Kind.COLLECTION, headers={}, body=body)
    with pytest.raises(CallbackRejected):
        daraja.read_callback(Kind.PAYOUT, headers={}, body=b'{"Body": {"stkCallback": {}}}')


# the sandbox inside the server (NEXGATE_PAYMENTS_SANDBOX, as scripts/run sets it)

async def test_the_server_runs_the_sandbox_and_holds_a_client_for_it(make_client, config, receiver):
    config = in_process_sandboxes(config, receiver.base)
    client = await make_client(config)
    daraja = client.app[PLATFORM].payment_providers["daraja"]
    started = await collect(daraja)
    called_back = await callback_of(daraja, receiver)
    assert (called_back.state, called_back.provider_id) == (State.SUCCEEDED, started.provider_id)
    assert daraja.verify_callback_secret(SECRET) and not daraja.verify_callback_secret("guess")


async def test_an_in_process_sandbox_on_a_taken_port_is_a_one_line_start_up_error(aiohttp_client, config, sandbox):
    config = dataclasses.replace(config, payments_sandbox=True, daraja_base_url=sandbox.url)
    with pytest.raises(DependencyUnavailable, match=f"daraja sandbox cannot listen on 127.0.0.1:{sandbox.port}"):
        await aiohttp_client(create_app(config))
