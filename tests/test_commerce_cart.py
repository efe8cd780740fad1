"""The cart through the real app: adding, changing and taking out; every read priced again (quantity
tiers included) and checked, with a clear notice of a price change, a sell-out, fewer units left or
a product no longer on sale since the last read; and every refusal of a bad add with nothing
written."""
from __future__ import annotations

import uuid

from tests.support.checkout import add, cart, execute, product, seller_shop, value
from tests.support.commerce import call
from tests.support.users import user


async def _shop(client):
    seller = await user(client)
    return seller, await seller_shop(client, seller)


async def test_lines_are_added_changed_taken_out_and_priced_by_quantity_tier(client):
    seller, shop = await _shop(client)
    buyer = await user(client)
    kitenge = await product(client, shop, prices=(150_000, 170_000), tiers=((3, 5, 120_000), (6, None, 100_000)))
    shown = await add(client, buyer, kitenge, 0, quantity=2)
    assert [(line["variant_id"], line["quantity"], line["unit_price"], line["line_total"]) for line in shown["items"]] \
        == [(kitenge["variants"][0], 2, 150_000, 300_000)]
    line = shown["items"][0]
    assert (line["product_id"], line["shop"]["id"], line["currency"], line["available"], line["purchasable"],
            line["options"], line["notices"]) == (kitenge["id"], shop["id"], "TZS", 10, True, {"Size": "S"}, [])
    shown = await add(client, buyer, kitenge, 0, quantity=1)  # adds to what is there: 3 units, the first tier
    assert (shown["items"][0]["quantity"], shown["items"][0]["unit_price"]) == (3, 120_000)
    shown = await add(client, buyer, kitenge, 1)  # quantity 1 by default
    assert [line["quantity"] for line in shown["items"]] == [3, 1]
    assert shown["totals"] == [{"currency": "TZS", "subtotal": 3 * 120_000 + 170_000}]
    changed = await call(client, "PATCH", f"/api/cart/items/{kitenge['variants'][0]}", buyer, 200,
                         json={"quantity": 6})
    assert (changed["items"][0]["unit_price"], changed["items"][0]["line_total"]) == (100_000, 600_000)
    assert changed["changed"] is False and changed["items"][0]["notices"] == []  # a tier reached is no notice
    left = await call(client, "DELETE", f"/api/cart/items/{kitenge['variants'][0]}", buyer, 200)
    assert [line["variant_id"] for line in left["items"]] == [kitenge["variants"][1]]
    assert await cart(client, buyer) == left
    for method, body in (("PATCH", {"quantity": 2}), ("DELETE", None)):
        gone = await call(client, method, f"/api/cart/items/{kitenge['variants'][0]}", buyer, 404, json=body)
        assert gone["error"]["code"] == "cart_item_not_found"
    assert (await cart(client, seller))["items"] == []  # one cart per buyer


async def test_more_than_in_stock_is_409_naming_what_is_left_and_changes_nothing(client):
    seller, shop = await _shop(client)
    buyer = await user(client)
    kitenge = await product(client, shop, prices=(150_000, 150_000), on_hand=3)
    await execute(client, "UPDATE product_variants SET stock_on_hand = 0 WHERE id = $1",
                  uuid.UUID(kitenge["variants"][1]))
    refused = await add(client, buyer, kitenge, 0, quantity=4, expect=409)
    assert refused["error"]["code"] == "insufficient_stock"
    assert refused["error"]["details"] == {"variant_id": kitenge["variants"][0], "product_id": kitenge["id"],
                                           "sku": refused["error"]["details"]["sku"], "available": 3, "requested": 4}
    await add(client, buyer, kitenge, 0, quantity=2)
    refused = await add(client, buyer, kitenge, 0, quantity=2, expect=409)  # 2 + 2 > 3
    assert refused["error"]["details"]["available"] == 3
    refused = await call(client, "PATCH", f"/api/cart/items/{kitenge['variants'][0]}", buyer, 409,
                         json={"quantity": 5})
    assert refused["error"]["code"] == "insufficient_stock"
    sold_out = await add(client, buyer, kitenge, 1, expect=409)
    assert (sold_out["error"]["code"], sold_out["error"]["details"]["available"]) == ("out_of_stock", 0)
    assert [(line["variant_id"], line["quantity"]) for line in (await cart(client, buyer))["items"]] == [
        (kitenge["variants"][0], 2)]


