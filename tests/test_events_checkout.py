"""Buying tickets through the real app, its workers and the Selcom sandbox: every refusal (more
than remain, more than the per-order limit, outside the sales window, an event not on sale)
with nothing written; a hidden type sold to whoever has its id; a retry with the key made once;
twenty buyers at once for five tickets getting exactly five; a paid order issued its tickets
when its payment lands, cancelled and given back when the payment fails or the reservation ends,
and a payment landing after that refunded."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest
import pytest_asyncio

from nexgate.domain.events import checkout, ticket_format
from nexgate.domain.events.signing import verify_keys
from tests import cli
from tests.conftest import eventually
from tests.support.event_tickets import buy, committed, sale_event, value
from tests.support.payments_flow import (SELCOM_PAYER, flow_config, hold_now, method, new_sandboxes, payment, platform,
                                         sandbox_payment)
from tests.support.payment_methods import call
from tests.support.shared_app import shared_client
from tests.support.users import user

WORKERS = ("outbox-relay", "scheduler", "events_checkout", "payments_live")
pytestmark = pytest.mark.xdist_group("events_checkout")
SHARED = pytest.mark.asyncio(loop_scope="module")  # a test of the module's one app
PAID = dict(kind="paid", name="Regular", price=500_000, quantity=10)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_sandboxes():
    running = new_sandboxes()
    await running.start()
    yield running
    await running.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(database_urls, tmp_path_factory, _cpu_pool, module_sandboxes):
    """One app with its workers on the module's sandboxes for every test of the module (each
    marked ``SHARED``: they run in the module's event loop); each test makes its own users and
    events. A reservation lasts a minute (the expiry's test makes its job due at once)."""
    listening = cli.listening_socket()
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool, worker_names=WORKERS, listening=listening,
                             scheduler_poll_ms=100, events_reservation_s=60, configure=lambda config: flow_config(
                                 config, module_sandboxes, listening.getsockname()[1])) as started:
        yield started


async def _order(app, order_id) -> dict:
    async with platform(app).core.connection() as conn:
        return dict(await conn.fetchrow("SELECT * FROM ticket_orders WHERE id = $1", uuid.UUID(str(order_id))))


async def _state_becomes(app, order_id, state: str) -> dict:
    async def check():
        order = await _order(app, order_id)
        return order if order["state"] == state else None
    return await eventually(check, timeout=45)  # a loaded machine: the sandbox, the relay and the group in turn


async def _written(app, buyer) -> dict:
    buyer_id = uuid.UUID(buyer["id"])
    return {"orders": await value(app, "SELECT count(*) FROM ticket_orders WHERE buyer_id = $1", buyer_id),
            "tickets": await value(app, "SELECT count(*) FROM tickets WHERE holder_id = $1", buyer_id),
            "holds": await value(app, "SELECT count(*) FROM payment_holds WHERE payable_kind = 'events.ticket_order'")}


# refusals

