"""The wishlist through the real app: saving a product (and a variant of it) once, the list as
the products are now, removing, the cap, what may not be saved; and the notices of a price drop
and a return to stock through the catalogue's events, the commerce_wishlist group, RabbitMQ and
the notification service, to the savers of the product or of that variant only, in their
language, never to one blocked either way, and never for a rise or a change that leaves stock."""
from __future__ import annotations

import uuid

from nexgate.domain.commerce import wishlist as wishlist_domain
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.commerce import call, create_product, open_shop, rows
from tests.support.notifications import WORKERS, centre, event_ids, handled, person
from tests.support.users import block, user


def _sized(**fields) -> dict:
    """A product in two sizes, S at TZS 15,000 and M at TZS 18,000, 3 of each."""
    return {"options": [{"name": "Size", "values": ["S", "M"]}], "variants": [
        {"sku": f"S-{uuid.uuid4().hex[:10]}", "options": {"Size": "S"}, "price": 1_500_000, "stock": 3},
        {"sku": f"M-{uuid.uuid4().hex[:10]}", "options": {"Size": "M"}, "price": 1_800_000, "stock": 3}], **fields}


async def _save(client, tokens, product_id: str, variant_id: str | None = None, *, expect: int = 201) -> dict:
    body = {"product_id": product_id, **({"variant_id": variant_id} if variant_id else {})}
    return await call(client, "POST", "/api/wishlist", tokens, expect, json=body)


async def _listed(client, tokens) -> list[dict]:
    return (await call(client, "GET", "/api/wishlist", tokens, 200, params={"limit": 100}))["items"]


async def test_a_product_is_saved_once_listed_as_it_is_now_and_removed(client):
    amina, baraka = await user(client), await user(client)
    shop = await open_shop(client, amina)
    made = await create_product(client, amina, shop["id"], name="Kitenge cha Pwani", **_sized())
    small, medium = (variant["id"] for variant in made["variants"])
    saved = await _save(client, baraka, made["id"])
    assert saved["variant_id"] is None and saved["variant_price"] is None
    assert saved["product"]["id"] == made["id"] and saved["product"]["name"] == "Kitenge cha Pwani"
    assert saved["product"]["price"] == {"amount": 1_500_000, "currency": "TZS"} and saved["product"]["state"] == "active"
    assert saved["product"]["in_stock"] is True and saved["product"]["shop"]["id"] == shop["id"]
    again = await _save(client, baraka, made["id"], medium, expect=200)  # saved already: now size M
    assert again["variant_id"] == medium and again["variant_price"] == {"amount": 1_800_000, "currency": "TZS"}
    assert again["saved_at"] == saved["saved_at"]
    other = await create_product(client, amina, shop["id"])
    await _save(client, baraka, other["id"])
    assert [item["product"]["id"] for item in await _listed(client, baraka)] == [other["id"], made["id"]]
    assert await _listed(client, amina) == []
    # as it is now: size M sold out
    await call(client, "POST", f"/api/products/{made['id']}/variants/{medium}/stock", amina, 200,
               json={"delta": -3, "reason": "damaged"})
    [_, kitenge] = await _listed(client, baraka)
    assert kitenge["product"]["in_stock"] is False and kitenge["variant_id"] == medium
    await call(client, "DELETE", f"/api/wishlist/{made['id']}", baraka, 204)
    refused = await call(client, "DELETE", f"/api/wishlist/{made['id']}", baraka, 404)
    assert refused["error"]["code"] == "wishlist_item_not_found"
    assert [item["product"]["id"] for item in await _listed(client, baraka)] == [other["id"]]
    assert small  # both sizes were made


