"""Reviews through the real app: only the buyer of a completed order reviews its products, once
per product per order (concurrent tries included), 1 to 5 with a text and photos, changed
within the edit window; the shop replies once; the exact aggregates of the product, its search
card and the shop; the lists and their sorts, blocks either way; commerce.review.created with
the seller for the trust worker, and the seller's "review received" notice."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

from nexgate.domain.commerce import orders
from nexgate.keys import PLATFORM
from tests.support import orders as order_support
from tests.support.commerce import add_manager, call, create_product, open_shop, rows
from tests.support.media import jpeg_bytes
from tests.support.media_api import upload
from tests.support.auth import bearer
from tests.support.notifications import WORKERS, centre, event_ids, handled, person
from tests.support.users import block, user

STEPS = (("accepted", "seller"), ("shipped", "seller"), ("delivered", "buyer"), ("completed", "system"))


async def _order(client, buyer: dict, shop: dict, variant_id: str, *, until: str = "completed") -> str:
    """The buyer's paid order of the variant, moved on to ``until`` as its parties move it."""
    placed = await order_support.place(client, buyer["id"], shop, variant_id=uuid.UUID(variant_id), quantity=1,
                                       fulfilment="pickup")
    for state, actor in STEPS:
        if until == "paid":
            break
        async with client.app[PLATFORM].core.transaction("tests.order_step") as conn:
            order = await orders.lock_order(conn, uuid.UUID(placed.id))
            actor_id = {"seller": uuid.UUID(shop["owner_id"]), "buyer": uuid.UUID(buyer["id"])}.get(actor)
            await orders.transition(conn, order, state, actor=actor, actor_id=actor_id)
        if state == until:
            break
    return placed.id


async def _review(client, tokens, product_id: str, order_id: str, *, expect: int = 201, **fields) -> dict:
    body = {"order_id": order_id, "rating": 5, **fields}
    return await call(client, "POST", f"/api/products/{product_id}/reviews", tokens, expect, json=body)


async def _sold(client, seller: dict, name: str = "Kitenge") -> tuple[dict, dict]:
    shop = await open_shop(client, seller)
    made = await create_product(client, seller, shop["id"], name=name)
    return shop, made


async def test_the_buyer_of_a_completed_order_reviews_its_product_once(client):
    amina, baraka = await user(client), await user(client)
    shop, made = await _sold(client, amina)
    order_id = await _order(client, baraka, shop, made["variants"][0]["id"])
    written = await _review(client, baraka, made["id"], order_id, rating=4, text="Rangi nzuri, kitambaa imara.")
    assert written["rating"] == 4 and written["text"] == "Rangi nzuri, kitambaa imara."
    assert written["author"]["id"] == baraka["id"] and written["order_id"] == order_id
    assert written["product_id"] == made["id"] and written["shop_id"] == shop["id"]
    assert written["reply"] is None and written["photos"] == [] and written["edited_at"] is None
    twice = await _review(client, baraka, made["id"], order_id, expect=409)
    assert twice["error"]["code"] == "already_reviewed"
    [event] = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'commerce.review.created'"
                                 " AND payload->>'review_id' = $1", written["id"])
    assert event["payload"] == {"review_id": written["id"], "product_id": made["id"], "product_name": "Kitenge",
                                "shop_id": shop["id"], "seller_id": amina["id"], "buyer_id": baraka["id"],
                                "order_id": order_id, "rating": 4}
    listed = await call(client, "GET", f"/api/products/{made['id']}/reviews", None, 200)
    assert listed["items"] == [written]