async def test_a_bad_add_is_refused_naming_the_problem_and_writes_nothing(client):
    seller, shop = await _shop(client)
    buyer = await user(client)
    kitenge, kanga = await product(client, shop), await product(client, shop, name="Kanga")
    mixed = {"id": kitenge["id"], "variants": kanga["variants"]}
    refused = await add(client, buyer, mixed, expect=422)
    assert (refused["error"]["code"], list(refused["error"]["details"]["fields"])) == (
        "variant_not_of_product", ["variant_id"])
    unknown = await add(client, buyer, {"id": kitenge["id"], "variants": [str(uuid.uuid4())]}, expect=404)
    assert unknown["error"]["code"] == "variant_not_found"
    hidden = await add(client, buyer, {"id": str(uuid.uuid4()), "variants": kitenge["variants"]}, expect=404)
    assert hidden["error"]["code"] == "product_not_found"
    draft = await product(client, shop, state="draft")
    assert (await add(client, buyer, draft, expect=404))["error"]["code"] == "product_not_found"
    own = await add(client, seller, kitenge, expect=409)
    assert own["error"]["code"] == "own_shop"
    for quantity in (0, -1, 1000, 1.5, "2", True):
        bad = await add(client, buyer, kitenge, quantity=quantity, expect=422)
        assert list(bad["error"]["details"]["fields"]) == ["quantity"]
    bad = await call(client, "POST", "/api/cart/items", buyer, 422, json={"variant_id": "x", "colour": "red"})
    assert set(bad["error"]["details"]["fields"]) == {"product_id", "variant_id", "colour"}
    await execute(client, "UPDATE shops SET state = 'closed' WHERE id = $1", uuid.UUID(shop["id"]))
    assert (await add(client, buyer, kitenge, expect=409))["error"]["code"] == "shop_closed"
    assert (await cart(client, buyer))["items"] == []
    assert await value(client, "SELECT count(*) FROM cart_items WHERE user_id = $1", uuid.UUID(buyer["id"])) == 0


async def test_a_read_tells_once_of_a_price_change_and_always_of_a_sell_out_or_an_item_off_sale(client):
    seller, shop = await _shop(client)
    buyer = await user(client)
    kitenge = await product(client, shop, prices=(150_000, 170_000, 190_000), on_hand=5)
    for index in range(3):
        await add(client, buyer, kitenge, index, quantity=2)
    small, medium, large = (uuid.UUID(v) for v in kitenge["variants"])
    await execute(client, "UPDATE product_variants SET price = 160000 WHERE id = $1", small)
    await execute(client, "UPDATE product_variants SET stock_on_hand = 0 WHERE id = $1", medium)
    await execute(client, "UPDATE product_variants SET stock_on_hand = 1 WHERE id = $1", large)
    shown = await cart(client, buyer)
    assert shown["changed"] is True
    notices = {line["variant_id"]: [(n["code"], n.get("old_price"), n.get("new_price"), n.get("available"))
                                    for n in line["notices"]] for line in shown["items"]}
    assert notices == {str(small): [("price_changed", 150_000, 160_000, None)],
                       str(medium): [("out_of_stock", None, None, 0)],
                       str(large): [("insufficient_stock", None, None, 1)]}
    assert all(notice["message"] for line in shown["items"] for notice in line["notices"])
    assert [line["purchasable"] for line in shown["items"]] == [True, False, False]
    assert shown["totals"] == [{"currency": "TZS", "subtotal": 320_000}]  # only what can be bought
    again = await cart(client, buyer)  # the new price was shown: no notice of it again
    assert [line["notices"] for line in again["items"]][0] == []
    assert [bool(line["notices"]) for line in again["items"]] == [False, True, True]
    await execute(client, "UPDATE products SET state = 'archived' WHERE id = $1", uuid.UUID(kitenge["id"]))
    archived = await cart(client, buyer)
    assert [(n["code"], n["reason"]) for line in archived["items"] for n in line["notices"]] == [
        ("unavailable", "product_unavailable")] * 3
    assert archived["totals"] == []
