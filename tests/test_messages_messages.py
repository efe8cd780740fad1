"""Messages over REST: text and links, replies, forwards, edits, deletions, reactions,
product banners, search; and each refused action changes nothing."""
from __future__ import annotations

import urllib.parse
import uuid

from nexgate.keys import PLATFORM
from tests.support import users as graph
from tests.support.messages import count, direct, group, history, product_on_sale, refused, send, texts
from tests.support.users import user


async def _pair(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    return amina, baraka, await direct(amina, baraka)


async def test_text_with_links_is_stored_as_typed_with_link_entities(client, users):
    amina, baraka, conversation = await _pair(client, users)
    text = "Angalia https://soko.co.tz/bidhaa?id=7, au www.nexgate.africa. <b>sio html</b>"
    message = await send(amina, conversation, text)
    assert message["text"] == text and message["type"] == "text" and message["status"] == "sent"
    assert [(e["offset"], e["length"], e["url"]) for e in message["entities"]] == [
        (text.index("https"), 30, "https://soko.co.tz/bidhaa?id=7"), (text.index("www"), 18, "https://www.nexgate.africa")]
    assert (await history(baraka, conversation))["items"][0]["entities"] == message["entities"]


async def test_a_message_over_the_length_limit_is_refused_and_nothing_is_stored(client, users):
    amina, baraka, conversation = await _pair(client, users)
    error = await refused(send(amina, conversation, "a" * 4001), 422, "invalid")
    assert "text" in error.details["fields"]
    await refused(send(amina, conversation, "   "), 422, "invalid")
    assert await send(amina, conversation, "a" * 4000)
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 1


async def test_messaging_someone_who_blocked_you_is_refused_and_stores_nothing(client, users):
    amina, baraka, conversation = await _pair(client, users)
    await send(amina, conversation, "salamu")
    await graph.block(client, {"access_token": baraka.access_token}, str(amina.user_id))
    await refused(send(amina, conversation, "mbona?"), 404, "user_not_found")
    await refused(send(baraka, conversation, "kwaheri"), 403, "user_blocked")
    eve = await users.new(client)
    await graph.block(client, {"access_token": eve.access_token}, str(amina.user_id))
    await refused(direct(amina, eve), 404, "user_not_found")
    await refused(group(amina, "Kundi", eve), 404, "user_not_found")
    assert await texts(baraka, conversation) == ["salamu"]
    assert await count(client, "conversation_members", user_id=eve.user_id) == 0


async def test_a_blocked_user_cannot_be_added_to_a_group(client, users):
    owner, friend, blocker = await users.new(client), await users.new(client), await users.new(client)
    team = await group(owner, "Marafiki", friend)
    await graph.block(client, {"access_token": blocker.access_token}, str(owner.user_id))
    await refused(owner.request("POST", f"/api/conversations/{team['id']}/members",
                                json={"user_ids": [str(blocker.user_id)]}), 404, "user_not_found")
    assert len((await owner.request("GET", f"/api/conversations/{team['id']}"))["members"]) == 2


async def test_dm_policy_following_takes_messages_only_from_people_they_follow(client, users):
    stranger, friend, picky = await users.new(client), await users.new(client), await users.new(client)
    await graph.update_profile(client, {"access_token": picky.access_token}, str(picky.user_id), dm_policy="following")
    await refused(direct(stranger, picky), 403, "messages_restricted")
    await graph.follow(client, {"access_token": picky.access_token}, str(friend.user_id))
    conversation = await direct(friend, picky)
    await send(friend, conversation, "nimefika")
    # picky started talking to the stranger: the stranger may answer.
    reply_channel = await direct(picky, stranger)
    await refused(send(stranger, reply_channel, "mimi kwanza"), 403, "messages_restricted")
    await send(picky, reply_channel, "karibu")
    await send(stranger, reply_channel, "asante")
    assert await texts(picky, reply_channel) == ["karibu", "asante"]


async def test_reply_quotes_a_message_of_the_same_conversation_only(client, users):
    amina, baraka, conversation = await _pair(client, users)
    question = await send(amina, conversation, "Bei gani?")
    answer = await send(baraka, conversation, "Elfu tano", reply_to_id=question["id"])
    assert answer["reply_to"] == {"id": question["id"], "sender_id": str(amina.user_id), "text": "Bei gani?",
                                  "deleted": False}
    other = await direct(amina, await users.new(client))
    elsewhere = await send(amina, other, "siri")
    await refused(send(baraka, conversation, "??", reply_to_id=elsewhere["id"]), 422, "invalid")


async def test_forward_copies_a_message_into_another_conversation(client, users):
    amina, baraka, conversation = await _pair(client, users)
    chris = await users.new(client)
    original = await send(baraka, conversation, "Mkutano saa nne")
    target = await direct(amina, chris)
    forwarded = await amina.request("POST", f"/api/messages/{original['id']}/forward",
                                    json={"conversation_id": target["id"]})
    assert forwarded["forwarded"] is True and forwarded["text"] == "Mkutano saa nne"
    assert forwarded["sender_id"] == str(amina.user_id) and forwarded["conversation_id"] == target["id"]
    assert await texts(chris, target) == ["Mkutano saa nne"]
    await refused(chris.request("POST", f"/api/messages/{original['id']}/forward",
                                json={"conversation_id": target["id"]}), 404, "message_not_found")


async def test_edit_within_the_window_marks_the_message_edited(client, users):
    amina, baraka, conversation = await _pair(client, users)
    message = await send(amina, conversation, "Bei ni 5000")
    edited = await amina.request("PATCH", f"/api/messages/{message['id']}", json={"text": "Bei ni 4500"})
    assert edited["text"] == "Bei ni 4500" and edited["edited_at"] is not None
    assert (await history(baraka, conversation))["items"][0]["text"] == "Bei ni 4500"


async def test_editing_after_the_window_or_someone_elses_message_is_refused(client, users):
    amina, baraka, conversation = await _pair(client, users)
    message = await send(amina, conversation, "asili")
    await refused(baraka.request("PATCH", f"/api/messages/{message['id']}", json={"text": "nimebadilisha"}),
                  403, "not_message_sender")
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE messages SET created_at = now() - interval '16 minutes' WHERE id = $1",
                           uuid.UUID(message["id"]))
    await refused(amina.request("PATCH", f"/api/messages/{message['id']}", json={"text": "kuchelewa"}),
                  403, "edit_window_passed")
    stored = (await history(baraka, conversation))["items"][0]
    assert stored["text"] == "asili" and stored["edited_at"] is None


