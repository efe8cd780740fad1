"""Stock and prices through the real app and the domain functions checkout builds on:
``stock.move`` never oversells whatever runs at once, the seller's adjustments with a reason and
their audit, low and out-of-stock states, quantity price tiers and ``pricing.unit_price``."""
from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from nexgate.domain.commerce import pricing, stock
from nexgate.domain.commerce.products_repository import PriceTier
from nexgate.keys import PLATFORM
from tests.support.commerce import adjust_stock, call, create_product, open_shop, product, rows
from tests.support.users import user


def _tier(min_quantity, max_quantity, unit_price, variant_id=None) -> PriceTier:
    return PriceTier(uuid.uuid4(), uuid.uuid4(), variant_id, min_quantity, max_quantity, unit_price)


def test_unit_price_is_the_tier_covering_the_quantity_else_the_variants_price():
    tiers = [_tier(5, 9, 900), _tier(10, None, 800)]
    assert [pricing.unit_price(1000, tiers, q) for q in (1, 4, 5, 9, 10, 500)] == [1000, 1000, 900, 900, 800, 800]
    assert pricing.unit_price(1000, [], 50) == 1000
    with pytest.raises(ValueError):
        pricing.unit_price(1000, tiers, 0)


def test_overlapping_tiers_are_named_by_their_index_and_scope():
    assert pricing.overlap_problems([{"min_quantity": 2, "max_quantity": 4}, {"min_quantity": 5, "max_quantity": None}]) == {}
    assert set(pricing.overlap_problems([{"min_quantity": 2, "max_quantity": 5}, {"min_quantity": 5}])) == {1}
    assert set(pricing.overlap_problems([{"min_quantity": 10}, {"min_quantity": 2, "max_quantity": None}])) == {0}
    other = uuid.uuid4()
    assert pricing.overlap_problems([{"min_quantity": 2}, {"min_quantity": 2, "variant_id": other}]) == {}
    assert set(pricing.overlap_problems([{"min_quantity": 6, "max_quantity": 3}])) == {0}


async def _listed(client, stock_units: int = 10, **fields):
    amina = await user(client)
    shop = await open_shop(client, amina)
    made = await create_product(client, amina, shop["id"], variants=[
        {"sku": f"SKU-{uuid.uuid4().hex[:10]}", "price": 1_000_000, "stock": stock_units}], **fields)
    return amina, shop, made, made["variants"][0]["id"]


async def _move(client, variant_id: str, **deltas):
    async with client.app[PLATFORM].core.transaction("test.stock_move") as conn:
        return await stock.move(conn, variant_id=uuid.UUID(variant_id), **deltas)


