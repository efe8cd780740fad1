"""The providers' callbacks through the real app and sandboxes: credited exactly once whatever
the duplicates (a hundred at once), acted on only by the provider's status answer, refused when
forged, flagged for review when they disagree with what was asked, harmless out of order."""
from __future__ import annotations

import asyncio
import dataclasses

import orjson
import pytest

from nexgate.domain.payments import holds, ledger, payments_repository, settlement
from nexgate.domain.payments.ledger import Cause
from nexgate.providers.daraja import DarajaClient
from nexgate.providers.mobile_money import Money
from tests.conftest import eventually
from tests.support.auth import register
from tests.support.payment_methods import events
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    SELCOM_PAYER, callback_path, escrow_balance, fundings, hold_now, method, open_hold, pay, payment, platform,
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


# the credit without locks (settlement._credit_unlocked): read, then written only if unchanged

async def verified_payer(app, sandboxes):
    """A payer and their method, verified by a first payment."""
    tokens = await register(app)
    wallet = await method(app, tokens, "25")  # never called back: the test settles it
    first = await pay(app, tokens, await open_hold(app, [user_id(tokens)]), wallet)
    await completed(sandboxes, first)
    await _credited(app, first)
    return tokens, wallet


async def succeeded_at_the_provider(app, sandboxes, tokens, hold, wallet):
    """A payment into ``hold`` that the provider says succeeded, not yet told to the app, and
    that answer."""
    started = await pay(app, tokens, hold, wallet)
    await completed(sandboxes, started)
    client = platform(app).payment_providers["daraja"]
    async with platform(app).core.connection() as conn:
        stored = await payments_repository.payment_by_reference(conn, provider="daraja", reference=started["reference"])
    return stored, await settlement.ask_provider(client, stored)


async def pending_from_a_verified_method(app, sandboxes):
    """A payment the provider says succeeded from a method a first payment verified, its hold of
    300,000 (half of it) and the provider's answer."""
    tokens, wallet = await verified_payer(app, sandboxes)
    hold = await open_hold(app, [user_id(tokens)], expected=300_000)
    return hold, *await succeeded_at_the_provider(app, sandboxes, tokens, hold, wallet)


async def completed(sandboxes, started) -> None:
    found = sandbox_payment(sandboxes.daraja, started["reference"])
    sandboxes.daraja.complete(found.key)
    await eventually(lambda: found.state == "succeeded")


async def _credited(app, started) -> None:
    client = platform(app).payment_providers["daraja"]
    async with platform(app).core.connection() as conn:
        stored = await payments_repository.payment_by_reference(conn, provider="daraja", reference=started["reference"])
    paid = await settlement.settle(platform(app).core, platform(app).config, client, stored, by=settlement.CALLBACK)
    assert paid.status == "succeeded"


async def write_as_read(app, read, answer):
    """The credit's statement with the versions ``read`` saw."""
    to_fund = holds.ToFund(holds.Hold.from_row(read.hold), read.clearing_account_id, version=read.hold_version)
    async with platform(app).core.connection() as conn:
        return await settlement._credit(conn, read.payment, to_fund, answer.transaction, None, settlement.CALLBACK,
                                        read.now, version=read.version)


async def stored_status(app, payment_id) -> str:
    async with platform(app).core.connection() as conn:
        return await conn.fetchval("SELECT status FROM payments WHERE id = $1", payment_id)


async def test_a_pending_payment_from_a_verified_method_is_credited_without_the_locked_path(
        app, sandboxes, monkeypatch):
    hold, stored, answer = await pending_from_a_verified_method(app, sandboxes)
    database = platform(app).core

    async def no_lock(*_):
        raise AssertionError("the locked path")

    monkeypatch.setattr(payments_repository, "lock_payment_to_settle", no_lock)
    paid = await settlement.apply(database, platform(app).config, stored.id, answer, by=settlement.CALLBACK)
    assert paid.status == "succeeded" and paid.funding_id is not None
    assert [f["amount"] for f in await fundings(app, hold.id)] == [150_000]
    assert await escrow_balance(app, hold) == 150_000
    assert (await hold_now(app, hold.id)).state == "open"  # 150,000 of 300,000
    assert len(await events(app, "payments.payment.succeeded", payment_id=str(stored.id))) == 1
    async with database.connection() as conn:
        assert (await ledger.verify(conn)).ok


