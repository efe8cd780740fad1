"""Selcom (Tanzania): the real client against the sandbox over HTTP, signed both ways, with an
HTTP server receiving the webhooks, as a payment flow sees them."""
from __future__ import annotations

import datetime

import orjson
import pytest

from nexgate.keys import PLATFORM
from nexgate.providers.mobile_money import (
    CallbackRejected, Kind, Money, ProviderRefused, ProviderUnavailable, State, UnknownTransaction, UnpayableAmount,
)
from nexgate.providers.selcom import SelcomClient, selcom_timestamp, signed_headers
from nexgate.providers.selcom_sandbox import FAILURES, SelcomSandbox
from tests.conftest import eventually
from tests.support.mobile_money import SECRET, in_process_sandboxes
from tests.support.mobile_money import http, receiver, sandbox  # noqa: F401 (fixtures)

WALLET = "+2557123456"  # + the two digits that steer the sandbox (providers/README.md)


def wallet(digits: str) -> str:
    return WALLET + digits
SANDBOX, CLIENT = SelcomSandbox, SelcomClient


def make_client(http, sandbox, receiver, **overrides) -> SelcomClient:
    settings = sandbox.settings()
    options = dict(
        base_url=settings["selcom_base_url"], api_key=settings["selcom_api_key"], api_secret=settings["selcom_api_secret"],
        vendor=settings["selcom_vendor"], pin=settings["selcom_pin"], callback_base=receiver.base, callback_secret=SECRET,
        timeout_s=2,
    )
    return SelcomClient(http, **{**options, **overrides})


@pytest.fixture
def selcom(http, sandbox, receiver) -> SelcomClient:
    return make_client(http, sandbox, receiver)


async def collect(selcom, digits="00", minor=150_000, reference="order-0001"):
    return await selcom.collect(reference=reference, msisdn=wallet(digits), amount=Money(minor, "TZS"),
                                description="Order 1", payer_name="Asha Juma", payer_email="asha@example.com")


async def webhook(receiver):
    arrived = await receiver.next()
    assert (arrived.provider, arrived.secret, arrived.kind) == ("selcom", SECRET, Kind.COLLECTION)
    return arrived


async def callback_of(selcom, receiver):
    arrived = await webhook(receiver)
    return selcom.read_callback(Kind.COLLECTION, headers=arrived.headers, body=arrived.body)


async def status(selcom, reference="order-0001"):
    return await selcom.collection_status(reference=reference)


# collections

async def test_a_collection_is_called_back_signed_with_its_ids_and_the_query_agrees_on_the_amount(selcom, sandbox, receiver):
    started = await collect(selcom, minor=150_000)
    assert (started.state, started.reference, started.provider_id) == (State.PENDING, "order-0001", "order-0001")
    assert sandbox.orders["order-0001"]["fields"]["amount"] == 1500  # TZS 1,500.00 is sent as 1500 shillings

    called_back = await callback_of(selcom, receiver)
    assert (called_back.state, called_back.reference, called_back.provider_id) == (State.SUCCEEDED, "order-0001", "order-0001")
    assert called_back.receipt == sandbox.payments["order-0001"].receipt

    queried = await status(selcom)
    assert (queried.state, queried.amount, queried.receipt) == (State.SUCCEEDED, Money(150_000, "TZS"), called_back.receipt)
    assert receiver.nothing_more()


@pytest.mark.parametrize("index", [i for i, failure in enumerate(FAILURES) if not failure.immediate])
async def test_each_failure_code_fails_the_collection_in_the_webhook_and_the_query(selcom, receiver, index):
    await collect(selcom, digits=str(10 + index))
    called_back = await callback_of(selcom, receiver)
    assert (called_back.state, called_back.failure_code) == (State.FAILED, FAILURES[index].code)
    assert called_back.receipt is None
    assert (await status(selcom)).state is State.FAILED


