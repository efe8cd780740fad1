"""The catalogue through the real app: listing a product with option axes and variants, its
public page (hidden across blocks, for a suspended shop, drafts but to staff), edits by the
shop's staff only, states, a shop's product list, categories; every refusal with nothing written."""
from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from nexgate.client import LiveError
from nexgate.domain.commerce.events import PRODUCT_LIVE
from tests.support.auth import bearer
from tests.support.commerce import adjust_stock, call, create_product, edit_shop, open_shop, product, rows
from tests.support.media import jpeg_bytes
from tests.support.media_api import upload
from tests.conftest import eventually
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


async def test_bad_products_are_422_naming_each_bad_field_and_write_nothing(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    taken = _sku()
    await create_product(client, amina, shop["id"], variants=[{"sku": taken, "price": 1000}])
    cases = [
        ({"variants": []}, {"variants"}),
        ({"name": "  ", "condition": "refurbished", "state": "archived", "colour": "red"},
         {"name", "condition", "state", "colour"}),
        ({"variants": [{"sku": _sku(), "price": 0}]}, {"variants"}),
        ({"variants": [{"sku": _sku(), "price": -100}]}, {"variants"}),
        ({"variants": [{"sku": _sku(), "price": 1000.5}]}, {"variants"}),
        ({"variants": [{"sku": _sku(), "price": "1000"}]}, {"variants"}),
        ({"variants": [{"sku": "bad sku!", "price": 1000}]}, {"variants"}),
        ({"variants": [{"sku": _sku(), "price": 1000, "stock": -1}]}, {"variants"}),
        ({"category_id": str(uuid.uuid4())}, {"category_id"}),
        ({"options": [{"name": "Size", "values": ["S", "s"]}]}, {"options"}),
        ({"options": [{"name": "Size", "values": ["S"]}, {"name": "size", "values": ["M"]}]}, {"options"}),
        ({"options": DRESS_AXES, "variants": _dress_variants(("S", "Red"), ("S", "Red"))}, {"variants"}),
        ({"options": DRESS_AXES, "variants": _dress_variants(("XL", "Red"))}, {"variants"}),
        ({"options": DRESS_AXES, "variants": [{"sku": _sku(), "options": {"Size": "S"}, "price": 1}]}, {"variants"}),
        ({"variants": [{"sku": _sku(), "price": 1}, {"sku": _sku(), "price": 2}]}, {"variants"}),
        ({"price_tiers": [{"min_quantity": 2, "unit_price": 900}, {"min_quantity": 3, "unit_price": 800}]},
         {"price_tiers"}),
        ({"price_tiers": [{"min_quantity": 2, "unit_price": 0}]}, {"price_tiers"}),
        ({"price_tiers": [{"sku": "NO-SUCH", "min_quantity": 2, "unit_price": 900}]}, {"price_tiers"}),
        ({"description": "ok\x00"}, {"description"}),
        ({"variants": [{"sku": "SKU-1\n", "price": 1000}]}, {"variants"}),
    ]
    for fields, named in cases:
        refused = await create_product(client, amina, shop["id"], expect=422, **fields)
        assert set(refused["error"]["details"]["fields"]) == named, (fields, refused)
    two = await create_product(client, amina, shop["id"], expect=422,
                               variants=[{"sku": _sku(), "price": 1}, {"sku": _sku(), "price": 2}])
    assert two["error"]["details"]["fields"] == {"variants": {"1": {"options": [
        "A product without options has one variant."]}}}
    same_sku = await create_product(client, amina, shop["id"], expect=409,
                                    variants=[{"sku": taken.lower(), "price": 1000}])
    assert same_sku["error"]["code"] == "sku_taken"
    assert same_sku["error"]["details"]["fields"] == {"variants": {"0": {"sku": [
        "Another variant of this shop has this SKU."]}}}
    assert await _count(client, "products", "shop_id", uuid.UUID(shop["id"])) == 1
    # another shop may use the same SKU
    other = await open_shop(client, amina)
    await create_product(client, amina, other["id"], variants=[{"sku": taken, "price": 1000}])


async def test_who_sees_a_product_drafts_blocks_and_a_suspended_shop(client):
    amina, baraka, chris = await user(client), await user(client), await user(client)
    mod = await moderator(client)
    shop = await open_shop(client, amina)
    await call(client, "POST", f"/api/shops/{shop['id']}/staff", amina, 201, json={"user_id": chris["id"]})
    draft = await create_product(client, amina, shop["id"], state="draft")
    active = await create_product(client, amina, shop["id"])
    for who in (None, baraka, mod):
        assert (await product(client, who, draft["id"], expect=404))["error"]["code"] == "product_not_found"
        assert (await product(client, who, active["id"]))["state"] == "active"
    assert (await product(client, chris, draft["id"]))["variants"][0]["stock"] == {"on_hand": 10, "committed": 0}
    listed = await call(client, "GET", f"/api/shops/{shop['id']}/products", None, 200)
    assert [item["id"] for item in listed["items"]] == [active["id"]]
    staff_list = await call(client, "GET", f"/api/shops/{shop['id']}/products", chris, 200)
    assert [item["id"] for item in staff_list["items"]] == [active["id"], draft["id"]]
    drafts = await call(client, "GET", f"/api/shops/{shop['id']}/products", amina, 200, params={"state": "draft"})
    assert [item["id"] for item in drafts["items"]] == [draft["id"]]
    assert (await call(client, "GET", f"/api/shops/{shop['id']}/products", baraka, 200,
                       params={"state": "draft"}))["items"] == []
    await block(client, baraka, amina["id"])
    assert (await product(client, baraka, active["id"], expect=404))["error"]["code"] == "product_not_found"
    await call(client, "GET", f"/api/shops/{shop['id']}/products", baraka, 404)
    await call(client, "POST", f"/api/admin/shops/{shop['id']}/suspend", mod, 200, json={"reason": "Fakes"})
    for who in (None, mod):
        await product(client, who, active["id"], expect=404)
    assert (await call(client, "GET", f"/api/shops/{shop['id']}/products", None, 404))["error"]["code"] == \
        "shop_not_found"
    assert (await product(client, chris, active["id"]))["shop"]["state"] == "suspended"


async def test_an_operator_takes_one_product_down_and_only_an_operator_puts_it_back(client):
    amina, chris, buyer = await user(client), await user(client), await user(client)
    mod = await moderator(client)
    shop = await open_shop(client, amina)
    await call(client, "POST", f"/api/shops/{shop['id']}/staff", amina, 201, json={"user_id": chris["id"]})
    fake = await create_product(client, amina, shop["id"], name="Saa zqsuspended")
    other = await create_product(client, amina, shop["id"])
    path = f"/api/admin/products/{fake['id']}"
    refused = await call(client, "POST", f"{path}/suspend", amina, 403, json={"reason": "I take myself down"})
    assert refused["error"]["code"] == "role_required"
    suspended = await call(client, "POST", f"{path}/suspend", mod, 200, json={"reason": "Counterfeit watch"})
    assert (suspended["state"], suspended["suspended_reason"]) == ("suspended", "Counterfeit watch")
    for who in (None, buyer, mod):
        assert (await product(client, who, fake["id"], expect=404))["error"]["code"] == "product_not_found"
    assert (await product(client, buyer, other["id"]))["state"] == "active"  # the shop's other products stay
    listed = await call(client, "GET", f"/api/shops/{shop['id']}/products", buyer, 200)
    assert [item["id"] for item in listed["items"]] == [other["id"]]
    found = await call(client, "GET", "/api/products/search", None, 200, params={"q": "zqsuspended"})
    assert found["items"] == []
    await call(client, "POST", "/api/cart/items", buyer, 404,
               json={"product_id": fake["id"], "variant_id": fake["variants"][0]["id"], "quantity": 1})
    # Its staff still see it, and why, but cannot put it back on sale.
    seen = await product(client, chris, fake["id"])
    assert (seen["state"], seen["suspended_reason"]) == ("suspended", "Counterfeit watch")
    staff_list = await call(client, "GET", f"/api/shops/{shop['id']}/products", chris, 200,
                            params={"state": "suspended"})
    assert [item["id"] for item in staff_list["items"]] == [fake["id"]]
    for state in ("active", "archived"):
        refused = await call(client, "PUT", f"/api/products/{fake['id']}/state", amina, 409, json={"state": state})
        assert refused["error"]["code"] == "product_suspended"
    await call(client, "PUT", f"/api/products/{fake['id']}/state", amina, 422, json={"state": "suspended"})
    again = await call(client, "POST", f"{path}/suspend", mod, 409, json={"reason": "again"})
    assert again["error"]["code"] == "product_suspended"
    back = await call(client, "POST", f"{path}/reinstate", mod, 200)
    assert (back["state"], back["suspended_reason"]) == ("active", None)  # the state it was suspended from
    refused = await call(client, "POST", f"{path}/reinstate", mod, 409)
    assert refused["error"]["code"] == "product_not_suspended" and refused["error"]["details"]["state"] == "active"
    assert (await product(client, buyer, fake["id"]))["state"] == "active"
    changes = [(row["payload"]["previous_state"], row["payload"]["state"], row["payload"]["actor_id"]) for row in
               await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'commerce.product_state.changed' "
                                  "AND payload->>'product_id' = $1 ORDER BY created_at", fake["id"])]
    assert changes == [("active", "suspended", mod["id"]), ("suspended", "active", mod["id"])]