async def test_payers_of_one_hold_credited_at_once_are_each_credited_once(app, sandboxes):
    payers = [await verified_payer(app, sandboxes) for _ in range(4)]
    hold = await open_hold(app, [user_id(tokens) for tokens, _ in payers], expected=600_000)
    told = [await succeeded_at_the_provider(app, sandboxes, tokens, hold, wallet) for tokens, wallet in payers]
    database, config = platform(app).core, platform(app).config
    paid = await asyncio.gather(*(settlement.apply(database, config, stored.id, answer, by=settlement.CALLBACK)
                                  for stored, answer in told for _ in range(2)))  # each callback twice
    assert {p.status for p in paid} == {"succeeded"} and len({p.funding_id for p in paid}) == 4
    assert sorted(f["amount"] for f in await fundings(app, hold.id)) == [150_000] * 4
    shown = await hold_now(app, hold.id)
    assert (shown.state, shown.funded_amount) == ("funded", 600_000) and await escrow_balance(app, hold) == 600_000
    async with database.connection() as conn:
        assert (await ledger.verify(conn)).ok


async def test_a_credit_whose_hold_changed_since_its_read_writes_nothing_and_the_next_try_credits(app, sandboxes):
    hold, stored, answer = await pending_from_a_verified_method(app, sandboxes)
    async with platform(app).core.connection() as conn:
        read = await payments_repository.payment_to_credit(conn, stored.id)
    async with platform(app).core.transaction("tests.another_payer") as conn:  # another payer of the hold
        await holds.fund_hold(conn, hold_id=hold.id, amount=150_000, provider="selcom", provider_transaction_id="other",
                              payer_id=None, cause=Cause.operator("tests", "the other half"))
    assert await write_as_read(app, read, answer) is None
    assert [f["provider"] for f in await fundings(app, hold.id)] == ["selcom"]
    assert await stored_status(app, stored.id) == "pending"
    paid = await settlement.apply(platform(app).core, platform(app).config, stored.id, answer, by=settlement.CALLBACK)
    assert paid.status == "succeeded"
    assert sorted(f["provider"] for f in await fundings(app, hold.id)) == ["daraja", "selcom"]
    shown = await hold_now(app, hold.id)
    assert (shown.state, shown.funded_amount) == ("funded", 300_000)
    assert await escrow_balance(app, hold) == 300_000


async def test_a_credit_whose_payment_changed_since_its_read_writes_nothing(app, sandboxes):
    hold, stored, answer = await pending_from_a_verified_method(app, sandboxes)
    async with platform(app).core.connection() as conn:
        read = await payments_repository.payment_to_credit(conn, stored.id)
        await payments_repository.schedule_check(conn, stored.id, read.now)  # the reconciler's lease, meanwhile
    assert await write_as_read(app, read, answer) is None
    assert await fundings(app, hold.id) == [] and await escrow_balance(app, hold) == 0
    assert (await hold_now(app, hold.id)).funded_amount == 0
    assert await events(app, "payments.payment.succeeded", payment_id=str(stored.id)) == []
    assert await stored_status(app, stored.id) == "pending"


async def test_a_credit_from_a_verified_method_of_another_amount_is_flagged_and_credits_nothing(app, sandboxes):
    hold, stored, answer = await pending_from_a_verified_method(app, sandboxes)
    told = dataclasses.replace(answer, transaction=dataclasses.replace(answer.transaction, amount=Money(149_999, "KES")))
    flagged = await settlement.apply(platform(app).core, platform(app).config, stored.id, told, by=settlement.CALLBACK)
    assert flagged.status == "review" and "149999 KES" in flagged.review_reason
    assert await fundings(app, hold.id) == [] and await escrow_balance(app, hold) == 0


async def test_a_success_after_the_payment_expired_is_flagged_even_from_a_verified_method(app, sandboxes):
    hold, stored, answer = await pending_from_a_verified_method(app, sandboxes)
    async with platform(app).core.connection() as conn:
        await payments_repository.settle_payment(conn, stored.id, status="expired")  # as the reconciler does
    flagged = await settlement.apply(platform(app).core, platform(app).config, stored.id, answer, by=settlement.CALLBACK)
    assert flagged.status == "review" and "after it was marked expired" in flagged.review_reason
    assert await fundings(app, hold.id) == [] and await escrow_balance(app, hold) == 0


async def test_a_credit_into_a_hold_released_meanwhile_is_flagged_and_credits_nothing(app, sandboxes):
    hold, stored, answer = await pending_from_a_verified_method(app, sandboxes)
    async with platform(app).core.transaction("tests.released") as conn:
        await holds.fund_hold(conn, hold_id=hold.id, amount=300_000, provider="selcom", provider_transaction_id="all",
                              payer_id=None, cause=Cause.operator("tests", "all of it"))
        await holds.release(conn, hold_id=hold.id, payees=[holds.Payee(stored.payer_id, 300_000)],
                            cause=Cause.operator("tests", "delivered"))
    flagged = await settlement.apply(platform(app).core, platform(app).config, stored.id, answer, by=settlement.CALLBACK)
    assert flagged.status == "review" and "hold_closed" not in flagged.review_reason
    assert "the hold took nothing" in flagged.review_reason
    assert [f["provider"] for f in await fundings(app, hold.id)] == ["selcom"]


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