async def test_a_push_refused_at_once_fails_without_a_webhook(selcom, receiver):
    index = next(i for i, failure in enumerate(FAILURES) if failure.immediate)
    refused = await collect(selcom, digits=str(10 + index), reference="refused")
    assert (refused.state, refused.failure_code, refused.failure_message) == (
        State.FAILED, FAILURES[index].code, FAILURES[index].message)
    await collect(selcom, digits="00", reference="marker")
    assert (await callback_of(selcom, receiver)).reference == "marker"
    assert receiver.nothing_more()
    assert (await status(selcom, "refused")).state is State.FAILED


async def test_a_push_that_times_out_or_answers_500_is_retryable_and_the_order_stays_unpaid(http, sandbox, receiver):
    selcom = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits, reference in (("20", "timed-out"), ("21", "failed")):
        with pytest.raises(ProviderUnavailable) as error:
            await collect(selcom, digits=digits, reference=reference)
        assert error.value.retryable
        assert (await status(selcom, reference)).state is State.PENDING
    assert sandbox.payments == {}


async def test_a_collection_sent_again_stays_one_pending_payment(http, sandbox, receiver, selcom):
    first = await collect(selcom)
    again = await collect(selcom)  # as after a timeout: the order and its push exist already
    assert (again.state, again.provider_id) == (State.PENDING, first.provider_id)
    assert list(sandbox.orders) == list(sandbox.payments) == ["order-0001"]
    assert (await callback_of(selcom, receiver)).state is State.SUCCEEDED


async def test_a_late_webhook_leaves_the_query_pending_until_it_comes(selcom, sandbox, receiver):
    await collect(selcom, digits="22")
    assert (await status(selcom)).state is State.PENDING
    sandbox.complete("order-0001")
    assert (await callback_of(selcom, receiver)).state is State.SUCCEEDED
    assert (await status(selcom)).state is State.SUCCEEDED


async def test_a_webhook_sent_twice_reads_the_same_both_times(selcom, receiver):
    await collect(selcom, digits="23")
    first, second = await callback_of(selcom, receiver), await callback_of(selcom, receiver)
    assert first.state is State.SUCCEEDED and (first.reference, first.receipt) == (second.reference, second.receipt)


async def test_a_failure_after_a_success_is_stale_and_the_query_says_completed(selcom, receiver):
    await collect(selcom, digits="24")
    first, second = await callback_of(selcom, receiver), await callback_of(selcom, receiver)
    assert (first.state, second.state) == (State.SUCCEEDED, State.FAILED)
    assert (await status(selcom)).state is State.SUCCEEDED


async def test_a_webhook_that_never_comes_is_settled_by_the_query(selcom, sandbox, receiver):
    await collect(selcom, digits="25", reference="lost")
    assert (await status(selcom, "lost")).state is State.PENDING
    sandbox.complete("lost")
    await collect(selcom, digits="00", reference="marker")
    assert (await callback_of(selcom, receiver)).reference == "marker"
    assert receiver.nothing_more()
    assert (await status(selcom, "lost")).state is State.SUCCEEDED


async def test_a_payment_left_unanswered_stays_pending(selcom, receiver):
    await collect(selcom, digits="28", reference="unanswered")
    await collect(selcom, digits="00", reference="marker")
    assert (await callback_of(selcom, receiver)).reference == "marker"
    assert receiver.nothing_more()
    assert (await status(selcom, "unanswered")).state is State.PENDING


async def test_a_query_that_answers_500_or_times_out_is_retryable(http, sandbox, receiver):
    selcom = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("26", "27"):
        await collect(selcom, digits=digits, reference=f"order-{digits}")
        assert (await callback_of(selcom, receiver)).state is State.SUCCEEDED
        with pytest.raises(ProviderUnavailable):
            await status(selcom, f"order-{digits}")


async def test_the_query_of_an_order_never_made_is_refused(selcom):
    with pytest.raises(UnknownTransaction):
        await status(selcom, "no-such-order")


# the webhook's digest