async def test_delete_for_me_and_for_everyone(client, users):
    amina, baraka, conversation = await _pair(client, users)
    mine = await send(amina, conversation, "nitafuta")
    theirs = await send(baraka, conversation, "yangu")
    await amina.request("DELETE", f"/api/messages/{theirs['id']}")  # scope=me
    assert await texts(amina, conversation) == ["nitafuta"]
    assert await texts(baraka, conversation) == ["nitafuta", "yangu"]
    await refused(amina.request("DELETE", f"/api/messages/{theirs['id']}", params={"scope": "everyone"}),
                  404, "message_not_found")
    await refused(baraka.request("DELETE", f"/api/messages/{mine['id']}", params={"scope": "everyone"}),
                  403, "not_message_sender")
    await amina.request("DELETE", f"/api/messages/{mine['id']}", params={"scope": "everyone"})
    withdrawn = (await history(baraka, conversation))["items"][1]
    assert withdrawn["deleted"] is True and withdrawn["text"] is None
    async with client.app[PLATFORM].core.connection() as conn:
        assert await conn.fetchval("SELECT body FROM messages WHERE id = $1", uuid.UUID(mine["id"])) == ""


async def test_reactions_are_single_emoji(client, users):
    amina, baraka, conversation = await _pair(client, users)
    message = await send(amina, conversation, "Tumefika!")
    path = f"/api/messages/{message['id']}/reactions"
    added = await baraka.request("POST", path, json={"emoji": "🎉"})
    assert added["reactions"] == [{"emoji": "🎉", "count": 1, "mine": True}]
    await amina.request("POST", path, json={"emoji": "🎉"})
    await amina.request("POST", path, json={"emoji": "👍🏽"})
    for bad in ("lol", ":)", "🎉🎉", "a🎉"):
        error = await refused(baraka.request("POST", path, json={"emoji": bad}), 422, "invalid")
        assert "emoji" in error.details["fields"]
    assert await count(client, "message_reactions", message_id=uuid.UUID(message["id"])) == 3
    seen = (await history(baraka, conversation))["items"][0]["reactions"]
    assert seen == [{"emoji": "🎉", "count": 2, "mine": True}, {"emoji": "👍🏽", "count": 1, "mine": False}]
    removed = await baraka.request("DELETE", f"{path}/{urllib.parse.quote('🎉')}")
    assert removed["reactions"][0] == {"emoji": "🎉", "count": 1, "mine": False}
    await refused(baraka.request("DELETE", f"{path}/{urllib.parse.quote('🎉')}"), 404, "reaction_not_found")
    outsider = await users.new(client)
    await refused(outsider.request("POST", path, json={"emoji": "👍"}), 404, "message_not_found")


