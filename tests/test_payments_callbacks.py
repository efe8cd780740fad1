"""The providers' callbacks through the real app and sandboxes: credited exactly once whatever
the duplicates (a hundred at once), acted on only by the provider's status answer, refused when
forged, flagged for review when they disagree with what was asked, harmless out of order."""
from __future__ import annotations

import asyncio
import dataclasses

import orjson
import pytest

from nexgate.providers.daraja import DarajaClient
from tests.conftest import eventually
from tests.support.auth import register
from tests.support.payment_methods import events
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    SELCOM_PAYER, callback_path, escrow_balance, fundings, method, open_hold, pay, payment, platform,
    provider_transaction_id, sandbox_payment, start_app, user_id,
)

ACCEPTED = orjson.loads(DarajaClient.callback_answer.body)


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes)


async def paying(app, digits: str, **options):
    """A payer, their hold and a payment into it from a number steered by ``digits``."""
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)])
    started = await pay(app, tokens, hold, await method(app, tokens, digits), **options)
    return tokens, hold, started


async def status_of(app, tokens, started) -> str:
    return (await payment(app, tokens, started["id"]))["status"]


async def settled(app, tokens, started, status: str) -> dict:
    await eventually(lambda: _has_status(app, tokens, started, status))
    return await payment(app, tokens, started["id"])


async def _has_status(app, tokens, started, status) -> bool:
    return await status_of(app, tokens, started) == status


async def provider_settled(sandbox, started) -> object:
    found = sandbox_payment(sandbox, started["reference"])
    await eventually(lambda: found.state != "pending")
    return found


async def post_callback(app, provider: str, body: bytes, headers=None, **path):
    response = await app.post(callback_path(provider, **path), data=body,
                              headers={"Content-Type": "application/json", **(headers or {})})
    return response.status, await response.read()


# exactly once

async def test_the_same_callback_twice_credits_once_and_both_get_the_providers_answer(app, sandboxes):
    tokens, hold, started = await paying(app, "23")
    await settled(app, tokens, started, "succeeded")
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    await eventually(lambda: len(sent.callbacks) == 2 and all("status" in c for c in sent.callbacks))
    assert [(c["status"], orjson.loads(c["answer"])) for c in sent.callbacks] == [(200, ACCEPTED)] * 2
    assert len(await fundings(app, hold.id)) == 1 and await escrow_balance(app, hold) == 150_000
    shown = await payment(app, tokens, started["id"])
    assert [s["step"] for s in shown["timeline"]].count("succeeded") == 1
    assert len(await events(app, "payments.payment.succeeded", payment_id=started["id"])) == 1


async def test_a_hundred_concurrent_duplicates_credit_once(app, sandboxes):
    tokens, hold, started = await paying(app, "28")  # pending until the test completes it
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    sandboxes.daraja.complete(sent.key)
    await eventually(lambda: sent.state == "succeeded")
    _, body = sandboxes.daraja.callback(sent, failure=None)
    answers = await asyncio.gather(*(post_callback(app, "daraja", body) for _ in range(100)))
    assert {(status, orjson.loads(answer) == ACCEPTED) for status, answer in answers} == {(200, True)}
    await settled(app, tokens, started, "succeeded")
    await eventually(lambda: sent.callbacks and "status" in sent.callbacks[0])  # the sandbox's own callback too
    assert await escrow_balance(app, hold) == 150_000
    assert len(await fundings(app, hold.id)) == 1
    assert len(await events(app, "payments.payment.succeeded", payment_id=started["id"])) == 1
    assert len(await events(app, "payments.hold.funded", hold_id=str(hold.id))) == 1


# forged

async def test_a_wrong_secret_provider_or_kind_is_404_and_changes_nothing(app, sandboxes):
    tokens, hold, started = await paying(app, "28")
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    sent.state, sent.receipt = "succeeded", "FORGED0001"  # what a forger would claim
    _, body = sandboxes.daraja.callback(sent, failure=None)
    for path in ({"secret": "wrong-secret"}, {"kind": "refund"}, {"secret": ""}):
        assert (await post_callback(app, "daraja", body, **path))[0] == 404
    assert (await post_callback(app, "mtn", body))[0] == 404
    assert (await post_callback(app, "daraja", body, kind="payout"))[0] == 422  # not a payout's shape
    assert await status_of(app, tokens, started) == "pending"
    assert await escrow_balance(app, hold) == 0


