"""The catalogue through the real app: listing a product with option axes and variants, its
public page (hidden across blocks, for a suspended shop, drafts but to staff), edits by the
shop's staff only, states, a shop's product list, categories; every refusal with nothing written."""
from __future__ import annotations

import uuid

import orjson

from tests.support.commerce import (
    call, create_product, edit_shop, open_shop, product, product_body, rows,
)
from tests.support.users import block, user
from tests.test_users_verification import moderator


def _sku() -> str:
    return f"SKU-{uuid.uuid4().hex[:12]}"


DRESS_AXES = [{"name": "Size", "values": ["S", "M", "L"]}, {"name": "Colour", "values": ["Red", "Blue"]}]


def _dress_variants(*combos, price=2_500_000, stock=4) -> list[dict]:
    return [{"sku": _sku(), "options": {"Size": size, "Colour": colour}, "price": price, "stock": stock}
            for size, colour in combos]


async def _events(client, routing_key: str, product_id: str) -> list[dict]:
    found = await rows(client, "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'product_id' = $2"
                               " ORDER BY created_at", routing_key, product_id)
    return [orjson.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"] for row in found]


async def _count(client, table: str, column: str, value) -> int:
    return (await rows(client, f"SELECT count(*) AS n FROM {table} WHERE {column} = $1", value))[0]["n"]


async def test_a_product_with_option_axes_is_listed_and_its_page_read_without_signing_in(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    categories = (await call(client, "GET", "/api/product-categories", None, 200))["items"]
    fashion = next(c for c in categories if c["slug"] == "fashion")
    kitenge = next(c for c in fashion["children"] if c["slug"] == "kitenge")
    assert fashion["name_sw"] == "Mitindo" and kitenge["parent_id"] == fashion["id"]
    variants = _dress_variants(("S", "Red"), ("M", "Red"), ("M", "Blue"))
    variants[2]["price"] = 2_700_000
    made = await create_product(client, amina, shop["id"], name="  Kitenge dress ", description="Cotton.\nHandmade.",
                                category_id=kitenge["id"], condition="new", options=DRESS_AXES, variants=variants,
                                low_stock_threshold=4)
    assert made["name"] == "Kitenge dress" and made["state"] == "active" and made["currency"] == "TZS"
    assert made["shop"]["id"] == shop["id"] and made["category"]["slug"] == "kitenge"
    assert made["options"] == DRESS_AXES
    assert [v["options"] for v in made["variants"]] == [v["options"] for v in variants]
    assert made["price_range"] == {"min": 2_500_000, "max": 2_700_000}
    assert made["available"] == 12 and made["stock_status"] == "low_stock"
    assert [v["stock"] for v in made["variants"]] == [{"on_hand": 4, "committed": 0}] * 3  # the staff see it
    public = await product(client, None, made["id"])
    assert [v["stock"] for v in public["variants"]] == [None] * 3
    assert {**public, "variants": None} == {**made, "variants": None}
    assert await _events(client, "commerce.product.created", made["id"]) == [
        {"product_id": made["id"], "shop_id": shop["id"], "state": "active", "actor_id": amina["id"]}]
    audit = await rows(client, "SELECT reason, on_hand_delta FROM stock_movements WHERE variant_id = $1",
                       uuid.UUID(made["variants"][0]["id"]))
    assert [(r["reason"], r["on_hand_delta"]) for r in audit] == [("initial", 4)]
    missing = await product(client, None, str(uuid.uuid4()), expect=404)
    assert missing["error"]["code"] == "product_not_found"
