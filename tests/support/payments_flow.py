"""The payment flow as a payer's app drives it: the real app listening on a port known to the
Daraja and Selcom sandboxes (run beside it, so a test can steer and inspect them), which call it
back; holds opened as commerce would open them; and the REST calls of a paying app."""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from nexgate.domain.payments import holds, payments
from nexgate.domain.payments.ledger import Cause
from nexgate.keys import PLATFORM
from nexgate.providers.daraja_sandbox import DarajaSandbox
from nexgate.providers.selcom_sandbox import SelcomSandbox
from nexgate.providers.tembo_sandbox import TemboSandbox
from tests import cli
from tests.support.mobile_money import SECRET
from tests.support.payment_methods import add, call

DARAJA_PAYER = "+2547083741"  # + the two digits that steer the sandbox (providers/README.md)
SELCOM_PAYER = "+2557543210"  # a Vodacom number: Selcom by the default routing
TEMBO_PAYER = "+2557123456"  # a Tigo (Mixx by Yas) number: TemboPlus by the default routing
PAYMENTS = "/api/payments"
WORKERS = ("outbox-relay", "payments_live")
LATE_S = 1  # the sandboxes' late and never-called-back payments settle after this


@dataclasses.dataclass
class Sandboxes:
    daraja: DarajaSandbox
    selcom: SelcomSandbox
    tembo: TemboSandbox

    def all(self):
        return (self.daraja, self.selcom, self.tembo)

    async def start(self) -> None:
        for sandbox in self.all():
            await sandbox.start()

    async def stop(self) -> None:
        for sandbox in self.all():
            await sandbox.stop()


def new_sandboxes() -> Sandboxes:
    return Sandboxes(*(kind(late_s=LATE_S, hold_s=5) for kind in (DarajaSandbox, SelcomSandbox, TemboSandbox)))


@pytest.fixture
async def sandboxes():
    """The Daraja and Selcom sandboxes, on free ports, for one test."""
    running = new_sandboxes()
    await running.start()
    yield running
    await running.stop()


def flow_config(config, sandboxes: Sandboxes, port: int, **overrides):
    """``config`` pointing at the sandboxes, called back on ``port``; reconciliation waits for the
    test to run it unless the test says otherwise."""
    settings: dict = dict(
        payments_callback_url=f"http://127.0.0.1:{port}/api/payments/callbacks",
        daraja_callback_secret=SECRET, selcom_callback_secret=SECRET, tembo_callback_secret=SECRET,
        payments_provider_timeout_s=1, payments_reconcile_after_s=3600, payments_expire_after_s=3600)
    for sandbox in sandboxes.all():
        settings.update(sandbox.settings())
    return dataclasses.replace(config, **{**settings, **overrides})


async def start_app(make_client, config, sandboxes: Sandboxes, workers=WORKERS, **overrides):
    listening = cli.listening_socket()
    port = listening.getsockname()[1]
    return await make_client(flow_config(config, sandboxes, port, **overrides), worker_names=workers, listening=listening)


def platform(client):
    return client.app[PLATFORM]


async def open_hold(client, payer_ids, *, currency="KES", expected=150_000) -> holds.Hold:
    """A hold as commerce opens one for an order, that ``payer_ids`` may pay into."""
    async with platform(client).core.transaction("tests.open_hold") as conn:
        hold = await holds.open_hold(conn, payable_kind="commerce.order", payable_id=uuid.uuid4(), currency=currency,
                                     expected_amount=expected, cause=Cause.operator("tests", "an order to pay"))
        for payer_id in payer_ids:
            await payments.allow_payer(conn, hold_id=hold.id, user_id=payer_id)
    return hold


async def hold_now(client, hold_id) -> holds.Hold:
    async with platform(client).core.connection() as conn:
        return await holds.get_hold(conn, hold_id=hold_id)


async def method(client, tokens, digits: str, *, prefix: str = DARAJA_PAYER) -> dict:
    """A payment method of the payer on a number the sandbox treats as ``digits`` says."""
    return await add(client, tokens, prefix + digits)


async def pay(client, tokens, hold, method_row, *, amount=150_000, currency=None, expect=202, key=None,
              **fields) -> dict:
    """``POST /api/payments`` as an app sends it, with a new Idempotency-Key unless given one."""
    body = {"hold_id": str(hold.id), "amount": amount, "currency": currency or hold.currency,
            "method_id": method_row["id"], **fields}
    return await call(client, "POST", PAYMENTS, tokens, expect, json=body,
                      headers={"Idempotency-Key": key or str(uuid.uuid4())})


async def payment(client, tokens, payment_id, expect=200) -> dict:
    return await call(client, "GET", f"{PAYMENTS}/{payment_id}", tokens, expect)


def sandbox_payment(sandbox, reference: str):
    """What the sandbox holds for our reference."""
    found = [p for p in sandbox.payments.values() if p.reference == reference or p.reference == reference[:12]]
    assert len(found) == 1, found
    return found[0]


def user_id(tokens) -> uuid.UUID:
    return uuid.UUID(tokens["user"]["id"])


async def provider_transaction_id(client, payment_id) -> str:
    async with platform(client).core.connection() as conn:
        return await conn.fetchval("SELECT provider_transaction_id FROM payments WHERE id = $1", uuid.UUID(payment_id))


async def fundings(client, hold_id) -> list:
    async with platform(client).core.connection() as conn:
        return await conn.fetch("SELECT * FROM payment_hold_fundings WHERE hold_id = $1", hold_id)


async def escrow_balance(client, hold) -> int:
    async with platform(client).core.connection() as conn:
        return await conn.fetchval("SELECT balance FROM ledger_accounts WHERE id = $1", hold.account_id)


def callback_path(provider: str, secret: str = SECRET, kind: str = "collection") -> str:
    return f"/api/payments/callbacks/{provider}/{secret}/{kind}"