async def test_product_context_message_carries_its_banner(client, users):
    buyer, seller = await users.new(client), await users.new(client)
    conversation = await direct(buyer, seller)
    sold = await product_on_sale(seller, "Kanga ya Pwani", 1_500_000)
    product_id = sold["product"]["id"]
    banner = {"product_id": product_id, "name": "Kanga ya Pwani", "image_url": None,
              "price": {"amount": 1500000, "currency": "TZS"}, "shop": {"id": sold["shop"]["id"], "name": "Duka la Mama"}}
    message = await send(buyer, conversation, "", product={"product_id": product_id})
    assert message["type"] == "product" and message["product"] == banner  # built from the product
    assert message["text"] == "Hi, I'm interested in Kanga ya Pwani. Is this still available?"
    context = await seller.request("GET", f"/api/messages/{message['id']}/product-context")
    assert context == banner
    await seller.request("PATCH", f"/api/products/{product_id}", json={"name": "Kanga mpya"})
    assert await seller.request("GET", f"/api/messages/{message['id']}/product-context") == banner  # as it was
    error = await refused(send(buyer, conversation, "", product={**banner, "name": "Cheaper"}), 422, "invalid")
    assert set(error.details["fields"]["product"]) == {"name", "image_url", "price", "shop"}  # only the product's id
    await refused(send(buyer, conversation, "", product={"product_id": str(uuid.uuid4())}), 404, "product_not_found")
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 1


async def test_search_finds_only_what_the_caller_can_see(client, users):
    owner, early = await users.new(client), await users.new(client)
    team = await group(owner, "Wakulima", early)
    await send(owner, team, "mahindi yameiva shambani")
    late = await users.new(client)
    await owner.request("POST", f"/api/conversations/{team['id']}/members", json={"user_ids": [str(late.user_id)]})
    await send(owner, team, "mahindi mapya sokoni")
    hidden = await send(owner, team, "mahindi ya siri")
    await early.request("DELETE", f"/api/messages/{hidden['id']}")
    in_team = await history(early, team, q="mahindi")
    assert [m["text"] for m in in_team["items"]] == ["mahindi mapya sokoni", "mahindi yameiva shambani"]
    assert [m["text"] for m in (await history(late, team, q="mahindi"))["items"]] == [
        "mahindi ya siri", "mahindi mapya sokoni"]
    anywhere = await late.request("GET", "/api/messages/search", params={"q": "mahindi"})
    assert [m["text"] for m in anywhere["items"]] == ["mahindi ya siri", "mahindi mapya sokoni"]
    stranger = await user(client)
    assert (await client.get("/api/messages/search", params={"q": "mahindi"},
                             headers={"Authorization": f"Bearer {stranger['access_token']}"})).status == 200
    page = await early.request("GET", "/api/messages/search", params={"q": "mahindi", "limit": 1})
    rest = await early.request("GET", "/api/messages/search", params={"q": "mahindi", "limit": 1,
                                                                     "cursor": page["next_cursor"]})
    assert [m["text"] for m in page["items"] + rest["items"]] == ["mahindi mapya sokoni", "mahindi yameiva shambani"]