async def test_only_the_shops_staff_change_a_product_403_or_404_for_anyone_else(client):
    amina, baraka = await user(client), await user(client)
    shop, rival = await open_shop(client, amina), await open_shop(client, baraka)
    active = await create_product(client, amina, shop["id"])
    draft = await create_product(client, amina, shop["id"], state="draft")
    variant = active["variants"][0]["id"]
    attempts = [("PATCH", "", {"name": "Mine now"}), ("PUT", "/state", {"state": "archived"}),
                ("POST", "/variants", {"sku": _sku(), "price": 5}),
                ("PATCH", f"/variants/{variant}", {"price": 1}), ("DELETE", f"/variants/{variant}", None),
                ("PUT", "/price-tiers", {"tiers": []})]
    for method, suffix, body in attempts:
        refused = await call(client, method, f"/api/products/{active['id']}{suffix}", baraka, 403, json=body)
        assert refused["error"]["code"] == "not_shop_staff", (method, suffix)
        hidden = await call(client, method, f"/api/products/{draft['id']}{suffix}", baraka, 404, json=body)
        assert hidden["error"]["code"] in ("product_not_found", "variant_not_found"), (method, suffix)
    await create_product(client, baraka, shop["id"], expect=403)
    assert (await product(client, None, active["id"]))["name"] == active["name"]
    assert rival["id"] != shop["id"]