@SHARED
async def test_every_refusal_names_its_problem_and_writes_nothing(app):
    organizer, buyer = await user(app), await user(app)
    now = datetime.datetime.now(datetime.UTC)
    event = await sale_event(app, organizer, ticket_types=(
        dict(kind="free", name="Entry", quantity=3, per_order_limit=2),
        dict(kind="early_bird", name="Early", price=300_000, quantity=5, sales_end_at=now - datetime.timedelta(hours=1),
             sales_start_at=now - datetime.timedelta(days=2)),
        dict(kind="paid", name="Later", price=500_000, quantity=5, sales_start_at=now + datetime.timedelta(days=1)),
        dict(kind="free", name="Gone", quantity=1)))
    entry, early, later, gone = (t["id"] for t in event["ticket_types"])
    await buy(app, await user(app), event, [{"ticket_type_id": gone, "quantity": 1}])  # the last one
    await buy(app, await user(app), event, [{"ticket_type_id": entry, "quantity": 2}])  # one Entry left
    before = await _written(app, buyer)
    cases = [
        ([{"ticket_type_id": entry, "quantity": 2}], 409, "insufficient_tickets"),
        ([{"ticket_type_id": gone, "quantity": 1}], 409, "sold_out"),
        ([{"ticket_type_id": entry, "quantity": 3}], 422, "over_per_order_limit"),
        ([{"ticket_type_id": early, "quantity": 1}], 409, "sales_ended"),
        ([{"ticket_type_id": later, "quantity": 1}], 409, "sales_not_started"),
        ([{"ticket_type_id": str(uuid.uuid4()), "quantity": 1}], 422, "ticket_type_not_found"),
        ([{"ticket_type_id": entry, "quantity": 1}, {"ticket_type_id": entry, "quantity": 1}], 422, "invalid"),
        ([{"ticket_type_id": entry, "quantity": 0}], 422, "invalid"),
        ([], 422, "invalid"),
    ]
    for lines, status, code in cases:
        refused = await buy(app, buyer, event, lines, expect=status)
        assert refused["error"]["code"] == code, (lines, refused)
    short = await buy(app, buyer, event, [{"ticket_type_id": entry, "quantity": 2}], expect=409)
    assert (short["error"]["details"]["available"], short["error"]["details"]["requested"]) == (1, 2)
    limit = await buy(app, buyer, event, [{"ticket_type_id": entry, "quantity": 3}], expect=422)
    assert limit["error"]["details"]["per_order_limit"] == 2 and "lines" in limit["error"]["details"]["fields"]
    # a paid line with another buyer's method, or of another currency
    other_event = await sale_event(app, organizer, ticket_types=(PAID,))
    kenyan = await method(app, buyer, "00")  # a KES wallet for a TZS event
    mismatch = await buy(app, buyer, other_event, method_id=kenyan["id"], expect=422)
    assert mismatch["error"]["code"] == "currency_mismatch"
    assert (await buy(app, buyer, other_event, method_id=str(uuid.uuid4()), expect=404))["error"]["code"] == \
        "payment_method_not_found"
    # events not on sale
    draft = await sale_event(app, organizer, state="draft")
    assert (await buy(app, buyer, draft, expect=404))["error"]["code"] == "event_not_found"
    cancelled = await sale_event(app, organizer, state="unpublished")
    assert (await buy(app, buyer, cancelled, expect=409))["error"]["code"] == "event_not_on_sale"
    ended = await sale_event(app, organizer, starts_in_h=-30)
    assert (await buy(app, buyer, ended, expect=409))["error"]["code"] == "event_ended"
    assert (await buy(app, buyer, {"id": str(uuid.uuid4()), "ticket_types": event["ticket_types"]},
                      expect=404))["error"]["code"] == "event_not_found"
    assert await _written(app, buyer) == before
    assert [await committed(app, t) for t in (entry, early, later, gone)] == [2, 0, 0, 1]


@SHARED
async def test_a_hidden_type_is_sold_to_whoever_has_its_id_and_a_retry_is_made_once(app):
    organizer, buyer = await user(app), await user(app)
    event = await sale_event(app, organizer, ticket_types=(
        dict(kind="free", name="Entry"), dict(kind="free", name="Guest list", quantity=3, visibility="hidden")))
    hidden = event["ticket_types"][1]["id"]
    key = str(uuid.uuid4())
    first = await buy(app, buyer, event, [{"ticket_type_id": hidden, "quantity": 2}], key=key)
    assert [t["ticket_type"]["name"] for t in first["tickets"]] == ["Guest list"] * 2
    again = await buy(app, buyer, event, [{"ticket_type_id": hidden, "quantity": 2}], key=key)
    assert again == first
    # the stored answer gone: the order made is read back, not made again
    await value(app, "DELETE FROM idempotency_keys WHERE user_id = $1", uuid.UUID(buyer["id"]))
    replayed = await buy(app, buyer, event, [{"ticket_type_id": hidden, "quantity": 2}], key=key, expect=200)
    assert (replayed["id"], [t["id"] for t in replayed["tickets"]]) == (first["id"], [t["id"] for t in first["tickets"]])
    reused = await buy(app, buyer, event, [{"ticket_type_id": hidden, "quantity": 1}], key=key, expect=422)
    assert reused["error"]["code"] == "idempotency_key_reused"
    await value(app, "DELETE FROM idempotency_keys WHERE user_id = $1", uuid.UUID(buyer["id"]))
    reused = await buy(app, buyer, event, [{"ticket_type_id": hidden, "quantity": 1}], key=key, expect=422)
    assert reused["error"]["code"] == "idempotency_key_reused"  # the order's own fingerprint refuses it too
    assert await committed(app, hidden) == 2
    assert await value(app, "SELECT count(*) FROM tickets WHERE order_id = $1", uuid.UUID(first["id"])) == 2