async def test_a_forged_or_replayed_webhook_is_refused(http, selcom, sandbox, receiver):
    await collect(selcom)
    arrived = await webhook(receiver)
    body = orjson.loads(arrived.body)
    assert arrived.headers["Signed-Fields"] == "transid,order_id,reference,result,resultcode,payment_status"

    tampered = orjson.dumps({**body, "order_id": "another-order"})
    with pytest.raises(CallbackRejected, match="digest does not match"):
        selcom.read_callback(Kind.COLLECTION, headers=arrived.headers, body=tampered)
    forged = signed_headers(sandbox.api_key, "a-guessed-secret", body)
    with pytest.raises(CallbackRejected, match="digest does not match"):
        selcom.read_callback(Kind.COLLECTION, headers=forged, body=arrived.body)
    unsigned = {k: v for k, v in arrived.headers.items() if k != "Digest"}
    with pytest.raises(CallbackRejected):
        selcom.read_callback(Kind.COLLECTION, headers=unsigned, body=arrived.body)
    fewer_fields = signed_headers(sandbox.api_key, sandbox.api_secret, {"order_id": body["order_id"], "result": "SUCCESS"})
    with pytest.raises(CallbackRejected, match="not signed over"):
        selcom.read_callback(Kind.COLLECTION, headers=fewer_fields, body=arrived.body)
    yesterday = selcom_timestamp(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1))
    replayed = signed_headers(sandbox.api_key, sandbox.api_secret, body, stamp=yesterday)
    with pytest.raises(CallbackRejected, match="too long ago"):
        selcom.read_callback(Kind.COLLECTION, headers=replayed, body=arrived.body)
    other_secret = make_client(http, sandbox, receiver, api_secret="another-merchants-secret")
    with pytest.raises(CallbackRejected):
        other_secret.read_callback(Kind.COLLECTION, headers=arrived.headers, body=arrived.body)
    assert selcom.read_callback(Kind.COLLECTION, headers=arrived.headers, body=arrived.body).state is State.SUCCEEDED


def test_an_unreadable_webhook_is_refused(selcom):
    for body in (b"not json", b"[]"):
        with pytest.raises(CallbackRejected):
            selcom.read_callback(Kind.COLLECTION, headers={}, body=body)


# signed requests

async def test_requests_signed_with_another_secret_or_not_at_all_are_refused(http, sandbox, receiver, selcom):
    wrong = make_client(http, sandbox, receiver, api_secret="wrong")
    with pytest.raises(ProviderRefused, match="Invalid Digest") as refused:
        await collect(wrong)
    assert refused.value.code == "401" and not refused.value.retryable
    with pytest.raises(ProviderRefused, match="Invalid API key"):
        await collect(make_client(http, sandbox, receiver, api_key="wrong"))

    fields = {"vendor": sandbox.vendor, "order_id": "x", "buyer_email": "a@b.c", "buyer_name": "A", "buyer_phone": "255712345600",
              "amount": 1000, "currency": "TZS", "no_of_items": 1}
    url = sandbox.settings()["selcom_base_url"] + "/checkout/create-order-minimal"
    partly_signed = signed_headers(sandbox.api_key, sandbox.api_secret, {k: v for k, v in fields.items() if k != "amount"})
    answer = await http.post(url, json=fields, headers=partly_signed)
    assert answer.status == 401 and (await answer.json())["message"] == "Signed-Fields must name every field sent, once"
    stale = signed_headers(sandbox.api_key, sandbox.api_secret, fields,
                           stamp=selcom_timestamp(datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)))
    assert (await http.post(url, json=fields, headers=stale)).status == 401
    missing = {k: v for k, v in fields.items() if k != "buyer_phone"}
    answer = await http.post(url, json=missing, headers=signed_headers(sandbox.api_key, sandbox.api_secret, missing))
    assert answer.status == 400 and "buyer_phone" in (await answer.json())["message"]
    assert sandbox.orders == {}


# amounts

