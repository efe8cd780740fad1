"""Operators: a payment's full history and the resolution of a payment flagged for review,
through ``python -m nexgate payments show|resolve`` and the admin REST routes, against the real
app and the Daraja sandbox: credited to its hold as a verified callback would, or failed; once."""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from tests import cli
from tests.conftest import eventually
from tests.support.auth import admin
from tests.support.payment_methods import call, events
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.payments_flow import (
    callback_path, escrow_balance, fundings, method, open_hold, pay, payment, platform, sandbox_payment, start_app,
)

ADMIN = "/api/admin/payments"


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes)


async def flagged(app, users, sandboxes):
    """A payer, their hold and a payment into it that the provider confirmed for 1 unit less
    than asked: in review, nothing credited."""
    payer = await users.new(app.server)
    hold = await open_hold(app, [payer.user_id])
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "25"))  # never called back
    sent = sandbox_payment(sandboxes.daraja, started["reference"])
    sandboxes.daraja.complete(sent.key)
    await eventually(lambda: sent.state == "succeeded")
    _, body = sandboxes.daraja.callback(dataclasses.replace(sent, amount=sent.amount - 1), failure=None)
    response = await app.post(callback_path("daraja"), data=body, headers={"Content-Type": "application/json"})
    assert response.status == 200
    await eventually(lambda: _status_is(app, payer, started, "review"))
    return payer, hold, started


async def _status_is(app, payer, started, status) -> bool:
    return (await payment(app, payer.tokens, started["id"]))["status"] == status


def config_of(app):
    return platform(app).config


async def test_the_cli_credits_a_flagged_payment_to_its_hold_with_the_operator_as_its_cause(app, users, sandboxes):
    payer, hold, started = await flagged(app, users, sandboxes)
    code, out, err = await cli.run(config_of(app), "payments", "resolve", started["id"], "--credit",
                                   "--reason", "Safaricom confirmed the full amount", "--operator", "neema")
    assert code == 0, err
    assert "resolved by neema: credit, now succeeded" in out
    assert (await payment(app, payer.tokens, started["id"]))["status"] == "succeeded"
    assert await escrow_balance(app, hold) == 150_000 and len(await fundings(app, hold.id)) == 1
    [resolved] = await events(app, "payments.payment.resolved", payment_id=started["id"])
    assert (resolved["outcome"], resolved["operator"], resolved["status"]) == ("credit", "neema", "succeeded")

    code, out, err = await cli.run(config_of(app), "payments", "show", started["id"])
    assert code == 0, err
    assert "succeeded, 150000 KES" in out and "review: the provider reports 149900 KES" in out
    assert "by operator neema: payment" in out and "resolved" in out
    assert "+150000 KES" in out and "-150000 KES" in out  # the entry's two lines

    code, _, err = await cli.run(config_of(app), "payments", "resolve", started["id"], "--fail",
                                 "--reason", "again", "--operator", "neema")
    assert code == 1 and "is succeeded, not flagged for review" in err
    assert await escrow_balance(app, hold) == 150_000


async def _receipts_requested(app, payer, started) -> list[dict]:
    """The receipt emails requested for the payment, once the payments_live group has handled its
    resolution (the group requests them, after the resolution committed)."""
    async with platform(app).core.connection() as conn:
        [resolved] = await conn.fetch("SELECT id FROM outbox WHERE routing_key = 'payments.payment.resolved'"
                                      " AND payload->>'payment_id' = $1", started["id"])

        async def handled():
            return await conn.fetchval("SELECT true FROM processed_events WHERE consumer = 'payments_live'"
                                       " AND event_id = $1", resolved["id"])
        await eventually(handled)
    requested = await events(app, "notifications.email.requested", template="payment_receipt")
    return [r for r in requested if r["context"]["receipt"]["payment_id"] == started["id"]]


