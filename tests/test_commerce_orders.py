"""Orders through the real app: the state machine (each step only by its party, two concurrent
steps never both winning), the timeline and the events of each state; accepting, shipping with
tracking, the buyer's confirmation, the durable auto-completion releasing the hold to the seller
net of the fee, cancellation refunding in full and releasing the stock, disputes freezing the
hold until an operator decides; the lists; the live frames; the notifications; the seller's
trust; and one order the whole road, from checkout and a payment through the sandbox."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

import orjson
import pytest

from nexgate.bus import Event
from nexgate.domain.commerce import orders
from nexgate.domain.payments import ledger
from nexgate.errors import Conflict, Forbidden
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support import orders as support
from tests.support.commerce import add_manager, call, open_shop, rows
from tests.support.orders import act, get, resolve
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.users import user
from tests.test_users_verification import moderator

TRACKING = {"carrier": "DHL Tanzania", "number": "TZ12345678", "url": "https://track.example.co.tz/TZ12345678"}


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


async def _seller_balance(client, seller_id: str) -> int:
    async with client.app[PLATFORM].core.connection() as conn:
        account = await ledger.owned_account(conn, kind=ledger.USER_PAYABLE, owner_id=uuid.UUID(seller_id),
                                             currency="TZS")
        return await ledger.balance(conn, account)


def _event(events, routing_key):
    found = [payload for key, payload in events if key == routing_key]
    assert len(found) == 1, (routing_key, events)
    return found[0]


# the life of an order, through the apps

@pytest.fixture
async def timed(make_client, config):
    """The app with the scheduler and the group that completes orders, whose times are a second."""
    fast = dataclasses.replace(config, scheduler_poll_ms=20, commerce_order_complete_after_delivery_s=1,
                               commerce_order_complete_after_shipping_s=3600)
    return await make_client(fast, worker_names=("outbox-relay", "scheduler", "commerce_orders"))


async def test_accepted_shipped_delivered_then_completed_by_its_timer_releasing_the_hold_net_of_the_fee(timed):
    client = timed
    seller, buyer, manager = await user(client), await user(client), await user(client)
    shop = await open_shop(client, seller)
    await add_manager(client, seller, shop["id"], manager["id"])
    placed = await support.place(client, buyer["id"], shop, quantity=2, price=150_000, on_hand=10)
    assert await support.stock(client, placed.variant_id) == (10, 2)

    accepted = await act(client, manager, placed.id, "accept", note="Packing it today")
    assert accepted["state"] == "accepted" and accepted["accepted_at"] is not None
    shipped = await act(client, seller, placed.id, "ship", tracking=TRACKING)
    assert (shipped["state"], shipped["stock_state"], shipped["tracking"]) == ("shipped", "shipped", TRACKING)
    assert shipped["auto_complete_at"] is not None
    assert await support.stock(client, placed.variant_id) == (8, 0)
    delivered = await act(client, buyer, placed.id, "confirm-delivery")
    assert delivered["state"] == "delivered" and delivered["auto_complete_at"] < shipped["auto_complete_at"]

    completed = await eventually(lambda: _completed(client, buyer, placed.id), timeout=15)
    assert completed["auto_complete_at"] is None and completed["completed_at"] is not None
    assert [(step["from_state"], step["state"], step["actor"]) for step in completed["timeline"]] == [
        (None, "pending_payment", "buyer"), ("pending_payment", "paid", "system"), ("paid", "accepted", "seller"),
        ("accepted", "shipped", "seller"), ("shipped", "delivered", "buyer"), ("delivered", "completed", "system")]
    assert completed["timeline"][2]["note"] == "Packing it today"
    assert completed["timeline"][2]["actor_id"] == manager["id"]
    hold = await support.hold_now(client, placed.hold_id)
    assert (hold.state, hold.balance, hold.released_amount) == ("released", 0, 600_000)
    assert await _seller_balance(client, seller["id"]) == 570_000  # 5% fee
    done = _event(await _events(client, placed.id), "commerce.order.completed")
    assert (done["seller_id"], done["released"], done["fee"], done["net"], done["actor"]) == (
        seller["id"], 600_000, 30_000, 570_000, "system")
    shipped_event = _event(await _events(client, placed.id), "commerce.order.shipped")
    assert shipped_event["tracking"] == TRACKING and shipped_event["actor_id"] == seller["id"]


async def _completed(client, tokens, order_id):
    shown = await get(client, tokens, order_id)
    return shown if shown["state"] == "completed" else None


async def test_each_step_only_by_its_party_and_nobody_else_learns_of_the_order(client, parties):
    seller, buyer, shop = parties
    other_seller = await user(client)
    await open_shop(client, other_seller)
    stranger = await user(client)
    placed = await support.place(client, buyer["id"], shop)

    for tokens in (other_seller, stranger):
        assert (await get(client, tokens, placed.id, expect=404))["error"]["code"] == "order_not_found"
        refused = await act(client, tokens, placed.id, "accept", expect=404)
        assert refused["error"]["code"] == "order_not_found"
    assert (await act(client, buyer, placed.id, "accept", expect=403))["error"]["code"] == "not_shop_staff"
    await act(client, seller, placed.id, "accept")
    assert (await act(client, buyer, placed.id, "ship", tracking=TRACKING, expect=403))["error"]["code"] == (
        "not_shop_staff")
    assert (await act(client, other_seller, placed.id, "ship", tracking=TRACKING, expect=404))["error"]["code"] == (
        "order_not_found")
    await act(client, seller, placed.id, "ship", tracking=TRACKING)
    assert (await act(client, seller, placed.id, "confirm-delivery", expect=403))["error"]["code"] == (
        "not_order_buyer")
    assert (await act(client, seller, placed.id, "dispute", reason="no", expect=403))["error"]["code"] == (
        "not_order_buyer")
    refused = await act(client, buyer, placed.id, "accept", expect=403)
    assert refused["error"]["code"] == "not_shop_staff"
    # the buyer's own step from the wrong state
    again = await act(client, seller, placed.id, "accept", expect=409)
    assert again["error"]["code"] == "order_state_invalid" and again["error"]["details"]["state"] == "shipped"
    assert (await support.order_now(client, placed.id)).state == "shipped"
    assert len(await _timeline(client, placed.id)) == 4
    assert (await get(client, buyer, placed.id)) == (await get(client, seller, placed.id))


async def test_a_delivery_ships_with_its_tracking_and_a_pickup_without(client, parties):
    seller, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop)
    await act(client, seller, placed.id, "accept")
    refused = await act(client, seller, placed.id, "ship", expect=422)
    assert refused["error"]["code"] == "tracking_required" and "tracking" in refused["error"]["details"]["fields"]
    bad = await act(client, seller, placed.id, "ship", tracking={"carrier": "", "url": "ftp://x"}, expect=422)
    assert set(bad["error"]["details"]["fields"]["tracking"]) == {"carrier", "number", "url"}
    assert (await support.order_now(client, placed.id)).state == "accepted"
    assert await support.stock(client, placed.variant_id) == (10, 2)

    pickup = await support.place(client, buyer["id"], shop, fulfilment="pickup")
    await act(client, seller, pickup.id, "accept")
    handed = await act(client, seller, pickup.id, "ship")
    assert (handed["state"], handed["tracking"], handed["address"], handed["delivery_fee"]) == (
        "shipped", None, None, 0)


async def test_a_timer_that_comes_before_the_orders_time_completes_nothing(client, parties):
    seller, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop)
    await act(client, seller, placed.id, "accept")
    await act(client, seller, placed.id, "ship", tracking=TRACKING)
    early = Event(id=uuid.uuid4(), type="commerce.order_timer.expired", payload={"order_id": placed.id},
                  occurred_at=None)
    async with client.app[PLATFORM].core.transaction("tests.timer") as conn:
        assert await orders.complete_when_due(client.app[PLATFORM], conn, early) is None
    assert (await support.order_now(client, placed.id)).state == "shipped"
    assert (await support.hold_now(client, placed.hold_id)).state == "funded"
    job = await rows(client, "SELECT run_at FROM scheduled_jobs WHERE id = $1", orders.timer_job_id(uuid.UUID(placed.id)))
    assert [row["run_at"] for row in job] == [(await support.order_now(client, placed.id)).auto_complete_at]


# cancelling

async def test_a_cancellation_before_shipping_refunds_in_full_and_releases_the_stock(client, parties):
    seller, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop, quantity=3, on_hand=5)
    assert await support.stock(client, placed.variant_id) == (5, 3)
    cancelled = await act(client, buyer, placed.id, "cancel", reason="Ordered the wrong size")
    assert (cancelled["state"], cancelled["stock_state"], cancelled["cancel_reason"]) == (
        "cancelled", "released", "Ordered the wrong size")
    assert await support.stock(client, placed.variant_id) == (5, 0)
    hold = await support.hold_now(client, placed.hold_id)
    assert (hold.state, hold.balance, hold.refunded_amount) == ("refunded", 0, placed.total)
    event = _event(await _events(client, placed.id), "commerce.order.cancelled")
    assert (event["refunded"], event["reason"], event["actor"], event["actor_id"]) == (
        placed.total, "Ordered the wrong size", "buyer", buyer["id"])
    again = await act(client, buyer, placed.id, "cancel", reason="again", expect=409)
    assert again["error"]["code"] == "order_state_invalid"


async def test_the_buyer_cancels_until_the_shop_accepts_the_shop_until_it_ships(client, parties):
    seller, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop)
    await act(client, seller, placed.id, "accept")
    refused = await act(client, buyer, placed.id, "cancel", reason="changed my mind", expect=403)
    assert refused["error"]["code"] == "order_step_forbidden"
    assert (await support.hold_now(client, placed.hold_id)).balance == placed.total
    by_shop = await act(client, seller, placed.id, "cancel", reason="Out of this colour")
    assert by_shop["state"] == "cancelled" and by_shop["timeline"][-1]["actor"] == "seller"
    assert (await support.hold_now(client, placed.hold_id)).state == "refunded"

    shipped = await support.place(client, buyer["id"], shop)
    await act(client, seller, shipped.id, "accept")
    await act(client, seller, shipped.id, "ship", tracking=TRACKING)
    for tokens in (buyer, seller):
        late = await act(client, tokens, shipped.id, "cancel", reason="too late", expect=409)
        assert late["error"]["code"] == "order_state_invalid"
    assert (await support.hold_now(client, shipped.hold_id)).balance == shipped.total


async def test_checkout_cancels_an_unpaid_order_releasing_its_reservation(client, parties):
    _, buyer, shop = parties
    placed = await support.place(client, buyer["id"], shop, paid=False)
    async with client.app[PLATFORM].core.transaction("tests.expire") as conn:
        order = await orders.lock_order(conn, uuid.UUID(placed.id))
        await orders.cancel_order(conn, order, actor="system", actor_id=None, reason="The reservation expired")
    order = await support.order_now(client, placed.id)
    assert (order.state, order.stock_state) == ("cancelled", "released")
    assert await support.stock(client, placed.variant_id) == (10, 0)
    assert (await support.hold_now(client, placed.hold_id)).state == "open"  # nothing was paid in


# disputes

async def test_a_dispute_freezes_the_hold_and_stops_the_timer_until_an_operator_decides_for_the_buyer(client, parties):
    seller, buyer, shop = parties
    operator = await moderator(client)
    placed = await support.place(client, buyer["id"], shop)
    await act(client, seller, placed.id, "accept")
    await act(client, seller, placed.id, "ship", tracking=TRACKING)
    assert (await act(client, operator, placed.id, "dispute", reason="x", expect=404))["error"]["code"] == (
        "order_not_found")
    disputed = await act(client, buyer, placed.id, "dispute", reason="Not the colour shown")
    assert (disputed["state"], disputed["dispute_reason"], disputed["auto_complete_at"]) == (
        "disputed", "Not the colour shown", None)
    assert (await support.hold_now(client, placed.hold_id)).state == "frozen"
    job = await rows(client, "SELECT 1 FROM scheduled_jobs WHERE id = $1", orders.timer_job_id(uuid.UUID(placed.id)))
    assert job == []
    async with client.app[PLATFORM].core.transaction("tests.timer") as conn:  # a timer already in flight
        stale = Event(id=uuid.uuid4(), type="commerce.order_timer.expired", payload={"order_id": placed.id},
                      occurred_at=None)
        assert await orders.complete_when_due(client.app[PLATFORM], conn, stale) is None
    assert (await act(client, seller, placed.id, "cancel", reason="x", expect=409))["error"]["code"] == (
        "order_state_invalid")
    await call(client, "POST", f"/api/admin/orders/{placed.id}/resolve", buyer, 403,
               json={"outcome": "buyer", "reason": "mine"})
    waiting = await call(client, "GET", "/api/admin/orders", operator, 200, params={"state": "disputed"})
    assert placed.id in [card["id"] for card in waiting["items"]]
    assert {card["state"] for card in waiting["items"]} == {"disputed"}
    await call(client, "GET", "/api/admin/orders", buyer, 403, params={"state": "disputed"})

    decided = await resolve(client, operator, placed.id, "buyer", reason="The photos show another cloth")
    assert (decided["state"], decided["resolution"]) == ("refunded", "buyer")
    assert decided["timeline"][-1]["actor"] == "operator"
    hold = await support.hold_now(client, placed.hold_id)
    assert (hold.state, hold.refunded_amount) == ("refunded", placed.total)
    events = await _events(client, placed.id)
    assert _event(events, "commerce.order.refunded")["refunded"] == placed.total
    assert _event(events, "commerce.dispute.lost") == {
        "order_id": placed.id, "buyer_id": buyer["id"], "shop_id": shop["id"], "seller_id": seller["id"],
        "reason": "The photos show another cloth"}
    again = await resolve(client, operator, placed.id, "seller", expect=409)
    assert again["error"]["code"] == "order_state_invalid"
    waiting = await call(client, "GET", "/api/admin/orders", operator, 200, params={"state": "disputed"})
    assert placed.id not in [card["id"] for card in waiting["items"]]


async def test_a_dispute_decided_for_the_seller_releases_the_hold_and_completes_the_order(client, parties):
    seller, buyer, shop = parties
    operator = await moderator(client)
    placed = await support.place(client, buyer["id"], shop)
    await act(client, seller, placed.id, "accept")
    await act(client, seller, placed.id, "ship", tracking=TRACKING)
    await act(client, buyer, placed.id, "confirm-delivery")
    await act(client, buyer, placed.id, "dispute", reason="It arrived late")
    assert (await act(client, buyer, placed.id, "dispute", reason="again", expect=409))["error"]["code"] == (
        "order_state_invalid")
    decided = await resolve(client, operator, placed.id, "seller", reason="It arrived within the stated time")
    assert (decided["state"], decided["resolution"]) == ("completed", "seller")
    assert (await support.hold_now(client, placed.hold_id)).state == "released"
    assert await _seller_balance(client, seller["id"]) == 570_000
    events = await _events(client, placed.id)
    assert _event(events, "commerce.order.completed")["actor"] == "operator"
    assert not [key for key, _ in events if key == "commerce.dispute.lost"]
    shown = await call(client, "GET", f"/api/admin/orders/{placed.id}", operator, 200)
    assert shown == decided


# the lists

async def test_the_buyers_and_the_shops_lists_newest_first_by_state_in_pages(client, parties):
    seller, buyer, shop = parties
    placed = [await support.place(client, buyer["id"], shop) for _ in range(3)]
    await act(client, seller, placed[0].id, "accept")
    mine = await call(client, "GET", "/api/orders?limit=2", buyer, 200)
    assert [item["id"] for item in mine["items"]] == [placed[2].id, placed[1].id]
    rest = await call(client, "GET", f"/api/orders?limit=2&cursor={mine['next_cursor']}", buyer, 200)
    assert [item["id"] for item in rest["items"]] == [placed[0].id] and rest["next_cursor"] is None
    assert rest["items"][0]["items"][0]["quantity"] == 2 and "timeline" not in rest["items"][0]
    accepted = await call(client, "GET", f"/api/shops/{shop['id']}/orders?state=accepted", seller, 200)
    assert [item["id"] for item in accepted["items"]] == [placed[0].id]
    assert accepted["items"][0]["buyer"]["id"] == buyer["id"]
    paid = await call(client, "GET", f"/api/shops/{shop['id']}/orders?state=paid", seller, 200)
    assert [item["id"] for item in paid["items"]] == [placed[2].id, placed[1].id]
    assert (await call(client, "GET", "/api/orders", seller, 200))["items"] == []
    refused = await call(client, "GET", f"/api/shops/{shop['id']}/orders", buyer, 403)
    assert refused["error"]["code"] == "not_shop_staff"
    bad = await call(client, "GET", "/api/orders?state=lost", buyer, 422)
    assert "state" in bad["error"]["details"]["fields"]


# live, and the notifications

async def _as_tokens(api) -> dict:
    return {**api.tokens, "id": str(api.user_id)}


async def test_the_buyer_and_the_shops_staff_are_told_live_of_each_step_with_the_order_as_rest_shows_it(
        make_client, config, users):
    client = await make_client(dataclasses.replace(config, bus_prefetch=1), worker_names=("outbox-relay", "commerce_live"))
    seller_api, buyer_api, manager_api = [await users.new(client.server) for _ in range(3)]
    seller, buyer, manager = [await _as_tokens(api) for api in (seller_api, buyer_api, manager_api)]
    shop = await open_shop(client, seller)
    await add_manager(client, seller, shop["id"], manager["id"])
    devices = [await api.live() for api in (buyer_api, seller_api, manager_api)]
    placed = await support.place(client, buyer["id"], shop)
    accepted = await act(client, manager, placed.id, "accept")
    for device in devices:
        frames = {frame["event"]: frame for frame in [await _next_order_frame(device) for _ in range(3)]}
        assert set(frames) == {"commerce.order.placed", "commerce.order.paid", "commerce.order.accepted"}, frames
        assert frames["commerce.order.accepted"]["data"]["order"] == accepted == await get(client, buyer, placed.id)


async def _next_order_frame(device) -> dict:
    while not (frame := await device.next_event(timeout=10))["event"].startswith("commerce.order."):
        pass
    return frame


async def test_the_order_notifications_in_each_ones_language(make_client, config, users):
    from tests.support.notifications import centre, event_ids, handled, notifying_app, person

    client = await notifying_app(make_client, config)
    seller_api, buyer_api = await person(client, users), await person(client, users)
    seller, buyer = await _as_tokens(seller_api), await _as_tokens(buyer_api)
    await buyer_api.request("PATCH", f"/api/users/{buyer_api.user_id}", json={"language": "sw"})
    shop = await open_shop(client, seller, name="Duka la Amina")
    placed = await support.place(client, buyer["id"], shop)
    await act(client, seller, placed.id, "accept")
    await act(client, seller, placed.id, "ship", tracking=TRACKING)
    await act(client, buyer, placed.id, "confirm-delivery")
    for key in ("placed", "paid", "shipped", "delivered"):
        await handled(client, await event_ids(client, f"commerce.order.{key}", order_id=placed.id))
    buyer_name = (await buyer_api.request("GET", f"/api/users/{buyer_api.user_id}"))["display_name"]

    told_buyer = {item["type"]: item for item in (await centre(buyer_api))["items"]}
    assert set(told_buyer) == {"order_placed", "order_paid", "order_shipped"}
    assert told_buyer["order_placed"]["text"] == "Oda yako kwa Duka la Amina ya TZS 6,000 imewekwa. Ilipie ili kuithibitisha"
    assert told_buyer["order_shipped"]["text"] == "Oda yako kutoka Duka la Amina iko njiani"
    assert told_buyer["order_shipped"]["link"] == f"nexgate://orders/{placed.id}"
    assert told_buyer["order_shipped"]["object"] == {"type": "order", "id": placed.id}
    told_seller = {item["type"]: item for item in (await centre(seller_api))["items"]}
    assert set(told_seller) == {"order_payment_received", "order_delivered"}
    assert told_seller["order_payment_received"]["text"] == (
        f"Payment received: {buyer_name} paid TZS 6,000 for an order at Duka la Amina. Accept it and ship it")
    assert told_seller["order_delivered"]["text"] == (
        f"{buyer_name} confirmed the delivery of their order from Duka la Amina")
    assert told_seller["order_delivered"]["category"] == "commerce"


async def test_a_cancellation_is_told_to_the_party_who_did_not_make_it_and_a_dispute_to_the_seller(
        make_client, config, users):
    from tests.support.notifications import centre, event_ids, handled, notifying_app, person

    client = await notifying_app(make_client, config)
    seller_api, buyer_api = await person(client, users), await person(client, users)
    seller, buyer = await _as_tokens(seller_api), await _as_tokens(buyer_api)
    shop = await open_shop(client, seller, name="Duka la Amina")
    by_shop, by_buyer, disputed = [await support.place(client, buyer["id"], shop) for _ in range(3)]
    await act(client, seller, by_shop.id, "cancel", reason="Sold out in the shop")
    await act(client, buyer, by_buyer.id, "cancel", reason="Ordered the wrong size")
    await act(client, seller, disputed.id, "accept")
    await act(client, seller, disputed.id, "ship", tracking=TRACKING)
    await act(client, buyer, disputed.id, "dispute", reason="Not as described")
    for order in (by_shop, by_buyer):
        await handled(client, await event_ids(client, "commerce.order.cancelled", order_id=order.id))
    await handled(client, await event_ids(client, "commerce.order.disputed", order_id=disputed.id))
    buyer_name = (await buyer_api.request("GET", f"/api/users/{buyer_api.user_id}"))["display_name"]

    told_buyer = [item for item in (await centre(buyer_api))["items"] if item["type"] == "order_cancelled"]
    assert [(item["object"]["id"], item["text"]) for item in told_buyer] == [(by_shop.id, (
        "Your order at Duka la Amina was cancelled. Anything you paid for it is on its way back to you"))]
    told_seller = {(item["type"], item["object"]["id"]): item["text"] for item in (await centre(seller_api))["items"]
                   if item["type"] in ("order_cancelled_by_buyer", "order_disputed")}
    assert told_seller == {
        ("order_cancelled_by_buyer", by_buyer.id):
            f"{buyer_name} cancelled a paid order at Duka la Amina. Its payment goes back to them",
        ("order_disputed", disputed.id):
            f"{buyer_name} opened a dispute about an order at Duka la Amina. Its payment is held until Nexgate decides",
    }


async def test_the_sellers_trust_counts_a_completed_order_up_and_a_lost_dispute_down(make_client, config):
    client = await make_client(config, worker_names=("outbox-relay", "trust"))
    seller, buyer = await user(client), await user(client)
    operator = await moderator(client)
    shop = await open_shop(client, seller)

    async def score():
        return (await call(client, "GET", f"/api/shops/{shop['id']}", buyer, 200))["owner"]["trust"]["score"]

    async def disputed():
        placed = await support.place(client, buyer["id"], shop)
        await act(client, seller, placed.id, "accept")
        await act(client, seller, placed.id, "ship", tracking=TRACKING)
        await act(client, buyer, placed.id, "dispute", reason="Not as described")
        return placed

    await resolve(client, operator, (await disputed()).id, "seller")
    first = await eventually(score, timeout=15)
    await resolve(client, operator, (await disputed()).id, "buyer")
    lower = await eventually(lambda: _lower(score, first), timeout=15)
    assert lower < first


async def _lower(score, than):
    now = await score()
    return now if now is not None and now < than else None


# the whole road: checkout, the payment through the provider's sandbox, the order's life

async def test_an_order_checked_out_and_paid_through_the_sandbox_is_shipped_delivered_and_completed(
        make_client, config, sandboxes):
    from tests.support.checkout import add, check_out, product, seller_shop
    from tests.support.commerce import add_address
    from tests.support.payments_flow import SELCOM_PAYER, method, start_app

    client = await start_app(make_client, config, sandboxes, scheduler_poll_ms=50,
                             commerce_order_complete_after_delivery_s=1,
                             workers=("outbox-relay", "scheduler", "commerce_checkout", "payments_live",
                                      "commerce_orders"))
    seller, buyer = await user(client), await user(client)
    shop = await seller_shop(client, seller)
    home = await add_address(client, buyer, region="Arusha")
    kitenge = await product(client, shop, prices=(150_000,), on_hand=5)
    await add(client, buyer, kitenge, 0, quantity=2)
    wallet = await method(client, buyer, "00", prefix=SELCOM_PAYER)
    [order] = (await check_out(client, buyer, address_id=home["id"], method_id=wallet["id"]))["orders"]

    async def in_state(state):
        shown = await get(client, buyer, order["id"])
        return shown if shown["state"] == state else None

    paid = await eventually(lambda: in_state("paid"), timeout=20)
    assert paid["total"] == 600_000 and paid["address"] is not None and paid["stock_state"] == "allocated"
    await act(client, seller, order["id"], "accept")
    await act(client, seller, order["id"], "ship", tracking=TRACKING)
    await act(client, buyer, order["id"], "confirm-delivery")
    completed = await eventually(lambda: in_state("completed"), timeout=20)
    assert [step["state"] for step in completed["timeline"]] == [
        "pending_payment", "paid", "accepted", "shipped", "delivered", "completed"]
    assert await _seller_balance(client, seller["id"]) == 570_000
    assert await support.stock(client, uuid.UUID(kitenge["variants"][0])) == (3, 0)