async def test_staff_edit_a_product_its_variants_and_states_and_each_change_is_an_event(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    made = await create_product(client, amina, shop["id"], state="draft", options=[DRESS_AXES[0]],
                                variants=[{"sku": _sku(), "options": {"Size": "S"}, "price": 1000, "stock": 3}])
    path = f"/api/products/{made['id']}"
    assert (await call(client, "PATCH", path, amina, 200, json={"description": "  \n "}))["description"] is None
    edited = await call(client, "PATCH", path, amina, 200, json={
        "name": "Kitenge wrap", "condition": "used", "description": None, "low_stock_threshold": 2,
        "options": [{"name": "Size", "values": ["S", "M", "L", "XL"]}]})
    assert edited["name"] == "Kitenge wrap" and edited["condition"] == "used"
    assert edited["options"][0]["values"] == ["S", "M", "L", "XL"]
    for axes in ([{"name": "Colour", "values": ["S"]}], [{"name": "Size", "values": ["M"]}], []):
        refused = await call(client, "PATCH", path, amina, 422, json={"options": axes})
        assert list(refused["error"]["details"]["fields"]) == ["options"]
    added = await call(client, "POST", f"{path}/variants", amina, 201,
                       json={"sku": _sku(), "options": {"Size": "M"}, "price": 1200, "stock": 1})
    assert [v["options"] for v in added["variants"]] == [{"Size": "S"}, {"Size": "M"}]
    twice = await call(client, "POST", f"{path}/variants", amina, 409,
                       json={"sku": _sku(), "options": {"Size": "M"}, "price": 1200})
    assert twice["error"]["code"] == "variant_options_taken"
    small, medium = added["variants"][0]["id"], added["variants"][1]["id"]
    priced = await call(client, "PATCH", f"{path}/variants/{small}", amina, 200, json={"price": 900})
    assert priced["variants"][0]["price"] == 900 and priced["price_range"] == {"min": 900, "max": 1200}
    assert await _events(client, "commerce.variant_price.changed", made["id"]) == [
        {"variant_id": small, "product_id": made["id"], "shop_id": shop["id"], "old_price": 1000, "new_price": 900,
         "currency": "TZS"}]
    await call(client, "PATCH", f"{path}/variants/{small}", amina, 200, json={"price": 900, "sku": _sku()})  # same price
    assert len(await _events(client, "commerce.variant_price.changed", made["id"])) == 1
    for bad in ({"price": 0}, {"price": 9.5}, {"sku": "no spaces"}):
        await call(client, "PATCH", f"{path}/variants/{small}", amina, 422, json=bad)
    archived = await call(client, "DELETE", f"{path}/variants/{medium}", amina, 200)
    assert [v["id"] for v in archived["variants"]] == [small]
    last = await call(client, "DELETE", f"{path}/variants/{small}", amina, 409)
    assert last["error"]["code"] == "last_variant"
    assert (await call(client, "PUT", f"{path}/state", amina, 200, json={"state": "active"}))["published_at"]
    back = await call(client, "PUT", f"{path}/state", amina, 409, json={"state": "draft"})
    assert back["error"]["code"] == "product_state_invalid"
    assert back["error"]["details"] == {"state": "active", "allowed": ["archived"]}
    assert (await call(client, "PUT", f"{path}/state", amina, 200, json={"state": "archived"}))["state"] == "archived"
    assert (await call(client, "PUT", f"{path}/state", amina, 200, json={"state": "archived"}))["state"] == "archived"
    assert (await product(client, None, made["id"]))["state"] == "archived"  # still shown, not sold
    assert (await call(client, "PUT", f"{path}/state", amina, 200, json={"state": "active"}))["state"] == "active"
    states = await _events(client, "commerce.product_state.changed", made["id"])
    assert [(e["previous_state"], e["state"]) for e in states] == [("draft", "active"), ("active", "archived"),
                                                                    ("archived", "active")]
    updates = await _events(client, "commerce.product.updated", made["id"])
    assert updates[0]["fields"] == ["name", "description", "condition", "options", "low_stock_threshold"] or \
        set(updates[0]["fields"]) == {"name", "condition", "options", "low_stock_threshold"}


async def test_a_shops_products_are_paged_newest_first(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    made = [await create_product(client, amina, shop["id"]) for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = await call(client, "GET", f"/api/shops/{shop['id']}/products", None, 200,
                          params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [item["id"] for item in seen] == [p["id"] for p in reversed(made)]
    assert seen[0]["price_range"] == {"min": 2_500_000, "max": 2_500_000} and seen[0]["stock_status"] == "in_stock"
    assert seen[0]["image"] is None and seen[0]["shop_id"] == shop["id"]


async def test_operators_add_categories_to_the_tree(client):
    amina, mod = await user(client), await moderator(client)
    tree = (await call(client, "GET", "/api/product-categories", None, 200))["items"]
    food = next(c for c in tree if c["slug"] == "food")
    slug = f"maize-{uuid.uuid4().hex[:8]}"
    body = {"slug": slug, "name": "Maize flour", "name_sw": "Unga wa mahindi", "parent_id": food["id"]}
    assert (await call(client, "POST", "/api/admin/product-categories", amina, 403, json=body))["error"]["code"] == \
        "role_required"
    made = await call(client, "POST", "/api/admin/product-categories", mod, 201, json=body)
    assert made["parent_id"] == food["id"] and made["name_sw"] == "Unga wa mahindi"
    taken = await call(client, "POST", "/api/admin/product-categories", mod, 409, json=body)
    assert taken["error"]["code"] == "category_slug_taken"
    orphan = await call(client, "POST", "/api/admin/product-categories", mod, 422,
                        json={**body, "slug": slug + "-x", "parent_id": str(uuid.uuid4())})
    assert list(orphan["error"]["details"]["fields"]) == ["parent_id"]
    await call(client, "POST", "/api/admin/product-categories", mod, 422, json={**body, "slug": "Not A Slug"})
    tree = (await call(client, "GET", "/api/product-categories", None, 200))["items"]
    food = next(c for c in tree if c["slug"] == "food")
    assert slug in [c["slug"] for c in food["children"]]
    shop = await open_shop(client, amina)
    listed = await create_product(client, amina, shop["id"], category_id=made["id"])
    assert listed["category"] == {k: made[k] for k in ("id", "parent_id", "slug", "name", "name_sw")}


@pytest.fixture
async def live_app(make_client, config):
    return await make_client(config, worker_names=("outbox-relay", "commerce_live"))


async def _frame(device, event: str) -> dict:
    """The next frame of ``event`` (an edit is also ``commerce.product.updated``, in either order)."""
    while (frame := await device.next_event(timeout=10))["event"] != event:
        assert frame["event"] == "commerce.product.updated", frame
    return frame


async def _told_live(client, product_id: str) -> None:
    """Wait until the commerce_live group has handled every catalogue event of the product so far."""
    async def done():
        found = await rows(client, """
            SELECT count(*) = count(p.event_id) AS all_handled
              FROM outbox o LEFT JOIN processed_events p ON p.event_id = o.id AND p.consumer = 'commerce_live'
             WHERE o.payload ->> 'product_id' = $1 AND o.routing_key = ANY($2)""", product_id, list(PRODUCT_LIVE))
        return found[0]["all_handled"]

    await eventually(done)


def _tokens(api) -> dict:
    return {**api.tokens, "id": str(api.user_id)}


async def test_a_products_topic_carries_its_price_and_availability_to_whoever_may_see_it(live_app, users):
    client = live_app
    seller, buyer, blocked = [await users.new(client.server) for _ in range(3)]
    seller_tokens = _tokens(seller)
    shop = await open_shop(client, seller_tokens)
    made = await create_product(client, seller_tokens, shop["id"], low_stock_threshold=3,
                                variants=[{"sku": _sku(), "price": 10_000, "stock": 5}])
    draft = await create_product(client, seller_tokens, shop["id"], state="draft")
    variant_id = made["variants"][0]["id"]
    await block(client, _tokens(blocked), seller_tokens["id"])
    watcher, snoop = await buyer.live(), await blocked.live()
    topic = f"product:{made['id']}"
    await _told_live(client, made["id"])  # the frames of its making come before the watcher subscribes
    await watcher.subscribe(topic)
    for device, refused_topic in ((snoop, topic), (watcher, f"product:{draft['id']}"), (watcher, "product:nope")):
        with pytest.raises(LiveError) as refused:
            await device.subscribe(refused_topic)
        assert refused.value.code in ("product_not_found", "unknown_topic")
    await call(client, "PATCH", f"/api/products/{made['id']}/variants/{variant_id}", seller_tokens, 200,
               json={"price": 9_000})
    frame = await _frame(watcher, "commerce.variant_price.changed")
    assert (frame["type"], frame["topic"]) == ("topic", topic)
    assert frame["data"] == {"product_id": made["id"], "variant_id": variant_id, "price": 9_000,
                             "previous_price": 10_000, "currency": "TZS"}
    await adjust_stock(client, seller_tokens, made["id"], variant_id, -3, "damaged")
    frame = await _frame(watcher, "commerce.variant_stock.changed")
    assert frame["data"] == {"product_id": made["id"], "variant_id": variant_id, "available": 2,
                             "stock_status": "low_stock"}
    await call(client, "PUT", f"/api/products/{made['id']}/state", seller_tokens, 200, json={"state": "archived"})
    frame = await _frame(watcher, "commerce.product_state.changed")
    assert frame["data"]["product"] == await product(client, None, made["id"])
    for device in (watcher, snoop):
        await device.close()


async def _image(client, tokens: dict, purpose: str = "product") -> str:
    status, body = await upload(client, {**tokens, "headers": bearer(tokens)}, purpose,
                                [("photo.jpg", jpeg_bytes(320, 240))])
    assert status == 201, body
    return body["media"][0]["id"]


async def test_a_products_gallery_and_a_variants_photos_are_its_staffs_own_product_media(client):
    amina, baraka = await user(client), await user(client)
    shop = await open_shop(client, amina)
    front, back, swatch = [await _image(client, amina) for _ in range(3)]
    made = await create_product(client, amina, shop["id"], media_ids=[front, back], variants=[
        {"sku": _sku(), "price": 1000, "media_ids": [swatch]}])
    assert [m["id"] for m in made["media"]] == [front, back]
    assert [m["id"] for m in made["variants"][0]["media"]] == [swatch]
    assert [m["id"] for m in (await product(client, None, made["id"]))["media"]] == [front, back]
    card = (await call(client, "GET", f"/api/shops/{shop['id']}/products", None, 200))["items"][0]
    assert card["image"]["id"] == front
    reordered = await call(client, "PATCH", f"/api/products/{made['id']}", amina, 200, json={"media_ids": [back]})
    assert [m["id"] for m in reordered["media"]] == [back]
    theirs, avatar = await _image(client, baraka), await _image(client, amina, "avatar")
    for media_id, code in ((theirs, "media_not_owned"), (avatar, "media_purpose_mismatch"),
                           (str(uuid.uuid4()), "media_not_found")):
        refused = await create_product(client, amina, shop["id"], expect=refused_status(code), media_ids=[media_id])
        assert refused["error"]["code"] == code and list(refused["error"]["details"]["fields"]) == ["media_ids"]
        refused = await create_product(client, amina, shop["id"], expect=refused_status(code), variants=[
            {"sku": _sku(), "price": 1000, "media_ids": [media_id]}])
        assert refused["error"]["details"]["fields"] == {"variants": {"0": {"media_ids": [refused["error"]["message"]]}}}
    assert await _count(client, "products", "shop_id", uuid.UUID(shop["id"])) == 1
    variant_path = f"/api/products/{made['id']}/variants/{made['variants'][0]['id']}"
    for path in (f"/api/products/{made['id']}", variant_path):  # an edit's new images are checked as well
        refused = await call(client, "PATCH", path, amina, 403, json={"media_ids": [swatch, theirs]})
        assert refused["error"]["code"] == "media_not_owned"
    assert [m["id"] for m in (await product(client, None, made["id"]))["media"]] == [back]


def refused_status(code: str) -> int:
    return {"media_not_owned": 403, "media_purpose_mismatch": 422, "media_not_found": 404}[code]


async def test_two_variants_of_one_combination_or_one_sku_added_at_once_make_one(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    made = await create_product(client, amina, shop["id"], options=[DRESS_AXES[0]],
                                variants=[{"sku": _sku(), "options": {"Size": "S"}, "price": 1000}])
    other = await create_product(client, amina, shop["id"])
    path = f"/api/products/{made['id']}/variants"
    answers = await asyncio.gather(*(client.post(path, headers=bearer(amina), json={
        "sku": _sku(), "options": {"Size": "M"}, "price": 1000}) for _ in range(2)))
    assert sorted(answer.status for answer in answers) == [201, 409]
    sku = _sku()
    answers = await asyncio.gather(
        client.post(path, headers=bearer(amina), json={"sku": sku.upper(), "options": {"Size": "L"}, "price": 1000}),
        client.patch(f"/api/products/{other['id']}/variants/{other['variants'][0]['id']}", headers=bearer(amina),
                     json={"sku": sku.lower()}))
    assert sorted(answer.status for answer in answers) == [200, 409] or sorted(
        answer.status for answer in answers) == [201, 409]
    codes = [(await answer.json())["error"]["code"] for answer in answers if answer.status == 409]
    assert codes == ["sku_taken"]
    assert len(await rows(client, "SELECT id FROM product_variants WHERE shop_id = $1 AND lower(sku) = lower($2)",
                          uuid.UUID(shop["id"]), sku)) == 1


async def test_a_shop_with_products_keeps_its_currency(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    assert (await edit_shop(client, amina, shop["id"], currency="KES"))["currency"] == "KES"
    made = await create_product(client, amina, shop["id"])
    assert made["currency"] == "KES"
    refused = await edit_shop(client, amina, shop["id"], currency="TZS", expect=409)
    assert refused["error"]["code"] == "shop_has_products" and list(refused["error"]["details"]["fields"]) == ["currency"]
    assert (await edit_shop(client, amina, shop["id"], currency="KES", name="Same currency"))["name"] == "Same currency"