async def test_what_may_not_be_saved_is_refused_with_nothing_written(client):
    amina, baraka = await user(client), await user(client)
    shop = await open_shop(client, amina)
    made = await create_product(client, amina, shop["id"], **_sized())
    other = await create_product(client, amina, shop["id"])
    draft = await create_product(client, amina, shop["id"], state="draft")
    for product_id in (str(uuid.uuid4()), draft["id"]):
        refused = await _save(client, baraka, product_id, expect=404)
        assert refused["error"]["code"] == "product_not_found"
    for variant_id in (other["variants"][0]["id"], str(uuid.uuid4())):
        refused = await _save(client, baraka, made["id"], variant_id, expect=422)
        assert list(refused["error"]["details"]["fields"]) == ["variant_id"]
    await call(client, "DELETE", f"/api/products/{made['id']}/variants/{made['variants'][1]['id']}", amina, 200)
    refused = await _save(client, baraka, made["id"], made["variants"][1]["id"], expect=422)  # no longer sold
    assert list(refused["error"]["details"]["fields"]) == ["variant_id"]
    refused = await _save(client, amina, draft["id"], expect=404)  # its staff see it, but a draft is not for sale
    assert refused["error"]["code"] == "product_not_found"
    assert await rows(client, "SELECT 1 FROM wishlist_items WHERE user_id = $1", uuid.UUID(amina["id"])) == []
    await block(client, amina, baraka["id"])
    refused = await _save(client, baraka, other["id"], expect=404)
    assert refused["error"]["code"] == "product_not_found"
    assert await rows(client, "SELECT 1 FROM wishlist_items WHERE user_id = $1", uuid.UUID(baraka["id"])) == []


async def test_a_saved_product_hidden_since_is_left_out_until_it_is_shown_again(client):
    amina, baraka = await user(client), await user(client)
    made = await create_product(client, amina, (await open_shop(client, amina))["id"])
    await _save(client, baraka, made["id"])
    await block(client, baraka, amina["id"])
    assert await _listed(client, baraka) == []
    await call(client, "DELETE", f"/api/users/{amina['id']}/unblock", baraka, 204)
    assert [item["product"]["id"] for item in await _listed(client, baraka)] == [made["id"]]
    await call(client, "PUT", f"/api/products/{made['id']}/state", amina, 200, json={"state": "archived"})
    [item] = await _listed(client, baraka)
    assert item["product"]["state"] == "archived"  # still shown: no longer sold


async def test_the_wishlist_holds_at_most_its_cap(client, monkeypatch):
    monkeypatch.setattr(wishlist_domain, "MAX_ITEMS", 2)
    amina, baraka = await user(client), await user(client)
    shop = await open_shop(client, amina)
    made = [await create_product(client, amina, shop["id"]) for _ in range(3)]
    await _save(client, baraka, made[0]["id"])
    await _save(client, baraka, made[1]["id"])
    await _save(client, baraka, made[1]["id"], expect=200)  # saving again is no more
    refused = await _save(client, baraka, made[2]["id"], expect=409)
    assert refused["error"]["code"] == "wishlist_full" and refused["error"]["details"] == {"max": 2}
    assert len(await _listed(client, baraka)) == 2


# the notices

async def _wishlist_handled(client, routing_key: str, product_id: str) -> None:
    """Wait until the commerce_wishlist group has handled every such catalogue event of the product."""
    ids = await event_ids(client, routing_key, product_id=product_id)
    assert ids

    async def done():
        async with client.app[PLATFORM].core.connection() as conn:
            return await conn.fetchval("SELECT count(*) FROM processed_events WHERE consumer = 'commerce_wishlist'"
                                       " AND event_id = ANY($1)", ids) == len(ids)

    await eventually(done, timeout=20)


async def _told(client, routing_key: str, product_id: str) -> list[dict]:
    """The wishlist notices of the product written so far, once the notification service handled them."""
    ids = await event_ids(client, routing_key, product_id=product_id)
    await handled(client, ids)
    found = await rows(client, "SELECT payload FROM outbox WHERE id = ANY($1) ORDER BY created_at", ids)
    return [row["payload"] for row in found]