async def test_no_review_without_a_completed_order_of_ones_own_that_bought_the_product(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    shop, made = await _sold(client, amina)
    other = await create_product(client, amina, shop["id"])
    variant = made["variants"][0]["id"]
    for until in ("paid", "shipped", "delivered"):
        order_id = await _order(client, baraka, shop, variant, until=until)
        refused = await _review(client, baraka, made["id"], order_id, expect=409)
        assert refused["error"]["code"] == "order_not_completed" and refused["error"]["details"] == {"state": until}
    completed = await _order(client, baraka, shop, variant)
    for order_id in (completed, str(uuid.uuid4())):  # someone else's order, and no such order
        refused = await _review(client, chausiku, made["id"], order_id, expect=404)
        assert refused["error"]["code"] == "order_not_found"
    refused = await _review(client, baraka, other["id"], completed, expect=422)  # not what it bought
    assert list(refused["error"]["details"]["fields"]) == ["order_id"]
    for rating in (0, 6, 4.5, "5"):
        refused = await _review(client, baraka, made["id"], completed, expect=422, rating=rating)
        assert list(refused["error"]["details"]["fields"]) == ["rating"]
    refused = await _review(client, baraka, str(uuid.uuid4()), completed, expect=404)
    assert refused["error"]["code"] == "product_not_found"
    assert await rows(client, "SELECT 1 FROM product_reviews WHERE product_id = ANY($1)",
                      [uuid.UUID(made["id"]), uuid.UUID(other["id"])]) == []
    assert await rows(client, "SELECT 1 FROM outbox WHERE routing_key = 'commerce.review.created'"
                              " AND payload->>'product_id' = $1", made["id"]) == []


async def test_two_reviews_of_one_order_at_once_make_one_and_each_order_may_review(client):
    amina, baraka = await user(client), await user(client)
    shop, made = await _sold(client, amina)
    first = await _order(client, baraka, shop, made["variants"][0]["id"])
    answers = await asyncio.gather(*(client.post(f"/api/products/{made['id']}/reviews", headers=bearer(baraka),
                                                 json={"order_id": first, "rating": rating}) for rating in (5, 1)))
    assert sorted(answer.status for answer in answers) == [201, 409]
    second = await _order(client, baraka, shop, made["variants"][0]["id"])
    await _review(client, baraka, made["id"], second, rating=3)  # another order: another review
    rating = await call(client, "GET", f"/api/products/{made['id']}/rating", None, 200)
    assert rating["count"] == 2


async def test_the_aggregates_are_exact_on_the_product_its_card_and_the_shop(client):
    amina = await user(client)
    shop, made = await _sold(client, amina, "Kanga zqaggregate")
    other = await create_product(client, amina, shop["id"])
    buyers = [await user(client) for _ in range(3)]
    written = []
    for buyer, stars in zip(buyers, (5, 4, 4)):
        order_id = await _order(client, buyer, shop, made["variants"][0]["id"])
        written.append(await _review(client, buyer, made["id"], order_id, rating=stars))
    order_id = await _order(client, buyers[0], shop, other["variants"][0]["id"])
    await _review(client, buyers[0], other["id"], order_id, rating=1)
    assert await call(client, "GET", f"/api/products/{made['id']}/rating", None, 200) == {
        "average": 4.33, "count": 3, "stars": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    assert await call(client, "GET", f"/api/shops/${shop['handle']}/rating", None, 200) == {
        "average": 3.5, "count": 4, "stars": {"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}}
    await call(client, "PATCH", f"/api/reviews/{written[2]['id']}", buyers[2], 200, json={"rating": 2})
    assert await call(client, "GET", f"/api/products/{made['id']}/rating", None, 200) == {
        "average": 3.67, "count": 3, "stars": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}}
    [card] = (await call(client, "GET", "/api/products/search", None, 200, params={"q": "zqaggregate"}))["items"]
    assert card["rating"] == {"average": 3.67, "count": 3}
    assert (await call(client, "GET", f"/api/shops/{shop['id']}/rating", None, 200))["count"] == 4
    # The shop's page lists the reviews of all its products (not another shop's), lowest first, each naming its
    # product.
    elsewhere, sold_elsewhere = await _sold(client, await user(client))
    await _review(client, buyers[1], sold_elsewhere["id"],
                  await _order(client, buyers[1], elsewhere, sold_elsewhere["variants"][0]["id"]), rating=1)
    listed = await call(client, "GET", f"/api/shops/${shop['handle']}/reviews", None, 200, params={"sort": "lowest"})
    assert [(review["product_id"], review["rating"]) for review in listed["items"]] == [
        (other["id"], 1), (made["id"], 2), (made["id"], 4), (made["id"], 5)]
    await call(client, "GET", f"/api/shops/$no-such-{shop['handle']}/reviews", None, 404)


async def test_the_author_changes_a_review_within_the_window_only(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    shop, made = await _sold(client, amina)
    written = await _review(client, baraka, made["id"], await _order(client, baraka, shop, made["variants"][0]["id"]),
                            rating=2, text="Ilichelewa")
    status, uploaded = await upload(client, {**baraka, "headers": bearer(baraka)}, "product",
                                    [("photo.jpg", jpeg_bytes(320, 240))])
    assert status == 201, uploaded
    photo = uploaded["media"][0]["id"]
    changed = await call(client, "PATCH", f"/api/reviews/{written['id']}", baraka, 200,
                         json={"text": "Ilifika salama mwishowe", "media_ids": [photo]})
    assert changed["rating"] == 2 and changed["text"] == "Ilifika salama mwishowe" and changed["edited_at"]
    assert [p["id"] for p in changed["photos"]] == [photo]
    refused = await call(client, "PATCH", f"/api/reviews/{written['id']}", chausiku, 403, json={"rating": 5})
    assert refused["error"]["code"] == "not_review_author"
    await rows(client, "UPDATE product_reviews SET created_at = now() - interval '15 days' WHERE id = $1",
               uuid.UUID(written["id"]))
    refused = await call(client, "PATCH", f"/api/reviews/{written['id']}", baraka, 403, json={"rating": 5})
    assert refused["error"]["code"] == "edit_window_passed"
    assert (await call(client, "GET", f"/api/products/{made['id']}/reviews", None, 200))["items"][0]["rating"] == 2
    missing = await call(client, "PATCH", f"/api/reviews/{uuid.uuid4()}", baraka, 404, json={"rating": 5})
    assert missing["error"]["code"] == "review_not_found"


async def test_the_shop_replies_once(client):
    amina, juma, baraka, chausiku = await user(client), await user(client), await user(client), await user(client)
    shop, made = await _sold(client, amina)
    await add_manager(client, amina, shop["id"], juma["id"])
    written = await _review(client, baraka, made["id"], await _order(client, baraka, shop, made["variants"][0]["id"]))
    refused = await call(client, "POST", f"/api/reviews/{written['id']}/reply", chausiku, 403, json={"text": "Asante"})
    assert refused["error"]["code"] == "not_shop_staff"
    replied = await call(client, "POST", f"/api/reviews/{written['id']}/reply", juma, 200,
                         json={"text": "Asante kwa kununua!"})
    assert replied["reply"]["text"] == "Asante kwa kununua!" and replied["reply"]["replied_at"]
    refused = await call(client, "POST", f"/api/reviews/{written['id']}/reply", amina, 409, json={"text": "Tena"})
    assert refused["error"]["code"] == "review_already_replied"
    assert (await call(client, "GET", f"/api/products/{made['id']}/reviews", None, 200))["items"][0]["reply"][
        "text"] == "Asante kwa kununua!"


async def test_reviews_are_sorted_paged_and_hidden_across_blocks(client):
    amina, viewer = await user(client), await user(client)
    shop, made = await _sold(client, amina)
    buyers = [await user(client) for _ in range(4)]
    by_stars = {}
    for buyer, stars in zip(buyers, (3, 5, 1, 4)):
        review = await _review(client, buyer, made["id"], await _order(client, buyer, shop, made["variants"][0]["id"]),
                               rating=stars)
        by_stars[stars] = review["id"]

    async def pages(tokens, sort: str) -> list[str]:
        found, cursor = [], None
        while True:
            page = await call(client, "GET", f"/api/products/{made['id']}/reviews", tokens, 200,
                              params={"sort": sort, "limit": 1, **({"cursor": cursor} if cursor else {})})
            found += [item["id"] for item in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                return found

    assert await pages(None, "newest") == [by_stars[4], by_stars[1], by_stars[5], by_stars[3]]
    assert await pages(None, "highest") == [by_stars[5], by_stars[4], by_stars[3], by_stars[1]]
    assert await pages(None, "lowest") == [by_stars[1], by_stars[3], by_stars[4], by_stars[5]]
    await block(client, viewer, buyers[1]["id"])  # the 5-star author
    await block(client, buyers[2], viewer["id"])  # the 1-star author blocked the viewer
    assert await pages(viewer, "highest") == [by_stars[4], by_stars[3]]
    refused = await call(client, "GET", f"/api/products/{made['id']}/reviews", None, 422,
                         params={"sort": "best"})
    assert list(refused["error"]["details"]["fields"]) == ["sort"]


async def test_the_seller_is_told_of_a_review(make_client, config, users):
    client = await make_client(dataclasses.replace(config, bus_prefetch=1), worker_names=WORKERS)
    seller, buyer = await person(client, users), await person(client, users)
    seller_tokens = {"access_token": seller.access_token, "id": str(seller.user_id)}
    buyer_tokens = {"access_token": buyer.access_token, "id": str(buyer.user_id)}
    shop = await open_shop(client, seller_tokens)
    made = await create_product(client, seller_tokens, shop["id"], name="Kikoi")
    order_id = await _order(client, buyer_tokens, shop, made["variants"][0]["id"])
    written = await _review(client, buyer_tokens, made["id"], order_id, rating=5, text="Safi sana")
    await handled(client, await event_ids(client, "commerce.review.created", review_id=written["id"]))
    [told] = [item for item in (await centre(seller))["items"] if item["type"] == "review_received"]
    name = (await buyer.request("GET", f"/api/users/{buyer.user_id}"))["display_name"]
    assert told["type"] == "review_received" and told["text"] == f"{name} rated Kikoi 5 out of 5"
    assert told["link"] == f"nexgate://products/{made['id']}/reviews/{written['id']}"
    assert [item for item in (await centre(buyer))["items"] if item["type"] == "review_received"] == []
