"""Reconciliation through the real app and sandboxes: payments still pending when their check
is due are settled from the provider's status answer (a callback that never came, a prompt whose
initiation timed out), expired past their age, checked with backoff, never twice at once; by the
worker inside the server and by ``python -m nexgate payments reconcile``."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest

from nexgate.domain.payments.reconcile import reconcile_due
from tests import cli
from tests.conftest import eventually
from tests.support.auth import register
from tests.support.payment_methods import events
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    DARAJA_PAYER, SELCOM_PAYER, TEMBO_PAYER, WORKERS, escrow_balance, fundings, method, open_hold, pay, payment, platform,
    sandbox_payment, start_app, user_id,
)

QUICK = {"payments_reconcile_after_s": 1, "payments_reconcile_backoff_max_s": 1}


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes, **QUICK, payments_expire_after_s=3600)


@pytest.fixture
async def expiring_app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes, **QUICK, payments_expire_after_s=2)


async def a_pass(app) -> list:
    p = platform(app)
    return await reconcile_due(p.core, p.config, p.payment_providers)


async def reconciled(app, tokens, payment_id, status: str, timeout: float = 15) -> dict:
    """Run passes until the payment's status is ``status``; the payment as then shown."""
    async def done():
        await a_pass(app)
        return (await payment(app, tokens, payment_id))["status"] == status
    await eventually(done, timeout=timeout, interval=0.2)
    return await payment(app, tokens, payment_id)


async def paying(app, digits: str, prefix=None, currency="KES", amount=150_000):
    tokens = await register(app)
    hold = await open_hold(app, [user_id(tokens)], currency=currency, expected=amount)
    phone = await method(app, tokens, digits, **({"prefix": prefix} if prefix else {}))
    return tokens, hold, await pay(app, tokens, hold, phone, amount=amount)


@pytest.mark.parametrize("prefix, currency, amount", [
    (DARAJA_PAYER, "KES", 150_000), (SELCOM_PAYER, "TZS", 500_000), (TEMBO_PAYER, "TZS", 500_000)])
async def test_a_callback_that_never_comes_is_settled_from_the_status_query(app, users, prefix, currency, amount):
    payer = await users.new(app.server)
    live = await payer.live()
    hold = await open_hold(app, [payer.user_id], currency=currency, expected=amount)
    phone = await method(app, payer.tokens, "25", prefix=prefix)  # no callback, ever
    started = await pay(app, payer.tokens, hold, phone, amount=amount)
    shown = await reconciled(app, payer.tokens, started["id"], "succeeded")
    assert shown["receipt"] is None or shown["receipt"]
    assert "reconciliation" in shown["timeline"][-1]["note"]
    assert (await live.next_event(timeout=10))["event"] == "payments.payment.succeeded"
    assert await escrow_balance(app, hold) == amount


async def test_a_selcom_payment_pending_at_first_is_checked_again_with_backoff_then_settled(app, sandboxes):
    tokens, hold, started = await paying(app, "25", prefix=SELCOM_PAYER, currency="TZS", amount=500_000)
    sent = sandbox_payment(sandboxes.selcom, started["reference"])
    async with platform(app).core.connection() as conn:
        await conn.execute("UPDATE payments SET next_check_at = now() WHERE id = $1", uuid.UUID(started["id"]))
    checked = await a_pass(app)
    assert [c.after.status for c in checked if str(c.after.id) == started["id"]] == ["pending"]
    after_first = [c.after for c in checked if str(c.after.id) == started["id"]][0]
    assert after_first.checks == 1
    assert after_first.next_check_at > datetime.datetime.now(datetime.UTC)
    sandboxes.selcom.complete(sent.key)
    await reconciled(app, tokens, started["id"], "succeeded")
    assert await escrow_balance(app, hold) == 500_000


async def test_a_prompt_whose_initiation_timed_out_expires_when_the_provider_never_had_it(expiring_app):
    app = expiring_app
    tokens, hold, started = await paying(app, "20")
    assert started["prompt"] == "unconfirmed"
    shown = await reconciled(app, tokens, started["id"], "expired")
    assert shown["message"] == "The payment was not confirmed in time; nothing was taken."
    assert len(await events(app, "payments.payment.expired", payment_id=started["id"])) == 1
    assert await escrow_balance(app, hold) == 0


