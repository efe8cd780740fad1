"""Checkout through the real app, its workers and the Selcom sandbox: one order per shop with its
delivery fee or pickup, its escrow hold and its stock reserved; the payment begun for exactly the
total shown, called back, and the order paid with its reservation allocated; the reservation's
timeout cancelling an unpaid order and releasing its stock; a payment after that refunded and a
failed one releasing; paying twice for one order charged once; buyers racing for the last units
getting exactly the stock there is; and every refusal with nothing written."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest

from nexgate.domain.commerce import reservations
from nexgate.domain.payments import holds
from nexgate.domain.payments.ledger import Cause
from tests.conftest import eventually
from tests.support.checkout import (
    add, buy_now, cart, check_out, execute, product, seller_shop, stock, value, written,
)
from tests.support.commerce import add_address, call
from tests.support.payment_methods import call as call_with_headers
from tests.support.payments_flow import (
    SELCOM_PAYER, hold_now, method, pay, payment, platform, sandbox_payment, start_app,
)
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.users import user

WORKERS = ("outbox-relay", "scheduler", "commerce_checkout", "payments_live")


@pytest.fixture
async def app(make_client, config, sandboxes):
    return await start_app(make_client, config, sandboxes, workers=WORKERS, scheduler_poll_ms=100)


async def _order(app, order_id) -> dict:
    async with platform(app).core.connection() as conn:
        return dict(await conn.fetchrow("SELECT * FROM orders WHERE id = $1", uuid.UUID(str(order_id))))


async def _state_becomes(app, order_id, state: str) -> dict:
    async def check():
        order = await _order(app, order_id)
        return order if order["state"] == state else None
    return await eventually(check, timeout=20)


async def _shopping(app):
    seller, buyer = await user(app), await user(app)
    shop = await seller_shop(app, seller)
    home = await add_address(app, buyer, region="Arusha")
    return seller, buyer, shop, home


# placing

async def test_a_cart_of_two_shops_is_two_orders_with_their_fees_holds_reservations_and_timeouts(app):
    seller, buyer, shop, home = await _shopping(app)
    other_seller = await user(app)
    other = await seller_shop(app, other_seller, delivery=None)
    kitenge = await product(app, shop, prices=(150_000, 170_000), tiers=((3, None, 120_000),))
    kanga = await product(app, other, prices=(90_000,), on_hand=4)
    await add(app, buyer, kitenge, 0, quantity=3)
    await add(app, buyer, kitenge, 1)
    await add(app, buyer, kanga, 0, quantity=2)
    shown = await cart(app, buyer)
    before = datetime.datetime.now(datetime.UTC)
    placed = await check_out(app, buyer, address_id=home["id"], pickup_shop_ids=[other["id"]])
    orders = {order["shop"]["id"]: order for order in placed["orders"]}
    delivered, picked_up = orders[shop["id"]], orders[other["id"]]
    assert (delivered["state"], delivered["stock_state"], delivered["fulfilment"]) == (
        "pending_payment", "reserved", "delivery")
    assert (delivered["subtotal"], delivered["delivery_fee"], delivered["total"]) == (
        3 * 120_000 + 170_000, 300_000, 3 * 120_000 + 170_000 + 300_000)  # the tier, and the fee to Arusha
    assert delivered["address"]["region"] == "Arusha" and delivered["address"]["id"] == home["id"]
    assert [(i["variant_id"], i["quantity"], i["unit_price"]) for i in delivered["items"]] == [
        (kitenge["variants"][0], 3, 120_000), (kitenge["variants"][1], 1, 170_000)]
    assert (picked_up["fulfilment"], picked_up["delivery_fee"], picked_up["total"], picked_up["address"]) == (
        "pickup", 0, 180_000, None)
    assert {t["currency"]: t["subtotal"] for t in shown["totals"]} == {
        "TZS": delivered["subtotal"] + picked_up["subtotal"]}  # what the cart showed is what was ordered
    for order in placed["orders"]:
        assert order["payment"] is None and order["payment_error"] is None
        hold = await hold_now(app, uuid.UUID(order["hold_id"]))
        assert (hold.payable_kind, hold.payable_id, hold.expected_amount, hold.state) == (
            "commerce.order", uuid.UUID(order["id"]), order["total"], "open")
        until = datetime.datetime.fromisoformat(order["reserved_until"])
        assert before + datetime.timedelta(minutes=14) < until < before + datetime.timedelta(minutes=16)
        job = await value(app, "SELECT run_at FROM scheduled_jobs WHERE id = $1 AND fired_at IS NULL",
                          reservations.job_id(uuid.UUID(order["id"])))
        assert job == until
    assert await stock(app, kitenge["variants"][0]) == (10, 3)
    assert await stock(app, kanga["variants"][0]) == (4, 2)
    assert (await cart(app, buyer))["items"] == []  # what was bought left the cart
    assert await value(app, "SELECT count(*) FROM stock_movements WHERE reason = 'reserved' AND order_id = $1",
                       uuid.UUID(delivered["id"])) == 2


async def test_buy_now_leaves_the_cart_alone_and_a_retry_with_the_key_makes_it_once(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000, 170_000))
    await add(app, buyer, kitenge, 1)
    key = str(uuid.uuid4())
    first = await check_out(app, buyer, key=key, items=[buy_now(kitenge, 0, 2, unit_price=150_000)],
                            address_id=home["id"])
    again = await check_out(app, buyer, key=key, items=[buy_now(kitenge, 0, 2, unit_price=150_000)],
                            address_id=home["id"])
    assert again == first
    assert {key: count for key, count in (await written(app, buyer)).items() if key in ("checkouts", "orders")} == {
        "checkouts": 1, "orders": 1}
    # The answer could not be stored (or the key outlived its day): the checkout made is answered, not made again.
    await execute(app, "DELETE FROM idempotency_keys WHERE user_id = $1", uuid.UUID(buyer["id"]))
    replayed = await check_out(app, buyer, key=key, items=[buy_now(kitenge, 0, 2, unit_price=150_000)],
                               address_id=home["id"], expect=200)
    assert (replayed["id"], [order["id"] for order in replayed["orders"]]) == (
        first["id"], [order["id"] for order in first["orders"]])
    assert await value(app, "SELECT count(*) FROM orders WHERE buyer_id = $1", uuid.UUID(buyer["id"])) == 1
    reused = await check_out(app, buyer, key=key, items=[buy_now(kitenge, 0, 3)], address_id=home["id"], expect=422)
    assert reused["error"]["code"] == "idempotency_key_reused"
    assert [line["variant_id"] for line in (await cart(app, buyer))["items"]] == [kitenge["variants"][1]]
    assert await stock(app, kitenge["variants"][0]) == (10, 2)


# paying

async def test_the_payment_is_begun_for_the_total_called_back_and_the_order_paid_with_its_stock_allocated(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,))
    await add(app, buyer, kitenge, 0, quantity=2)
    wallet = await method(app, buyer, "00", prefix=SELCOM_PAYER)
    placed = await check_out(app, buyer, address_id=home["id"], method_id=wallet["id"])
    order = placed["orders"][0]
    begun = order["payment"]
    assert (begun["amount"], begun["currency"], begun["hold_id"], begun["status"]) == (
        order["total"], "TZS", order["hold_id"], "pending")
    paid = await _state_becomes(app, order["id"], "paid")
    assert (paid["stock_state"], paid["reserved_until"]) == ("allocated", None) and paid["paid_at"] is not None
    assert (await payment(app, buyer, begun["id"]))["status"] == "succeeded"
    hold = await hold_now(app, uuid.UUID(order["hold_id"]))
    assert (hold.state, hold.balance) == ("funded", order["total"])
    assert await stock(app, kitenge["variants"][0]) == (10, 2)
    assert await value(app, "SELECT count(*) FROM scheduled_jobs WHERE id = $1",
                       reservations.job_id(uuid.UUID(order["id"]))) == 0  # the timeout called off
    steps = await call(app, "GET", f"/api/payments/{begun['id']}", buyer, 200)
    assert steps["amount"] == order["total"]


async def test_paying_twice_for_one_order_is_one_hold_and_one_charge(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,))
    wallet = await method(app, buyer, "28", prefix=SELCOM_PAYER)  # stays pending
    key = str(uuid.uuid4())
    body = {"items": [buy_now(kitenge)], "address_id": home["id"], "method_id": wallet["id"]}
    first = await check_out(app, buyer, key=key, **body)
    assert await check_out(app, buyer, key=key, **body) == first
    order = first["orders"][0]
    # The answer lost: the checkout made is answered with the payment it began, not begun again.
    await execute(app, "DELETE FROM idempotency_keys WHERE user_id = $1", uuid.UUID(buyer["id"]))
    [replayed] = (await check_out(app, buyer, key=key, expect=200, **body))["orders"]
    assert (replayed["payment"]["id"], replayed["payment"]["status"]) == (order["payment"]["id"], "pending")
    assert await value(app, "SELECT count(*) FROM payments WHERE hold_id = $1", uuid.UUID(order["hold_id"])) == 1
    second = await call_with_headers(app, "POST", "/api/payments", buyer, 422,
                                     headers={"Idempotency-Key": str(uuid.uuid4())},
                                     json={"hold_id": order["hold_id"], "amount": order["total"], "currency": "TZS",
                                           "method_id": wallet["id"]})
    assert second["error"]["code"] == "amount_exceeds_hold"
    # Two provider transactions credited all the same (a second phone, a provider's duplicate):
    for n in range(2):
        await _credit(app, order, buyer, f"SEL-TWICE-{uuid.uuid4().hex[:8]}-{n}")
    await _state_becomes(app, order["id"], "paid")

    async def refunded_once():
        hold = await hold_now(app, uuid.UUID(order["hold_id"]))
        return hold.refunded_amount > 0 and hold
    hold = await eventually(refunded_once)
    assert (hold.funded_amount, hold.refunded_amount, hold.balance) == (2 * order["total"], order["total"],
                                                                        order["total"])


async def _credit(app, order: dict, buyer: dict, transaction_id: str, amount: int | None = None) -> None:
    """The provider's confirmed payment credited to the order's hold, as a callback credits it."""
    async with platform(app).core.transaction("tests.credit") as conn:
        await holds.fund_hold(conn, hold_id=uuid.UUID(order["hold_id"]), amount=amount or order["total"],
                              provider="selcom",
                              provider_transaction_id=transaction_id, payer_id=uuid.UUID(buyer["id"]),
                              cause=Cause.provider_callback("selcom", transaction_id, "payment confirmed"))


async def test_an_order_paid_in_parts_is_paid_once_its_hold_holds_its_total(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,))
    order = (await check_out(app, buyer, items=[buy_now(kitenge)], address_id=home["id"]))["orders"][0]
    part = f"SEL-PART-{uuid.uuid4().hex[:8]}"
    await _credit(app, order, buyer, part, amount=order["total"] - 100_000)

    async def taken_up():  # the commerce_checkout group has handled that funding's event
        return await value(app, "SELECT count(*) FROM processed_events p JOIN outbox o ON o.id = p.event_id "
                                "WHERE p.consumer = 'commerce_checkout' AND o.routing_key = 'payments.hold.funded' "
                                "AND o.payload->>'provider_transaction_id' = $1", part)
    await eventually(taken_up)
    assert (await _order(app, order["id"]))["state"] == "pending_payment"  # a part is not the total
    await _credit(app, order, buyer, f"SEL-REST-{uuid.uuid4().hex[:8]}", amount=100_000)
    paid = await _state_becomes(app, order["id"], "paid")
    assert await value(app, "SELECT count(*) FROM order_transitions WHERE order_id = $1 AND to_state = 'paid'",
                       paid["id"]) == 1
    hold = await hold_now(app, uuid.UUID(order["hold_id"]))
    assert (hold.funded_amount, hold.refunded_amount) == (order["total"], 0)


async def test_a_failed_payment_cancels_the_order_and_releases_its_stock(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,), on_hand=2)
    wallet = await method(app, buyer, "11", prefix=SELCOM_PAYER)  # the payment fails
    placed = await check_out(app, buyer, items=[buy_now(kitenge, 0, 2)], address_id=home["id"],
                             method_id=wallet["id"])
    order = placed["orders"][0]
    cancelled = await _state_becomes(app, order["id"], "cancelled")
    assert cancelled["stock_state"] == "released" and "payment failed" in cancelled["cancel_reason"]
    assert await stock(app, kitenge["variants"][0]) == (2, 0)
    assert await value(app, "SELECT count(*) FROM stock_movements WHERE reason = 'released' AND order_id = $1",
                       uuid.UUID(order["id"])) == 1


async def test_a_failed_payment_leaves_the_order_waiting_while_another_payment_into_it_is_pending(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,))
    order = (await check_out(app, buyer, items=[buy_now(kitenge)], address_id=home["id"]))["orders"][0]
    hold = await hold_now(app, uuid.UUID(order["hold_id"]))
    half = order["total"] // 2
    waiting = await pay(app, buyer, hold, await method(app, buyer, "28", prefix=SELCOM_PAYER), amount=half)
    failing = await pay(app, buyer, hold, await method(app, buyer, "11", prefix=SELCOM_PAYER),
                        amount=order["total"] - half)

    async def failure_taken_up():
        return await value(app, "SELECT count(*) FROM processed_events p JOIN outbox o ON o.id = p.event_id "
                                "WHERE p.consumer = 'commerce_checkout' AND o.routing_key = 'payments.payment.failed' "
                                "AND o.payload->>'payment_id' = $1", failing["id"])
    await eventually(failure_taken_up)
    assert (await _order(app, order["id"]))["state"] == "pending_payment"
    assert (await payment(app, buyer, waiting["id"]))["status"] == "pending"
    assert await stock(app, kitenge["variants"][0]) == (10, 1)


# the reservation's end

async def test_an_unpaid_order_expires_its_stock_is_released_and_a_payment_after_that_is_refunded(
        make_client, config, sandboxes):
    app = await start_app(make_client, config, sandboxes, workers=WORKERS, scheduler_poll_ms=100,
                          commerce_reservation_s=1)
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,), on_hand=1)
    wallet = await method(app, buyer, "28", prefix=SELCOM_PAYER)  # the payer takes their time
    placed = await check_out(app, buyer, items=[buy_now(kitenge)], address_id=home["id"], method_id=wallet["id"])
    order = placed["orders"][0]
    assert order["payment"]["status"] == "pending"
    assert await stock(app, kitenge["variants"][0]) == (1, 1)
    cancelled = await _state_becomes(app, order["id"], "cancelled")
    assert (cancelled["stock_state"], cancelled["paid_at"]) == ("released", None)
    assert await stock(app, kitenge["variants"][0]) == (1, 0)
    # the unit is on sale again: another buyer gets it
    other = await user(app)
    again = await check_out(app, other, items=[buy_now(kitenge)], address_id=(await add_address(app, other))["id"])
    assert again["orders"][0]["state"] == "pending_payment"
    # The first buyer approves the prompt at last: Selcom calls back, the payment is credited to the hold...
    sandboxes.selcom.complete(sandbox_payment(sandboxes.selcom, order["payment"]["reference"]).key)

    async def refunded():
        hold = await hold_now(app, uuid.UUID(order["hold_id"]))
        return hold.refunded_amount > 0 and hold
    hold = await eventually(refunded)
    assert (hold.state, hold.refunded_amount, hold.balance) == ("refunded", order["total"], 0)  # ...and given back
    assert (await payment(app, buyer, order["payment"]["id"]))["status"] == "succeeded"
    assert (await _order(app, order["id"]))["state"] == "cancelled"  # never paid without its stock
    assert await stock(app, kitenge["variants"][0]) == (1, 1)
    await _state_becomes(app, again["orders"][0]["id"], "cancelled")  # (its job fires in this test, not a later one)
    assert await stock(app, kitenge["variants"][0]) == (1, 0)


# refusals

async def test_what_changed_between_cart_and_checkout_is_409_naming_it_with_nothing_written(app):
    seller, buyer, shop, home = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000, 170_000), on_hand=3)
    await add(app, buyer, kitenge, 0, quantity=2)
    await add(app, buyer, kitenge, 1)
    before = await written(app, buyer, kitenge)
    small, medium = (uuid.UUID(v) for v in kitenge["variants"])
    await execute(app, "UPDATE product_variants SET price = 160000 WHERE id = $1", small)
    changed = await check_out(app, buyer, address_id=home["id"], expect=409)
    assert (changed["error"]["code"], changed["error"]["details"]["variant_id"],
            changed["error"]["details"]["seen_price"], changed["error"]["details"]["price"]) == (
        "price_changed", str(small), 150_000, 160_000)
    await cart(app, buyer)  # the buyer is shown the new price
    await execute(app, "UPDATE product_variants SET stock_committed = 2 WHERE id = $1", small)  # others bought
    short = await check_out(app, buyer, address_id=home["id"], expect=409)
    assert (short["error"]["code"], short["error"]["details"]["available"]) == ("insufficient_stock", 1)
    await execute(app, "UPDATE product_variants SET stock_committed = 0 WHERE id = $1", small)
    await execute(app, "UPDATE product_variants SET archived_at = now() WHERE id = $1", medium)
    archived = await check_out(app, buyer, address_id=home["id"], expect=409)
    assert (archived["error"]["code"], archived["error"]["details"]["variant_id"]) == (
        "product_unavailable", str(medium))
    await execute(app, "UPDATE product_variants SET archived_at = NULL, stock_on_hand = 0 WHERE id = $1", medium)
    sold_out = await check_out(app, buyer, address_id=home["id"], expect=409)
    assert (sold_out["error"]["code"], sold_out["error"]["details"]["variant_id"]) == ("out_of_stock", str(medium))
    assert await written(app, buyer, kitenge) == before == {**before, "checkouts": 0, "orders": 0, "committed": 0}
    assert len((await cart(app, buyer))["items"]) == 2


async def test_a_bad_checkout_is_refused_naming_the_problem_with_nothing_written(app):
    seller, buyer, shop, home = await _shopping(app)
    stranger = await user(app)
    theirs = await add_address(app, stranger)
    kitenge, kanga = await product(app, shop), await product(app, shop, name="Kanga")
    one = [buy_now(kitenge)]
    before = await written(app, buyer, kitenge, kanga)
    cases = [
        ({"items": one, "address_id": theirs["id"]}, 404, "address_not_found"),
        ({"items": one, "address_id": str(uuid.uuid4())}, 404, "address_not_found"),
        ({"items": one}, 422, "address_required"),
        ({"items": [{**buy_now(kitenge), "variant_id": kanga["variants"][0]}], "address_id": home["id"]}, 422,
         "variant_not_of_product"),
        ({"items": [buy_now(kitenge, quantity=11)], "address_id": home["id"]}, 409, "insufficient_stock"),
        ({"items": [buy_now(kitenge, unit_price=140_000)], "address_id": home["id"]}, 409, "price_changed"),
        ({"items": one + one, "address_id": home["id"]}, 422, "invalid"),
        ({"items": one, "pickup_shop_ids": [str(uuid.uuid4())]}, 422, "invalid"),
        ({"items": one, "address_id": home["id"], "method_id": str(uuid.uuid4())}, 404, "payment_method_not_found"),
        ({"address_id": home["id"]}, 409, "cart_empty"),
        ({"items": [buy_now(kitenge, quantity=0)], "address_id": home["id"]}, 422, "invalid"),
        ({"items": one, "address_id": home["id"], "coupon": "FREE"}, 422, "invalid"),
    ]
    for body, status, code in cases:
        refused = await check_out(app, buyer, expect=status, **body)
        assert refused["error"]["code"] == code, (body, refused)
    own = await check_out(app, seller, items=one, address_id=(await add_address(app, seller))["id"], expect=409)
    assert own["error"]["code"] == "own_shop"
    kenyan = await method(app, buyer, "00")  # a KES wallet for a TZS shop
    mismatch = await check_out(app, buyer, items=one, address_id=home["id"], method_id=kenyan["id"], expect=422)
    assert (mismatch["error"]["code"], list(mismatch["error"]["details"]["fields"])) == (
        "currency_mismatch", ["method_id"])
    await execute(app, "UPDATE shops SET pickup_note = NULL, pickup = false WHERE id = $1", uuid.UUID(shop["id"]))
    no_pickup = await check_out(app, buyer, items=one, pickup_shop_ids=[shop["id"]], expect=422)
    assert no_pickup["error"]["code"] == "pickup_unavailable"
    far = await add_address(app, buyer, country="KE", region="Nairobi", phone="0712345678")
    await execute(app, "UPDATE shops SET delivery_default_fee = NULL WHERE id = $1", uuid.UUID(shop["id"]))
    nowhere = await check_out(app, buyer, items=one, address_id=far["id"], expect=422)
    assert (nowhere["error"]["code"], nowhere["error"]["details"]["shop_id"]) == ("delivery_unavailable", shop["id"])
    assert await written(app, buyer, kitenge, kanga) == before == {**before, "checkouts": 0, "orders": 0,
                                                                   "committed": 0}


# concurrency

async def test_buyers_racing_for_the_last_units_get_exactly_the_stock_there_is(app):
    seller, _, shop, _ = await _shopping(app)
    kitenge = await product(app, shop, prices=(150_000,), on_hand=4)
    buyers = [await user(app) for _ in range(12)]
    homes = [await add_address(app, buyer) for buyer in buyers]
    answers = await asyncio.gather(*(
        app.post("/api/checkout", json={"items": [buy_now(kitenge)], "address_id": home["id"]},
                 headers={"Authorization": f"Bearer {buyer['access_token']}", "Idempotency-Key": str(uuid.uuid4())})
        for buyer, home in zip(buyers, homes)))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [201] * 4 + [409] * 8
    codes = {(await answer.json())["error"]["code"] for answer in answers if answer.status == 409}
    assert codes == {"out_of_stock"}
    assert await stock(app, kitenge["variants"][0]) == (4, 4)
    assert await value(app, "SELECT count(*) FROM orders o JOIN order_items i ON i.order_id = o.id "
                            "WHERE i.variant_id = $1", uuid.UUID(kitenge["variants"][0])) == 4