async def test_a_payment_credited_by_an_operator_has_its_receipt_emailed_once_and_a_failed_one_none(
        app, users, sandboxes):
    payer, _, started = await flagged(app, users, sandboxes)
    code, _, err = await cli.run(config_of(app), "payments", "resolve", started["id"], "--credit",
                                 "--reason", "Safaricom confirmed the full amount", "--operator", "neema")
    assert code == 0, err
    [receipt] = await _receipts_requested(app, payer, started)
    assert receipt["to"] == payer.tokens["user"]["email"]
    assert receipt["context"]["receipt"]["amount"]["text"] == "1,500.00 KES"

    payer, _, started = await flagged(app, users, sandboxes)
    code, _, err = await cli.run(config_of(app), "payments", "resolve", started["id"], "--fail",
                                 "--reason", "the payer was charged less", "--operator", "neema")
    assert code == 0, err
    assert await _receipts_requested(app, payer, started) == []


async def test_the_cli_fails_a_flagged_payment_and_refuses_one_not_flagged(app, users, sandboxes):
    payer, hold, started = await flagged(app, users, sandboxes)
    code, out, err = await cli.run(config_of(app), "payments", "resolve", started["id"], "--fail",
                                   "--reason", "the payer was charged less", "--operator", "neema")
    assert code == 0, err
    shown = await payment(app, payer.tokens, started["id"])
    assert shown["status"] == "failed" and shown["timeline"][-1]["step"] == "resolved"
    assert await escrow_balance(app, hold) == 0 and await fundings(app, hold.id) == []

    code, _, err = await cli.run(config_of(app), "payments", "resolve", str(uuid.uuid4()), "--credit",
                                 "--reason", "x", "--operator", "neema")
    assert code == 1 and "No such payment" in err
    code, _, err = await cli.run(config_of(app), "payments", "show", str(uuid.uuid4()))
    assert code == 1 and "no payment, refund or payout" in err


async def test_the_admin_routes_show_and_resolve_a_flagged_payment_once(app, users, sandboxes):
    payer, hold, started = await flagged(app, users, sandboxes)
    operator = await admin(app, users)
    path = f"{ADMIN}/{started['id']}"
    shown = await call(app, "GET", path, operator, 200)
    assert (shown["status"], shown["payer_id"], shown["entries"]) == ("review", str(payer.user_id), [])
    assert "149900 KES" in shown["review_reason"]

    refused = await call(app, "POST", f"{path}/resolve", payer.tokens, 403, json={"outcome": "credit", "reason": "x"})
    assert refused["error"]["code"] == "role_required"
    assert (await call(app, "GET", path, payer.tokens, 403))["error"]["code"] == "role_required"
    assert await escrow_balance(app, hold) == 0

    resolved = await call(app, "POST", f"{path}/resolve", operator, 200,
                          json={"outcome": "credit", "reason": "Safaricom confirmed the full amount"})
    assert resolved["status"] == "succeeded" and resolved["timeline"][-1]["step"] == "resolved"
    [entry] = resolved["entries"]
    assert entry["cause"]["kind"] == "operator" and entry["cause"]["id"] == operator["user"]["username"]
    assert sorted(line["amount"] for line in entry["lines"]) == [-150_000, 150_000]
    assert await escrow_balance(app, hold) == 150_000

    again = await call(app, "POST", f"{path}/resolve", operator, 409, json={"outcome": "fail", "reason": "again"})
    assert (again["error"]["code"], again["error"]["details"]["status"]) == ("payment_not_in_review", "succeeded")
    assert len(await events(app, "payments.payment.resolved", payment_id=started["id"])) == 1


async def test_a_payment_not_flagged_is_409_over_rest(app, users, sandboxes):
    payer = await users.new(app.server)
    hold = await open_hold(app, [payer.user_id])
    started = await pay(app, payer.tokens, hold, await method(app, payer.tokens, "25"))  # pending
    operator = await admin(app, users)
    refused = await call(app, "POST", f"{ADMIN}/{started['id']}/resolve", operator, 409,
                         json={"outcome": "credit", "reason": "looks fine"})
    assert (refused["error"]["code"], refused["error"]["details"]["status"]) == ("payment_not_in_review", "pending")
    bad = await call(app, "POST", f"{ADMIN}/{started['id']}/resolve", operator, 422,
                     json={"outcome": "refund", "reason": "x"})
    assert "outcome" in str(bad)
    assert await escrow_balance(app, hold) == 0
