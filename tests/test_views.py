"""One view per thing a client sees: the REST answer, the WebSocket ack and the live event of
the same object carry the same fields and values (domain/messages/views.py)."""
from __future__ import annotations

from nexgate.handlers.messages.schemas import MessageSchema
from tests.support.media import png_bytes
from tests.support.media_api import upload
from tests.support.messages import direct, group, history, next_event, send

SIGNED = ("urls_expire_at", "url")  # made afresh for each view of private media


def _unsigned(value):
    """``value`` without the parts of private media's URLs that each view signs anew."""
    if isinstance(value, dict):
        return {key: _unsigned(item) for key, item in value.items() if key not in SIGNED}
    if isinstance(value, list):
        return [_unsigned(item) for item in value]
    return value


async def _photo(client, api) -> str:
    status, body = await upload(client, {"headers": {"Authorization": f"Bearer {api.access_token}"}},
                                "message", [("picha.png", png_bytes(64, 48))])
    assert status == 201, body
    return body["media"][0]["id"]


async def test_a_message_is_the_same_over_rest_in_its_send_ack_and_in_its_live_event(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    earlier = await send(amina, conversation, "Habari ya asubuhi")
    sender, receiver = await amina.live(), await baraka.live()
    frame = {"conversation_id": conversation["id"], "client_id": "v-1", "text": "Angalia https://example.com",
             "reply_to_id": earlier["id"]}
    ack = (await sender.call("message.send", **frame))["message"]
    created = (await next_event(sender, "messages.message.created"))["data"]["message"]
    received = (await next_event(receiver, "messages.message.created"))["data"]["message"]
    over_rest = await send(amina, conversation, frame["text"], client_id="v-1")  # answers the stored message
    assert ack == created == received == over_rest
    assert set(ack) == set(MessageSchema().fields)  # the schema documents every field of the view, and no other
    assert ack["reply_to"]["id"] == earlier["id"] and ack["entities"][0]["url"] == "https://example.com"
    assert (await history(amina, conversation))["items"][0] == over_rest

    edited = await amina.request("PATCH", f"/api/messages/{ack['id']}", json={"text": "Angalia tena"})
    updated = (await next_event(receiver, "messages.message.updated"))["data"]["message"]
    assert updated == edited and edited["text"] == "Angalia tena" and edited["edited_at"] is not None
    await sender.close()
    await receiver.close()


async def test_a_message_with_media_is_the_same_everywhere_but_for_its_fresh_signatures(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    sender = await amina.live()
    photo = await _photo(client, amina)
    ack = (await sender.call("message.send", conversation_id=conversation["id"], client_id="v-2", text="",
                             media_ids=[photo]))["message"]
    created = (await next_event(sender, "messages.message.created"))["data"]["message"]
    over_rest = await send(amina, conversation, "", client_id="v-2", media_ids=[photo])
    assert ack == created
    assert _unsigned(ack) == _unsigned(over_rest) and ack["media"][0]["id"] == photo
    assert set(ack["media"][0]) == set(over_rest["media"][0]) and ack["media"][0]["urls_expire_at"]
    await sender.close()


async def test_a_new_conversation_is_announced_live_as_on_the_bus(client, users):
    owner, member = await users.new(client), await users.new(client)
    device = await member.live()
    team = await group(owner, "Bodaboda", member)
    created = await next_event(device, "messages.conversation.created")
    assert created["data"] == {"conversation_id": team["id"], "created_by": str(owner.user_id),
                               "member_ids": [str(owner.user_id), str(member.user_id)]}
    await device.close()