def _texts(listed: dict) -> list[str]:
    return [item["text"] for item in listed["items"]]


async def test_savers_are_told_of_a_price_drop_and_a_return_to_stock_in_their_language(make_client, config, users):
    client = await make_client(config, worker_names=[*WORKERS, "commerce_wishlist"])
    seller, whole, small, medium_sw, blocked = [await person(client, users) for _ in range(5)]
    await medium_sw.request("PATCH", f"/api/users/{medium_sw.user_id}", json={"language": "sw"})
    shop = await seller.request("POST", "/api/shops", json={"handle": f"duka_{uuid.uuid4().hex[:10]}",
                                                            "name": "Duka", "currency": "TZS"})
    made = await seller.request("POST", f"/api/shops/{shop['id']}/products",
                                json={"name": "Kitenge", "state": "active", **_sized()})
    product_id = made["id"]
    s, m = (variant["id"] for variant in made["variants"])
    for saver, variant_id in ((whole, None), (small, s), (medium_sw, m), (blocked, None)):
        await saver.request("POST", "/api/wishlist", json={"product_id": product_id, "variant_id": variant_id})
    await seller.request("POST", f"/api/users/{blocked.user_id}/block")
    await seller.request("PATCH", f"/api/products/{product_id}/variants/{m}", json={"price": 2_000_000})  # a rise
    await seller.request("PATCH", f"/api/products/{product_id}/variants/{m}", json={"price": 1_200_000})  # a drop
    await _wishlist_handled(client, "commerce.variant_price.changed", product_id)
    [dropped] = await _told(client, "commerce.wishlist_price.dropped", product_id)  # the rise told no one
    assert sorted(dropped["recipient_ids"]) == sorted([str(whole.user_id), str(medium_sw.user_id)])
    assert dropped | {"recipient_ids": []} == {
        "product_id": product_id, "variant_id": m, "shop_id": shop["id"], "product_name": "Kitenge",
        "old_price": 2_000_000, "new_price": 1_200_000, "currency": "TZS", "recipient_ids": []}
    listed = (await centre(whole))["items"]
    assert len(listed) == 1, listed
    [told] = listed
    assert told["text"] == "Price drop: Kitenge on your wishlist is now TZS 12,000 (was TZS 20,000)"
    assert told["type"] == "wishlist_price_drop" and told["category"] == "commerce"
    assert told["link"] == f"nexgate://products/{product_id}" and told["object"] == {"type": "product",
                                                                                     "id": product_id}
    assert _texts(await centre(medium_sw)) == [
        "Bei imeshuka: Kitenge kwenye orodha yako ya matamanio sasa ni TZS 12,000 (ilikuwa TZS 20,000)"]
    assert _texts(await centre(small)) == [] and _texts(await centre(blocked)) == []
    # size S: sold down to 1 left (no news), sold out, then restocked (back in stock)
    stock = f"/api/products/{product_id}/variants/{s}/stock"
    await seller.request("POST", stock, json={"delta": -2, "reason": "damaged"})
    await seller.request("POST", stock, json={"delta": -1, "reason": "lost"})
    await seller.request("POST", stock, json={"delta": 4, "reason": "restock"})
    await _wishlist_handled(client, "commerce.variant_stock.changed", product_id)
    [back] = await _told(client, "commerce.wishlist_item.restocked", product_id)
    assert sorted(back["recipient_ids"]) == sorted([str(whole.user_id), str(small.user_id)])
    assert back["available"] == 4 and back["variant_id"] == s
    assert _texts(await centre(small)) == ["Back in stock: Kitenge on your wishlist is available again"]
    assert _texts(await centre(whole)) == ["Back in stock: Kitenge on your wishlist is available again",
                                           "Price drop: Kitenge on your wishlist is now TZS 12,000 (was TZS 20,000)"]
    assert len(_texts(await centre(medium_sw))) == 1 and _texts(await centre(blocked)) == []
    assert _texts(await centre(seller)) == []