async def test_a_callback_the_status_query_does_not_confirm_credits_nothing(app, sandboxes):
    tokens, hold, started = await paying(app, "28")  # the provider says pending
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    forged = dataclasses.replace(sent, state="succeeded", receipt="FORGED0002")
    _, body = sandboxes.daraja.callback(forged, failure=None)
    status, answer = await post_callback(app, "daraja", body)
    assert (status, orjson.loads(answer)) == (200, ACCEPTED)
    shown = await payment(app, tokens, started["id"])
    # The callback's check is on the timeline; a step of the prompt's own may land after it under load.
    assert shown["status"] == "pending" and "checked" in [step["step"] for step in shown["timeline"]]
    assert await escrow_balance(app, hold) == 0


async def test_a_transaction_never_initiated_credits_nothing(app, sandboxes):
    tokens, hold, started = await paying(app, "28")
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    stranger = dataclasses.replace(sent, key="ws_CO_000000000000000000", state="succeeded", receipt="FORGED0003",
                                   extra={**sent.extra})
    _, body = sandboxes.daraja.callback(stranger, failure=None)
    status, answer = await post_callback(app, "daraja", body)
    assert (status, orjson.loads(answer)) == (200, ACCEPTED)
    assert await status_of(app, tokens, started) == "pending" and await escrow_balance(app, hold) == 0
    assert (await post_callback(app, "daraja", b'{"Body": {}}'))[0] == 422


async def test_a_selcom_webhook_with_a_forged_digest_is_refused(app, sandboxes):
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)], currency="TZS", expected=500_000)
    started = await pay(app, tokens, hold, await method(app, tokens, "28", prefix=SELCOM_PAYER), amount=500_000)
    sent = sandbox_payment(sandboxes.selcom, started["reference"])
    headers, body = sandboxes.selcom.callback(dataclasses.replace(sent, receipt="0123456789"), failure=None)
    tampered = body.replace(b"COMPLETED", b"COMPLETEd")
    status, answer = await post_callback(app, "selcom", tampered, headers)
    assert status == 422 and orjson.loads(answer)["error"]["code"] == "callback_rejected"
    assert await status_of(app, tokens, started) == "pending"


async def test_callbacks_from_outside_the_allowed_networks_are_404(make_client, config, sandboxes):
    app = await start_app(make_client, config, sandboxes, payments_callback_allowed_ips=("10.0.0.0/8",))
    tokens, hold, started = await paying(app, "00")
    sent = await provider_settled(sandboxes.daraja, started)
    await eventually(lambda: sent.callbacks and "status" in sent.callbacks[0])
    assert sent.callbacks[0]["status"] == 404
    assert await status_of(app, tokens, started) == "pending" and await escrow_balance(app, hold) == 0


# what was asked, or review

async def test_a_callback_for_another_amount_puts_the_payment_in_review_and_credits_nothing(app, users, sandboxes):
    payer = await users.new(app.server)
    live = await payer.live()
    hold = await open_hold(app, [payer.user_id])
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "25"))  # never called back
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    sandboxes.daraja.complete(sent.key)
    await eventually(lambda: sent.state == "succeeded")
    _, body = sandboxes.daraja.callback(dataclasses.replace(sent, amount=sent.amount - 1), failure=None)
    assert (await post_callback(app, "daraja", body))[0] == 200
    event = await live.next_event(timeout=10)
    assert (event["event"], event["data"]["payment"]["status"]) == ("payments.payment.flagged", "review")
    shown = await payment(app, payer.tokens, started["id"])
    assert "149900 KES" in shown["timeline"][-1]["note"]
    assert await escrow_balance(app, hold) == 0 and await fundings(app, hold.id) == []
    _, body = sandboxes.daraja.callback(sent, failure=None)  # the right amount after: still review
    assert (await post_callback(app, "daraja", body))[0] == 200
    assert await status_of(app, payer.tokens, started) == "review" and await escrow_balance(app, hold) == 0


