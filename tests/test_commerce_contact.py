"""Contacting a seller from a product through the real app: the buyer's conversation with the
shop's owner opened or reused, the product message in it with its banner built from the product,
the client id's idempotency, the seller's live frame; and every refusal (a block either way, a
draft, one's own shop, the seller's dm_policy) with nothing written."""
from __future__ import annotations

import uuid

from tests.support.commerce import add_manager, call, create_product, open_shop, rows
from tests.support.users import block, user


async def _contact(client, tokens, product_id: str, *, expect: int = 201, **body) -> dict:
    return await call(client, "POST", f"/api/products/{product_id}/contact", tokens, expect,
                      **({"json": body} if body else {}))


async def _conversations_of(client, user_id: str) -> int:
    found = await rows(client, "SELECT count(*) AS n FROM conversation_members WHERE user_id = $1", uuid.UUID(user_id))
    return found[0]["n"]


async def test_contacting_opens_the_conversation_with_the_seller_and_sends_the_product(client):
    amina, baraka = await user(client), await user(client)
    shop = await open_shop(client, amina, name="Duka la Amina")
    made = await create_product(client, amina, shop["id"], name="Kitenge cha Pwani",
                                options=[{"name": "Size", "values": ["S", "M"]}], variants=[
        {"sku": f"A-{uuid.uuid4().hex[:8]}", "options": {"Size": "S"}, "price": 2_000_000, "stock": 2},
        {"sku": f"B-{uuid.uuid4().hex[:8]}", "options": {"Size": "M"}, "price": 1_800_000, "stock": 2}])
    done = await _contact(client, baraka, made["id"])
    assert done["conversation_created"] is True
    message = done["message"]
    assert message["type"] == "product" and message["sender_id"] == baraka["id"]
    assert message["text"] == "Hi, I'm interested in Kitenge cha Pwani. Is this still available?"
    assert message["product"] == {"product_id": made["id"], "name": "Kitenge cha Pwani", "image_url": None,
                                  "price": {"amount": 1_800_000, "currency": "TZS"},
                                  "shop": {"id": shop["id"], "name": "Duka la Amina"}}
    conversation = done["conversation"]
    assert conversation["type"] == "direct" and conversation["last_message"]["id"] == message["id"]
    assert sorted(member["user_id"] for member in conversation["members"]) == sorted([amina["id"], baraka["id"]])
    seen = await call(client, "GET", f"/api/conversations/{conversation['id']}/messages", amina, 200)
    assert [m["id"] for m in seen["items"]] == [message["id"]]
    # another product of hers: the same conversation, a new message with its own banner and text
    other = await create_product(client, amina, shop["id"], name="Kanga")
    again = await _contact(client, baraka, other["id"], text="Iko rangi ya bluu?", client_id="ask-kanga")
    assert again["conversation_created"] is False and again["conversation"]["id"] == conversation["id"]
    assert again["message"]["text"] == "Iko rangi ya bluu?" and again["message"]["product"]["name"] == "Kanga"
    repeat = await _contact(client, baraka, other["id"], expect=200, text="Iko rangi ya bluu?", client_id="ask-kanga")
    assert repeat["message"]["id"] == again["message"]["id"]
    seen = await call(client, "GET", f"/api/conversations/{conversation['id']}/messages", amina, 200)
    assert len(seen["items"]) == 2


async def test_a_manager_contacts_the_owner_not_themself_and_staff_cannot_contact_their_own_shop(client):
    amina, juma = await user(client), await user(client)
    shop = await open_shop(client, amina)
    await add_manager(client, amina, shop["id"], juma["id"])
    made = await create_product(client, amina, shop["id"])
    for staff in (amina, juma):
        refused = await _contact(client, staff, made["id"], expect=422)
        assert refused["error"]["code"] == "own_product"
    assert await _conversations_of(client, juma["id"]) == 0


async def test_a_block_either_way_a_draft_or_no_such_product_is_404_with_nothing_sent(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    shop = await open_shop(client, amina)
    made = await create_product(client, amina, shop["id"])
    draft = await create_product(client, amina, shop["id"], state="draft")
    await block(client, amina, baraka["id"])  # the seller blocked him
    await block(client, chausiku, amina["id"])  # she blocked the seller
    for tokens, product_id in ((baraka, made["id"]), (chausiku, made["id"]), (baraka, draft["id"]),
                               (chausiku, str(uuid.uuid4()))):
        refused = await _contact(client, tokens, product_id, expect=404)
        assert refused["error"]["code"] == "product_not_found"
    refused = await _contact(client, baraka, "not-a-uuid", expect=404)
    assert refused["error"]["code"] == "product_not_found"
    assert await _conversations_of(client, baraka["id"]) == 0 and await _conversations_of(client, chausiku["id"]) == 0


async def test_a_seller_who_takes_messages_only_from_people_they_follow_is_not_reached(client):
    amina, baraka = await user(client), await user(client)
    made = await create_product(client, amina, (await open_shop(client, amina))["id"])
    await call(client, "PATCH", f"/api/users/{amina['id']}", amina, 200, json={"dm_policy": "following"})
    refused = await _contact(client, baraka, made["id"], expect=403)
    assert refused["error"]["code"] == "messages_restricted"
    assert await rows(client, "SELECT 1 FROM messages WHERE sender_id = $1", uuid.UUID(baraka["id"])) == []
    refused = await _contact(client, baraka, made["id"], expect=422, text="x" * 4001)
    assert list(refused["error"]["details"]["fields"]) == ["text"]


async def test_a_product_message_in_any_conversation_is_about_a_product_the_sender_may_see(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    made = await create_product(client, amina, (await open_shop(client, amina))["id"], name="Kikoi")
    conversation = await call(client, "POST", "/api/conversations", baraka, 201, json={"user_ids": [chausiku["id"]]})
    path = f"/api/conversations/{conversation['id']}/messages"
    sent = await call(client, "POST", path, baraka, 201, json={"product": {"product_id": made["id"]}})
    assert sent["product"]["name"] == "Kikoi" and sent["type"] == "product"
    await block(client, amina, baraka["id"])  # the seller blocked him: her product is hidden from him
    refused = await call(client, "POST", path, baraka, 404, json={"product": {"product_id": made["id"]}})
    assert refused["error"]["code"] == "product_not_found"
    seen = await call(client, "GET", path, chausiku, 200)
    assert len(seen["items"]) == 1