# concurrency

@SHARED
async def test_twenty_buyers_at_once_for_five_tickets_get_exactly_five(app):
    organizer = await user(app)
    event = await sale_event(app, organizer, ticket_types=(dict(kind="free", name="Entry", quantity=5),))
    buyers = [await user(app) for _ in range(20)]
    answers = await asyncio.gather(*(buy(app, b, event, expect=None) for b in buyers))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 5 + [409] * 15, statuses
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"sold_out"}
    issued = [body["tickets"][0] for status, body in answers if status == 201]
    assert len({t["code"] for t in issued}) == 5
    assert await committed(app, event["ticket_types"][0]["id"]) == 5
    assert await value(app, "SELECT count(*) FROM tickets WHERE event_id = $1", uuid.UUID(event["id"])) == 5


# paying

@SHARED
async def test_a_paid_order_is_issued_its_tickets_when_its_payment_lands(app):
    organizer, buyer = await user(app), await user(app)
    event = await sale_event(app, organizer, ticket_types=(PAID,))
    wallet = await method(app, buyer, "00", prefix=SELCOM_PAYER)
    placed = await buy(app, buyer, event, quantity=2, method_id=wallet["id"])
    assert (placed["state"], placed["total"], placed["tickets"]) == ("pending_payment", 1_000_000, [])
    begun = placed["payment"]
    assert (begun["amount"], begun["currency"], begun["hold_id"], begun["status"]) == (
        1_000_000, "TZS", placed["hold_id"], "pending")
    hold = await hold_now(app, uuid.UUID(placed["hold_id"]))
    assert (hold.payable_kind, str(hold.payable_id), hold.expected_amount) == ("events.ticket_order", placed["id"],
                                                                              1_000_000)
    assert await committed(app, event["ticket_types"][0]["id"]) == 2
    paid = await _state_becomes(app, placed["id"], "paid")
    assert paid["reserved_until"] is None and paid["paid_at"] is not None
    order = await call(app, "GET", f"/api/ticket-orders/{placed['id']}", buyer, 200)
    assert len(order["tickets"]) == 2 and {t["price"] for t in order["tickets"]} == {500_000}
    async with platform(app).core.connection() as conn:
        keys = await verify_keys(conn)
    for ticket in order["tickets"]:
        assert str(ticket_format.verify(ticket["qr"], keys).ticket_id) == ticket["id"]
    assert (await payment(app, buyer, begun["id"]))["status"] == "succeeded"
    assert await committed(app, event["ticket_types"][0]["id"]) == 2
    assert await value(app, "SELECT count(*) FROM scheduled_jobs WHERE id = $1",
                       checkout.job_id(uuid.UUID(placed["id"]))) == 0  # the timeout called off


