"""Orders through the real app: the state machine (each step only by its party, two concurrent
steps never both winning), the timeline and the events of each state; accepting, shipping with
tracking, the buyer's confirmation, the durable auto-completion releasing the hold to the seller
net of the fee, cancellation refunding in full and releasing the stock, disputes freezing the
hold until an operator decides; the lists; the live frames; the notifications."""
from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from nexgate.domain.commerce import orders
from nexgate.errors import Conflict, Forbidden
from nexgate.keys import PLATFORM
from tests.support import orders as support
from tests.support.commerce import open_shop, rows
from tests.support.users import user


async def _events(client, order_id: str, prefix: str = "commerce.") -> list[tuple[str, dict]]:
    found = await rows(client, "SELECT routing_key, payload FROM outbox WHERE payload->>'order_id' = $1"
                               " AND routing_key LIKE $2 ORDER BY created_at, id", order_id, prefix + "%")
    return [(row["routing_key"], orjson.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"])
            for row in found]


async def _timeline(client, order_id: str) -> list[tuple]:
    found = await rows(client, "SELECT from_state, to_state, actor FROM order_transitions WHERE order_id = $1"
                               " ORDER BY id", uuid.UUID(order_id))
    return [tuple(row) for row in found]


@pytest.fixture
async def parties(client):
    seller, buyer = await user(client), await user(client)
    shop = await open_shop(client, seller)
    return seller, buyer, shop


# the state machine (what checkout calls)

async def test_an_order_is_placed_then_paid_with_its_timeline_and_the_event_of_each_state(client, parties):
    seller, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop)
    order = await support.order_now(client, placed.id)
    assert (order.state, order.stock_state, order.total, order.reserved_until) == ("paid", "allocated", 600_000, None)
    assert order.paid_at is not None and order.shop_name == shop["name"]
    assert await _timeline(client, placed.id) == [(None, "pending_payment", "buyer"), ("pending_payment", "paid", "system")]
    common = {"order_id": placed.id, "checkout_id": str(order.checkout_id), "buyer_id": buyer["id"],
              "shop_id": shop["id"], "seller_id": seller["id"], "shop_name": shop["name"], "total": 600_000,
              "currency": "TZS"}
    assert await _events(client, placed.id) == [
        ("commerce.order.placed", {**common, "previous_state": None, "state": "pending_payment", "actor": "buyer",
                                   "actor_id": buyer["id"]}),
        ("commerce.order.paid", {**common, "previous_state": "pending_payment", "state": "paid", "actor": "system",
                                 "actor_id": None})]


async def test_a_step_is_refused_to_the_wrong_party_and_from_the_wrong_state_with_nothing_written(client, parties):
    _, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop)
    async with client.app[PLATFORM].core.transaction("tests.step") as conn:
        order = await orders.lock_order(conn, uuid.UUID(placed.id))
        with pytest.raises(Forbidden) as wrong_party:
            await orders.transition(conn, order, "accepted", actor="buyer", actor_id=uuid.UUID(buyer["id"]))
        assert (wrong_party.value.code, wrong_party.value.details["allowed"]) == ("order_step_forbidden", ["seller"])
        with pytest.raises(Conflict) as wrong_state:
            await orders.transition(conn, order, "delivered", actor="buyer")
        assert (wrong_state.value.code, wrong_state.value.details) == (
            "order_state_invalid", {"state": "paid", "to_state": "delivered"})
    assert (await support.order_now(client, placed.id)).state == "paid"
    assert len(await _timeline(client, placed.id)) == 2


async def test_of_two_concurrent_steps_from_one_state_exactly_one_wins(client, parties):
    _, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop, paid=False)
    order = await support.order_now(client, placed.id)

    async def step(to_state):
        async with client.app[PLATFORM].core.transaction("tests.step") as conn:
            return await orders.transition(conn, order, to_state, actor="system")

    results = await asyncio.gather(step("paid"), step("cancelled"), return_exceptions=True)
    won = [r for r in results if isinstance(r, orders.Order)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code == "order_state_changed" and lost[0].details == {"state": won[0].state}
    assert len(await _timeline(client, placed.id)) == 2
    assert len(await _events(client, placed.id)) == 2