async def test_amounts_selcom_cannot_carry_are_refused_before_anything_is_sent(selcom, sandbox):
    with pytest.raises(UnpayableAmount, match="not a whole amount"):
        await collect(selcom, minor=150_050)
    with pytest.raises(UnpayableAmount, match="KES is not a currency"):
        await selcom.collect(reference="r", msisdn=wallet("00"), amount=Money(100_000, "KES"), description="x")
    assert sandbox.orders == {}


# the hosted checkout page

async def test_a_checkout_page_paid_by_the_payer_is_called_back(http, selcom, receiver):
    checkout = await selcom.create_checkout(
        reference="card-0001", amount=Money(2_500_000, "TZS"), payer_name="Asha", payer_email="asha@example.com",
        payer_msisdn=wallet("00"), redirect_url="https://nexgate.example/paid", cancel_url="https://nexgate.example/cancelled",
    )
    page = await http.get(checkout.url)
    assert page.status == 200 and "Pay 25000 TZS" in await page.text()
    paid = await http.post(checkout.url, data={"action": "pay"}, allow_redirects=False)
    assert paid.status == 303 and paid.headers["Location"] == "https://nexgate.example/paid"
    called_back = await callback_of(selcom, receiver)
    assert (called_back.state, called_back.reference) == (State.SUCCEEDED, "card-0001")
    assert (await status(selcom, "card-0001")).amount == Money(2_500_000, "TZS")


# payouts

async def payout(selcom, digits="00", reference="payout-0001", minor=5_000_000):
    return await selcom.payout(reference=reference, msisdn=wallet(digits), amount=Money(minor, "TZS"), description="Payout")


async def test_a_payout_is_answered_at_once_and_the_query_agrees(selcom, sandbox):
    sent = await payout(selcom)
    assert (sent.state, sent.reference, sent.amount) == (State.SUCCEEDED, "payout-0001", Money(5_000_000, "TZS"))
    [kept] = sandbox.payments.values()
    assert kept.amount == 50_000 and sent.receipt == kept.receipt
    queried = await selcom.payout_status(reference="payout-0001")
    assert (queried.state, queried.receipt) == (State.SUCCEEDED, sent.receipt)


async def test_a_payout_fails_with_its_code_at_once(selcom):
    failed = await payout(selcom, digits="10")
    assert (failed.state, failed.failure_code) == (State.FAILED, FAILURES[0].code)
    assert (await selcom.payout_status(reference="payout-0001")).state is State.FAILED


async def test_a_payout_in_progress_is_settled_by_the_query(selcom, sandbox):
    assert (await payout(selcom, digits="22")).state is State.PENDING
    assert (await selcom.payout_status(reference="payout-0001")).state is State.PENDING
    [key] = sandbox.payments
    sandbox.complete(key)

    async def settled():
        answer = await selcom.payout_status(reference="payout-0001")
        return answer if answer.state is not State.PENDING else None

    assert (await eventually(settled)).state is State.SUCCEEDED


async def test_a_payout_that_times_out_or_answers_500_is_retryable(http, sandbox, receiver):
    selcom = make_client(http, sandbox, receiver, timeout_s=0.5)
    for digits in ("20", "21"):
        with pytest.raises(ProviderUnavailable):
            await payout(selcom, digits=digits)
    with pytest.raises(UnknownTransaction):
        await selcom.payout_status(reference="payout-0001")  # never recorded
    assert sandbox.payments == {}


async def test_a_wrong_pin_fails_the_payout(http, sandbox, receiver):
    failed = await payout(make_client(http, sandbox, receiver, pin="0000"))
    assert (failed.state, failed.failure_code) == (State.FAILED, "403")


# the sandbox inside the server

async def test_the_server_runs_the_sandbox_and_holds_a_client_for_it(make_client, config, receiver):
    config = in_process_sandboxes(config, receiver.base)
    client = await make_client(config)
    selcom = client.app[PLATFORM].payment_providers["selcom"]
    await collect(selcom)
    assert (await callback_of(selcom, receiver)).state is State.SUCCEEDED