async def test_a_selcom_initiation_that_timed_out_is_asked_about_by_our_reference_and_expires(expiring_app):
    app = expiring_app
    tokens, hold, started = await paying(app, "20", prefix=SELCOM_PAYER, currency="TZS", amount=500_000)
    shown = await reconciled(app, tokens, started["id"], "expired")
    assert shown["timeline"][-1]["note"].startswith("selcom: still pending")  # asked by our reference


async def test_a_success_after_expiry_is_flagged_for_review(expiring_app, sandboxes):
    app = expiring_app
    tokens, hold, started = await paying(app, "28")  # pending for ever
    await reconciled(app, tokens, started["id"], "expired")
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    sandboxes.daraja.complete(sent.key)  # the payer approves after all: the callback comes
    await eventually(lambda: sent.callbacks and "status" in sent.callbacks[0])
    shown = await payment(app, tokens, started["id"])
    assert shown["status"] == "review" and "after it was marked expired" in shown["timeline"][-1]["note"]
    assert await escrow_balance(app, hold) == 0


async def test_two_reconcilers_at_once_settle_each_payment_once(app, sandboxes):
    made = [await paying(app, "25") for _ in range(4)]
    for _, _, started in made:
        sandboxes.daraja.complete(sandbox_payment(sandboxes.daraja, started["reference"]).key)
    async with platform(app).core.connection() as conn:
        await conn.execute("UPDATE payments SET next_check_at = now() WHERE status = 'pending'")
    first, second = await asyncio.gather(a_pass(app), a_pass(app))
    ids = [str(c.before.id) for c in first + second]
    assert len(ids) == len(set(ids))
    for tokens, hold, started in made:
        await reconciled(app, tokens, started["id"], "succeeded")
        assert len(await fundings(app, hold.id)) == 1 and await escrow_balance(app, hold) == 150_000


async def test_the_workers_inside_the_server_settle_what_no_callback_told_and_chain_its_credit(
        make_client, config, sandboxes):
    app = await start_app(make_client, config, sandboxes,
                          workers=(*WORKERS, "payments-reconciler", "payments-ledger-chain"), **QUICK,
                          payments_reconcile_poll_ms=50, payments_chain_poll_ms=50)
    tokens, hold, started = await paying(app, "25")

    async def succeeded():
        return (await payment(app, tokens, started["id"]))["status"] == "succeeded"
    await eventually(succeeded, timeout=15)
    assert await escrow_balance(app, hold) == 150_000

    async def credit_chained():  # by the chainer, not by a verification
        async with platform(app).core.connection() as conn:
            return await conn.fetchval("SELECT EXISTS (SELECT 1 FROM payment_hold_fundings f JOIN ledger_chain c"
                                       " ON c.entry_id = f.entry_id WHERE f.hold_id = $1)", hold.id)
    await eventually(credit_chained, timeout=15)


async def test_python_m_nexgate_payments_reconcile_prints_what_it_settled(app):
    tokens, hold, started = await paying(app, "25")
    async with platform(app).core.connection() as conn:
        await conn.execute("UPDATE payments SET next_check_at = now() WHERE id = $1", uuid.UUID(started["id"]))
    await eventually(lambda: _provider_succeeded(app, started), timeout=10)
    code, out, err = await cli.run(platform(app).config, "payments", "reconcile")
    assert code == 0, err
    assert f"{started['id']} daraja {started['reference']} 150000 KES: settled succeeded" in out
    assert "settled 1" in next(line for line in out.splitlines() if line.startswith("asked about"))
    assert (await payment(app, tokens, started["id"]))["status"] == "succeeded"


async def _provider_succeeded(app, started) -> bool:
    from nexgate.domain.payments.settlement import ask_provider
    from nexgate.domain.payments import payments_repository

    async with platform(app).core.connection() as conn:
        row = await payments_repository.payment(conn, uuid.UUID(started["id"]))
    answer = await ask_provider(platform(app).payment_providers["daraja"], row)
    return answer.transaction is not None and answer.transaction.state.value == "succeeded"