# out of order, late, unreachable

async def test_a_failure_after_a_success_changes_nothing(app, sandboxes):
    tokens, hold, started = await paying(app, "24")
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    await eventually(lambda: len(sent.callbacks) == 2 and all("status" in c for c in sent.callbacks))
    shown = await payment(app, tokens, started["id"])
    assert shown["status"] == "succeeded" and shown["failure"] is None
    assert await escrow_balance(app, hold) == 150_000
    assert await events(app, "payments.payment.failed", payment_id=started["id"]) == []


async def test_a_late_callback_settles_a_payment_that_waited(app, sandboxes):
    tokens, hold, started = await paying(app, "22")  # called back after the sandbox's late_s
    assert await status_of(app, tokens, started) == "pending"
    await settled(app, tokens, started, "succeeded")
    assert await escrow_balance(app, hold) == 150_000


async def test_a_callback_whose_status_query_fails_leaves_the_payment_to_reconciliation(app, sandboxes):
    tokens, hold, started = await paying(app, "26")  # status queries answer 500
    sent = await provider_settled(sandboxes.daraja, started)
    await eventually(lambda: sent.callbacks and "status" in sent.callbacks[0])
    shown = await payment(app, tokens, started["id"])
    assert shown["status"] == "pending" and "500" in shown["timeline"][-1]["note"]
    assert await escrow_balance(app, hold) == 0


async def test_the_credit_and_its_event_commit_together_with_no_relay_running(make_client, config, sandboxes):
    app = await start_app(make_client, config, sandboxes, workers=())  # RabbitMQ never told
    tokens, hold, started = await paying(app, "00")
    await settled(app, tokens, started, "succeeded")
    assert len(await events(app, "payments.payment.succeeded", payment_id=started["id"])) == 1
    assert await provider_transaction_id(app, started["id"])


async def test_a_callback_that_comes_before_the_initiations_answer_is_settled_when_the_answer_comes(
        app, sandboxes, monkeypatch):
    daraja = platform(app).payment_providers["daraja"]
    collect = daraja.collect

    async def answer_after_the_callback(**request):
        sent = await collect(**request)  # the sandbox calls back at once; its answer to us is held back
        called_back = sandboxes.daraja.payments[sent.provider_id]
        await eventually(lambda: called_back.callbacks and "status" in called_back.callbacks[0])
        return sent

    monkeypatch.setattr(daraja, "collect", answer_after_the_callback)
    tokens, hold, started = await paying(app, "00")
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    assert (sent.callbacks[0]["status"], orjson.loads(sent.callbacks[0]["answer"])) == (200, ACCEPTED)
    assert started["status"] == "succeeded"
    assert await escrow_balance(app, hold) == 150_000


async def test_a_callback_while_rabbitmq_is_down_is_credited_and_told_live_once_it_is_back(
        make_client, config, sandboxes, users, proxy_to):
    proxy, amqp_url = await proxy_to(config.amqp_url)
    app = await start_app(make_client, config, sandboxes, amqp_url=amqp_url)
    payer = await users.new(app.server)
    live = await payer.live()
    hold = await open_hold(app, [payer.user_id])
    await proxy.stop()  # the broker is unreachable from here on
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "22"))  # called back after 1 s

    await eventually(lambda: _status_is(app, payer.tokens, started, "succeeded"), timeout=15)
    assert await escrow_balance(app, hold) == 150_000  # credited without the broker
    async with platform(app).core.connection() as conn:
        unpublished = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE routing_key = 'payments.payment.succeeded' AND published_at IS NULL"
            " AND payload->>'payment_id' = $1", started["id"])
    assert unpublished == 1  # the event waits in the outbox, in the credit's own transaction

    await proxy.start()
    event = await live.next_event(timeout=30)
    assert (event["event"], event["data"]["payment"]["id"]) == ("payments.payment.succeeded", started["id"])
    assert len(await events(app, "payments.payment.succeeded", payment_id=started["id"])) == 1


async def _status_is(app, tokens, started, wanted) -> bool:
    return await status_of(app, tokens, started) == wanted