@SHARED
async def test_a_failed_payment_cancels_the_order_and_gives_its_tickets_back(app):
    organizer, buyer = await user(app), await user(app)
    event = await sale_event(app, organizer, ticket_types=(dict(PAID, quantity=2),))
    wallet = await method(app, buyer, "11", prefix=SELCOM_PAYER)  # the payment fails
    placed = await buy(app, buyer, event, quantity=2, method_id=wallet["id"])
    cancelled = await _state_becomes(app, placed["id"], "cancelled")
    assert "payment failed" in cancelled["cancel_reason"]
    assert await committed(app, event["ticket_types"][0]["id"]) == 0
    assert await value(app, "SELECT count(*) FROM tickets WHERE order_id = $1", uuid.UUID(placed["id"])) == 0
    again = await buy(app, await user(app), event, quantity=2)  # back on sale
    assert again["state"] == "pending_payment"


@SHARED
async def test_an_unpaid_order_expires_and_a_payment_after_that_is_refunded(app, module_sandboxes):
    sandboxes = module_sandboxes
    organizer, buyer = await user(app), await user(app)
    event = await sale_event(app, organizer, ticket_types=(dict(PAID, quantity=1),))
    wallet = await method(app, buyer, "28", prefix=SELCOM_PAYER)  # the payer takes their time
    placed = await buy(app, buyer, event, method_id=wallet["id"])
    assert placed["payment"]["status"] == "pending"
    await value(app, "UPDATE scheduled_jobs SET run_at = now() WHERE id = $1",
                checkout.job_id(uuid.UUID(placed["id"])))  # the reservation's time comes
    cancelled = await _state_becomes(app, placed["id"], "cancelled")
    assert "Not paid in time" in cancelled["cancel_reason"]
    assert await committed(app, event["ticket_types"][0]["id"]) == 0
    # The payer approves the prompt at last: the money lands in the hold, and goes back.
    sandboxes.selcom.complete(sandbox_payment(sandboxes.selcom, placed["payment"]["reference"]).key)

    async def refunded():
        hold = await hold_now(app, uuid.UUID(placed["hold_id"]))
        return hold.refunded_amount > 0 and hold
    hold = await eventually(refunded, timeout=20)
    assert (hold.state, hold.refunded_amount, hold.balance) == ("refunded", 500_000, 0)
    assert (await _order(app, placed["id"]))["state"] == "cancelled"  # never paid without its ticket
    assert await value(app, "SELECT count(*) FROM tickets WHERE order_id = $1", uuid.UUID(placed["id"])) == 0


@SHARED
async def test_a_paid_ticket_cancelled_is_refunded_from_its_orders_hold(app):
    organizer, buyer = await user(app), await user(app)
    event = await sale_event(app, organizer, ticket_types=(PAID,))
    wallet = await method(app, buyer, "00", prefix=SELCOM_PAYER)
    placed = await buy(app, buyer, event, quantity=2, method_id=wallet["id"])
    await _state_becomes(app, placed["id"], "paid")
    first, second = (await call(app, "GET", f"/api/ticket-orders/{placed['id']}", buyer, 200))["tickets"]
    refunded = await call(app, "POST", f"/api/tickets/{first['id']}/cancel", buyer, 200)
    assert (refunded["state"], refunded["revoke_reason"]) == ("cancelled", "refunded")
    hold = await hold_now(app, uuid.UUID(placed["hold_id"]))
    assert (hold.funded_amount, hold.refunded_amount, hold.balance) == (1_000_000, 500_000, 500_000)
    assert await committed(app, event["ticket_types"][0]["id"]) == 1
    assert (await _order(app, placed["id"]))["state"] == "paid"  # one ticket of it still admits
    from tests.support.payment_methods import events
    assert [(e["amount"], e["currency"]) for e in await events(app, "events.ticket.refunded", ticket_id=first["id"])] \
        == [(500_000, "TZS")]
    await call(app, "POST", f"/api/tickets/{second['id']}/cancel", organizer, 200)
    hold = await hold_now(app, uuid.UUID(placed["hold_id"]))
    assert (hold.refunded_amount, hold.balance, hold.state) == (1_000_000, 0, "refunded")
    assert (await _order(app, placed["id"]))["state"] == "refunded"
