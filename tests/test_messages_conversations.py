"""Conversations over REST: one per pair, groups, the list with unread counts, mute, read,
delete for oneself, and nobody reads a conversation they are not in."""
from __future__ import annotations

import uuid

from tests.support.messages import count, direct, group, history, refused, send, texts


async def test_a_pair_has_one_direct_conversation_reused_from_either_side(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    first = await direct(amina, baraka)
    again = await direct(baraka, amina)
    assert again["id"] == first["id"]
    assert first["type"] == "direct" and {m["user_id"] for m in first["members"]} == {
        str(amina.user_id), str(baraka.user_id)}
    assert await count(client, "conversation_members", user_id=amina.user_id) == 1


async def test_the_list_is_ordered_by_last_message_with_unread_counts_and_previews(client, users):
    me, a, b = await users.new(client), await users.new(client), await users.new(client)
    with_a, with_b = await direct(me, a), await direct(me, b)
    await send(a, with_a, "kwanza")
    await send(b, with_b, "pili")
    await send(a, with_a, "tatu")
    await send(a, with_a, "nne")
    page = await me.request("GET", "/api/conversations")
    assert [c["id"] for c in page["items"]] == [with_a["id"], with_b["id"]]
    assert [c["unread_count"] for c in page["items"]] == [3, 1]
    assert page["items"][0]["last_message"]["text"] == "nne"
    await me.request("POST", f"/api/conversations/{with_a['id']}/read", json={})
    page = await me.request("GET", "/api/conversations")
    assert [c["unread_count"] for c in page["items"]] == [0, 1]
    await me.request("POST", f"/api/conversations/{with_a['id']}/unread")
    assert (await me.request("GET", f"/api/conversations/{with_a['id']}"))["marked_unread"] is True
    await me.request("POST", f"/api/conversations/{with_a['id']}/read")
    assert (await me.request("GET", f"/api/conversations/{with_a['id']}"))["marked_unread"] is False
    first = await me.request("GET", "/api/conversations", params={"limit": 1})
    second = await me.request("GET", "/api/conversations", params={"limit": 1, "cursor": first["next_cursor"]})
    assert [c["id"] for c in first["items"] + second["items"]] == [with_a["id"], with_b["id"]]
    assert second["next_cursor"] is None


async def test_reading_another_users_conversation_by_id_is_not_found(client, users):
    amina, baraka, eve = await users.new(client), await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    await send(amina, conversation, "siri")
    for path in (f"/api/conversations/{conversation['id']}", f"/api/conversations/{conversation['id']}/messages"):
        await refused(eve.request("GET", path), 404, "conversation_not_found")
    await refused(send(eve, conversation, "hujambo"), 404, "conversation_not_found")
    await refused(eve.request("DELETE", f"/api/conversations/{conversation['id']}"), 404, "conversation_not_found")
    assert await texts(amina, conversation) == ["siri"]
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 1


async def test_deleting_a_conversation_hides_its_history_for_the_caller_only(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    await send(amina, conversation, "zamani")
    await amina.request("DELETE", f"/api/conversations/{conversation['id']}")
    assert (await amina.request("GET", "/api/conversations"))["items"] == []
    assert await texts(amina, conversation) == []
    assert await texts(baraka, conversation) == ["zamani"]
    await send(baraka, conversation, "sasa")
    assert [c["id"] for c in (await amina.request("GET", "/api/conversations"))["items"]] == [conversation["id"]]
    assert await texts(amina, conversation) == ["sasa"]


async def test_a_group_member_sees_history_from_when_they_joined(client, users):
    owner, early, late = await users.new(client), await users.new(client), await users.new(client)
    team = await group(owner, "Soko la Kariakoo", early)
    assert team["role"] == "owner" and team["name"] == "Soko la Kariakoo"
    await send(early, team, "kabla")
    await owner.request("POST", f"/api/conversations/{team['id']}/members", json={"user_ids": [str(late.user_id)]})
    await send(owner, team, "baada")
    assert await texts(late, team) == ["baada"]
    assert await texts(early, team) == ["kabla", "baada"]
    await refused(early.request("POST", f"/api/conversations/{team['id']}/members",
                                json={"user_ids": [str(owner.user_id)]}), 403, "not_group_admin")


async def test_a_member_who_left_cannot_post_and_keeps_the_history_until_then(client, users):
    owner, member = await users.new(client), await users.new(client)
    team = await group(owner, "Wauzaji", member)
    await send(owner, team, "karibu")
    await member.request("POST", f"/api/conversations/{team['id']}/leave")
    await send(owner, team, "umeondoka")
    await refused(send(member, team, "bado nipo?"), 403, "not_a_member")
    assert await texts(member, team) == ["karibu"]
    for q, found in (("karibu", ["karibu"]), ("umeondoka", [])):  # nor does searching find what came after
        assert [m["text"] for m in (await member.request("GET", "/api/messages/search", params={"q": q}))["items"]] == found
        assert [m["text"] for m in (await history(member, team, q=q))["items"]] == found
    assert await count(client, "messages", conversation_id=uuid.UUID(team["id"])) == 2
    view = await owner.request("GET", f"/api/conversations/{team['id']}")
    assert [m["user_id"] for m in view["members"]] == [str(owner.user_id)]


async def test_messages_from_before_joining_cannot_be_reached_by_id(client, users):
    owner, late = await users.new(client), await users.new(client)
    team = await group(owner, "Bodaboda", await users.new(client))
    earlier = await send(owner, team, "kabla yako")
    await owner.request("POST", f"/api/conversations/{team['id']}/members", json={"user_ids": [str(late.user_id)]})
    mine = await direct(late, owner)
    for call in (
        late.request("POST", f"/api/messages/{earlier['id']}/reactions", json={"emoji": "👍"}),
        late.request("POST", f"/api/messages/{earlier['id']}/forward", json={"conversation_id": mine["id"]}),
        late.request("DELETE", f"/api/messages/{earlier['id']}"),  # delete for me
    ):
        await refused(call, 404, "message_not_found")
    error = await refused(send(late, team, "nakubali", reply_to_id=earlier["id"]), 422, "invalid")
    assert "reply_to_id" in error.details["fields"]
    assert await count(client, "message_reactions", message_id=uuid.UUID(earlier["id"])) == 0
    assert await texts(owner, mine) == []
    assert await texts(owner, team) == ["kabla yako"]


async def test_an_owner_who_leaves_hands_the_group_on(client, users):
    owner, admin, member = await users.new(client), await users.new(client), await users.new(client)
    team = await group(owner, "Familia", member, admin)
    await owner.request("POST", f"/api/conversations/{team['id']}/admins/{admin.user_id}")
    await owner.request("POST", f"/api/conversations/{team['id']}/leave")
    view = await admin.request("GET", f"/api/conversations/{team['id']}")
    assert view["owner_id"] == str(admin.user_id) and view["role"] == "owner"
    renamed = await admin.request("PATCH", f"/api/conversations/{team['id']}", json={"name": "Familia Yetu"})
    assert renamed["name"] == "Familia Yetu"
    await refused(member.request("PATCH", f"/api/conversations/{team['id']}", json={"name": "x"}), 403,
                  "not_group_admin")


async def test_bad_creation_bodies_name_every_field(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    error = await refused(amina.request("POST", "/api/conversations", json={"type": "group", "user_ids": ["x"]}),
                          422, "invalid")
    assert set(error.details["fields"]) == {"user_ids", "name"}
    await refused(amina.request("POST", "/api/conversations", json={"user_ids": [str(amina.user_id)]}), 422, "invalid")
    assert await count(client, "conversation_members", user_id=amina.user_id) == 0
    assert await count(client, "conversation_members", user_id=baraka.user_id) == 0


async def test_mute_and_history_pages(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    await baraka.request("POST", f"/api/conversations/{conversation['id']}/mute")
    assert (await baraka.request("GET", f"/api/conversations/{conversation['id']}"))["muted"] is True
    for n in range(5):
        await send(amina, conversation, f"ujumbe {n}")
    first = await history(baraka, conversation, limit=2)
    second = await history(baraka, conversation, limit=2, cursor=first["next_cursor"])
    third = await history(baraka, conversation, limit=2, cursor=second["next_cursor"])
    seqs = [m["seq"] for m in first["items"] + second["items"] + third["items"]]
    assert seqs == [5, 4, 3, 2, 1] and third["next_cursor"] is None
    await refused(history(baraka, conversation, cursor="bogus"), 422, "invalid")
    await baraka.request("DELETE", f"/api/conversations/{conversation['id']}/unmute")
    assert (await baraka.request("GET", f"/api/conversations/{conversation['id']}"))["muted"] is False