async def test_reservations_at_once_never_take_more_than_is_available(client):
    _, _, made, variant_id = await _listed(client, stock_units=7)
    levels = await asyncio.gather(*(_move(client, variant_id, committed_delta=2, reason="reserved",
                                          order_id=uuid.uuid4()) for _ in range(8)))
    won = [level for level in levels if level is not None]
    assert len(won) == 3 and sorted(level.available for level in won) == [1, 3, 5]
    assert all(level.previous_available - level.available == 2 for level in won)
    row = (await rows(client, "SELECT stock_on_hand, stock_committed FROM product_variants WHERE id = $1",
                      uuid.UUID(variant_id)))[0]
    assert (row["stock_on_hand"], row["stock_committed"]) == (7, 6)
    audit = await rows(client, "SELECT reason, committed_delta, committed_after FROM stock_movements "
                               "WHERE variant_id = $1 AND reason = 'reserved' ORDER BY id", uuid.UUID(variant_id))
    assert [r["committed_after"] for r in audit] == [2, 4, 6]
    events = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'commerce.variant_stock.changed'"
                                " AND payload->>'variant_id' = $1", variant_id)
    payloads = [orjson.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"] for r in events]
    assert sorted(p["available"] for p in payloads if p["reason"] == "reserved") == [1, 3, 5]
    assert {p["product_id"] for p in payloads} == {made["id"]}
    # the last unit is released, then shipped: on hand and committed go down together
    assert (await _move(client, variant_id, committed_delta=-2, reason="released")).available == 3
    shipped = await _move(client, variant_id, on_hand_delta=-2, committed_delta=-2, reason="shipped")
    assert (shipped.on_hand, shipped.committed, shipped.available) == (5, 2, 3)
    assert await _move(client, variant_id, committed_delta=-3, reason="released") is None
    assert await _move(client, str(uuid.uuid4()), committed_delta=1, reason="reserved") is None


async def test_a_seller_adjusts_stock_with_a_reason_and_the_audit_keeps_who_and_why(client):
    amina, _, made, variant_id = await _listed(client, stock_units=10, low_stock_threshold=3)
    level = await adjust_stock(client, amina, made["id"], variant_id, 5, "restock", note="Delivery from Kariakoo")
    assert level == {"variant_id": variant_id, "product_id": made["id"], "on_hand": 15, "committed": 0,
                     "available": 15, "stock_status": "in_stock"}
    assert (await adjust_stock(client, amina, made["id"], variant_id, -12, "damaged"))["stock_status"] == "low_stock"
    await _move(client, variant_id, committed_delta=2, reason="reserved")
    refused = await adjust_stock(client, amina, made["id"], variant_id, -2, "lost", expect=409)
    assert refused["error"]["code"] == "insufficient_stock"
    assert refused["error"]["details"] == {"available": 1, "on_hand": 3, "committed": 2}
    assert (await adjust_stock(client, amina, made["id"], variant_id, -1, "correction"))["stock_status"] == "out_of_stock"
    page = await product(client, None, made["id"])
    assert page["variants"][0]["available"] == 0 and page["stock_status"] == "out_of_stock"
    for delta, reason in ((-1, "restock"), (1, "damaged"), (0, "correction"), (1, "reserved"), (1, "shipped")):
        bad = await adjust_stock(client, amina, made["id"], variant_id, delta, reason, expect=422)
        assert set(bad["error"]["details"]["fields"]) <= {"delta", "reason"}, (delta, reason)
    bad = await call(client, "POST", f"/api/products/{made['id']}/variants/{variant_id}/stock", amina, 422,
                     json={"delta": 1.5, "reason": "restock"})
    assert set(bad["error"]["details"]["fields"]) == {"delta"}
    audit = await call(client, "GET", f"/api/products/{made['id']}/variants/{variant_id}/stock/movements", amina, 200,
                       params={"limit": 3})
    assert [m["reason"] for m in audit["items"]] == ["correction", "reserved", "damaged"]
    assert audit["items"][0]["actor_id"] == amina["id"] and audit["items"][1]["actor_id"] is None
    rest = await call(client, "GET", f"/api/products/{made['id']}/variants/{variant_id}/stock/movements", amina, 200,
                      params={"cursor": audit["next_cursor"]})
    assert [(m["reason"], m["note"]) for m in rest["items"]] == [("restock", "Delivery from Kariakoo"),
                                                                  ("initial", None)]
    assert rest["next_cursor"] is None


async def test_only_the_shops_staff_adjust_stock_or_read_its_audit(client):
    amina, _, made, variant_id = await _listed(client)
    baraka = await user(client)
    await open_shop(client, baraka)
    refused = await adjust_stock(client, baraka, made["id"], variant_id, 5, "restock", expect=403)
    assert refused["error"]["code"] == "not_shop_staff"
    await call(client, "GET", f"/api/products/{made['id']}/variants/{variant_id}/stock/movements", baraka, 403)
    other = await create_product(client, amina, (await open_shop(client, amina))["id"])
    missing = await adjust_stock(client, amina, made["id"], other["variants"][0]["id"], 5, "restock", expect=404)
    assert missing["error"]["code"] == "variant_not_found"
    assert (await rows(client, "SELECT stock_on_hand FROM product_variants WHERE id = $1",
                       uuid.UUID(variant_id)))[0]["stock_on_hand"] == 10


async def test_price_tiers_are_set_validated_and_read_as_checkout_reads_them(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    axes = [{"name": "Size", "values": ["S", "M"]}]
    made = await create_product(client, amina, shop["id"], options=axes, variants=[
        {"sku": "TIER-S-" + uuid.uuid4().hex[:6], "options": {"Size": "S"}, "price": 1000, "stock": 50},
        {"sku": "TIER-M-" + uuid.uuid4().hex[:6], "options": {"Size": "M"}, "price": 1200, "stock": 50}])
    small, medium = (v["id"] for v in made["variants"])
    path = f"/api/products/{made['id']}/price-tiers"
    tiers = [{"min_quantity": 5, "max_quantity": 9, "unit_price": 900}, {"min_quantity": 10, "unit_price": 800},
             {"variant_id": medium, "min_quantity": 3, "unit_price": 1100}]
    page = await call(client, "PUT", path, amina, 200, json={"tiers": tiers})
    assert page["price_tiers"] == [{"min_quantity": 5, "max_quantity": 9, "unit_price": 900},
                                   {"min_quantity": 10, "max_quantity": None, "unit_price": 800}]
    assert page["variants"][0]["price_tiers"] == page["price_tiers"]
    assert page["variants"][1]["price_tiers"] == [{"min_quantity": 3, "max_quantity": None, "unit_price": 1100}]
    async with client.app[PLATFORM].core.connection() as conn:
        applying = await pricing.tiers_for(conn, [uuid.UUID(small), uuid.UUID(medium)])
    assert [t.min_quantity for t in applying[uuid.UUID(small)]] == [5, 10]  # the product's
    assert [t.min_quantity for t in applying[uuid.UUID(medium)]] == [3]  # its own, and only them
    assert [pricing.unit_price(1000, applying[uuid.UUID(small)], q) for q in (4, 5, 10)] == [1000, 900, 800]
    assert [pricing.unit_price(1200, applying[uuid.UUID(medium)], q) for q in (2, 3, 10)] == [1200, 1100, 1100]
    before = await rows(client, "SELECT id FROM product_price_tiers WHERE product_id = $1", uuid.UUID(made["id"]))
    overlapping = await call(client, "PUT", path, amina, 422, json={"tiers": [
        {"min_quantity": 2, "max_quantity": 5, "unit_price": 900}, {"min_quantity": 5, "unit_price": 800}]})
    assert overlapping["error"]["details"]["fields"] == {"tiers": {"1": {"min_quantity": [
        "This tier overlaps the tier from 2 units to 5."]}}}
    for bad in ({"min_quantity": 2, "unit_price": 0}, {"min_quantity": 2, "unit_price": -5},
                {"min_quantity": 2, "unit_price": 99.5}, {"min_quantity": 2, "unit_price": "900"},
                {"min_quantity": 1, "unit_price": 900}, {"min_quantity": 2.5, "unit_price": 900},
                {"min_quantity": 4, "max_quantity": 3, "unit_price": 900},
                {"min_quantity": 2, "unit_price": 900, "variant_id": str(uuid.uuid4())}):
        refused = await call(client, "PUT", path, amina, 422, json={"tiers": [bad]})
        assert list(refused["error"]["details"]["fields"]) == ["tiers"], bad
    after = await rows(client, "SELECT id FROM product_price_tiers WHERE product_id = $1", uuid.UUID(made["id"]))
    assert {r["id"] for r in after} == {r["id"] for r in before}
    cleared = await call(client, "PUT", path, amina, 200, json={"tiers": []})
    assert cleared["price_tiers"] == [] and all(v["price_tiers"] == [] for v in cleared["variants"])
