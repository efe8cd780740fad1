"""Messages delivered live through the gateway: every device of every member, the WebSocket
send frame and its retries, reconnecting mid-conversation, order under concurrency, receipts,
typing, muted conversations, the outbox event and the rate limit."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

from nexgate.app import create_app
from nexgate.client import LiveError, LiveSession
from tests.support import users as graph
from tests.support.barrier import settle
from tests.support.messages import count, direct, group, next_event, refused, send, texts


async def test_a_message_reaches_every_device_of_every_member_once(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    amina_laptop = users.on(client, amina)
    conversation = await direct(amina, baraka)
    phone, laptop, receiver = await amina.live(), await amina_laptop.live(), await baraka.live()
    sent = await send(amina, conversation, "Nimefika salama")
    for device in (phone, laptop, receiver):
        frame = await next_event(device, "messages.message.created")
        assert frame["id"] == sent["id"]
        assert frame["data"]["message"]["text"] == "Nimefika salama" and frame["data"]["muted"] is False
        assert [f for f in await settle(client, device) if f.get("event") == "messages.message.created"] == []
    for device in (phone, laptop, receiver):
        await device.close()


async def test_the_send_frame_is_idempotent_by_client_id(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    sender, receiver = await amina.live(), await baraka.live()
    frame = {"conversation_id": conversation["id"], "client_id": "c-42", "text": "Mara moja tu"}
    first = await sender.call("message.send", **frame)
    retried = await sender.call("message.send", **frame)
    over_rest = await send(amina, conversation, "Mara moja tu", client_id="c-42")
    assert first["duplicate"] is False and retried["duplicate"] is True
    assert retried["message"]["id"] == first["message"]["id"] == over_rest["id"]
    assert (await next_event(receiver, "messages.message.created"))["id"] == first["message"]["id"]
    assert await settle(client, receiver) == []
    assert await texts(baraka, conversation) == ["Mara moja tu"]
    other = await direct(amina, await users.new(client))
    with_reuse = sender.call("message.send", **{**frame, "conversation_id": other["id"]})
    try:
        await with_reuse
        raise AssertionError("a client id reused in another conversation was accepted")
    except LiveError as error:
        assert error.code == "client_id_reused"
    await sender.close()
    await receiver.close()


async def test_retries_racing_the_first_send_store_one_message_and_leave_no_gap(client, users):
    """A client that retries before the first send answered: every copy gets the one message,
    and the next message takes the very next seq (a lost race writes nothing, not even a seq)."""
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    copies = await asyncio.gather(*(send(amina, conversation, "Bei gani?", client_id="retry-1") for _ in range(6)))
    assert len({m["id"] for m in copies}) == 1 and {m["seq"] for m in copies} == {1}
    following = await send(amina, conversation, "Nijibu tafadhali")
    assert following["seq"] == 2
    assert await texts(baraka, conversation) == ["Bei gani?", "Nijibu tafadhali"]
    listed = (await baraka.request("GET", "/api/conversations"))["items"]
    assert [c["unread_count"] for c in listed if c["id"] == conversation["id"]] == [2]
    assert [e["seq"] for e in await graph.events(client, "messages.message.created", conversation_id=conversation["id"])] == [1, 2]


async def test_the_send_frame_refuses_what_rest_refuses(client, users):
    amina, baraka, eve = await users.new(client), await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    intruder = await eve.live()
    for fields, code in (({"conversation_id": conversation["id"], "client_id": "x", "text": "hi"}, "conversation_not_found"),
                         ({"conversation_id": conversation["id"], "text": "hi"}, "invalid"),
                         ({"conversation_id": "nope", "client_id": "x", "text": "hi"}, "invalid")):
        try:
            await intruder.call("message.send", **fields)
            raise AssertionError(f"{fields} was accepted")
        except LiveError as error:
            assert error.code == code
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 0
    await intruder.close()


async def test_a_reconnect_mid_conversation_loses_nothing_and_doubles_nothing(aiohttp_server, config, users):
    """The receiver's server restarts while the other side keeps talking through another one."""
    talking_server = await aiohttp_server(create_app(config))
    receiving_server = await aiohttp_server(create_app(config))
    amina = await users.new(talking_server)
    baraka = users.on(receiving_server, await users.new(talking_server))
    conversation = await direct(amina, baraka)
    receiver = await baraka.live(device_name="phone")

    async def talk():
        for n in range(40):
            await send(amina, conversation, f"#{n}")
            await asyncio.sleep(0.02)

    talker = asyncio.create_task(talk())
    await asyncio.sleep(0.3)
    port = receiving_server.port
    await receiving_server.close()  # every socket is told 1012: reconnect and resume
    await asyncio.sleep(0.2)
    await aiohttp_server(create_app(config), port=port)
    await talker
    got = [(await next_event(receiver, "messages.message.created", timeout=15))["data"]["message"]["text"]
           for _ in range(40)]
    assert got == [f"#{n}" for n in range(40)]
    assert 1012 in receiver.closes
    assert await settle(talking_server, receiver) == []  # the receiving one was restarted
    await receiver.close()


async def test_an_app_reopened_later_resumes_from_its_last_position(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    receiver = await baraka.live()
    await send(amina, conversation, "moja")
    await next_event(receiver, "messages.message.created")
    position = receiver.position
    await receiver.close()
    for text in ("mbili", "tatu"):
        await send(amina, conversation, text)
    reopened = LiveSession(baraka)
    reopened.position = position
    await reopened.connect()
    got = [(await next_event(reopened, "messages.message.created"))["data"]["message"]["text"] for _ in range(2)]
    assert got == ["mbili", "tatu"] and await settle(client, reopened) == []
    await reopened.close()


async def test_concurrent_sends_get_consecutive_sequence_numbers_each_delivered_once(client, users):
    """Twenty sends at once: seq 1..20, no gap, no repeat. Live events of sends that commit at
    the same moment may arrive a few places apart: ``seq`` is the order (docs/messages.md)."""
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    receiver = await baraka.live()
    sends = [send(amina if n % 2 else baraka, conversation, f"#{n}") for n in range(20)]
    stored = await asyncio.gather(*sends)
    assert sorted(m["seq"] for m in stored) == list(range(1, 21))
    arrived = [(await next_event(receiver, "messages.message.created"))["data"]["message"] for _ in range(20)]
    assert sorted(m["seq"] for m in arrived) == list(range(1, 21))
    assert {m["id"]: m["seq"] for m in arrived} == {m["id"]: m["seq"] for m in stored}
    assert await settle(client, receiver) == []
    await receiver.close()


async def test_each_senders_messages_arrive_in_the_order_sent_while_both_talk_at_once(client, users):
    amina, baraka, watcher = await users.new(client), await users.new(client), await users.new(client)
    team = await group(amina, "Mazungumzo", baraka, watcher)
    device = await watcher.live()

    async def talk(api, name):
        for n in range(15):
            await send(api, team, f"{name}{n}")

    await asyncio.gather(talk(amina, "a"), talk(baraka, "b"))
    arrived = [(await next_event(device, "messages.message.created"))["data"]["message"] for _ in range(30)]
    for name in "ab":
        mine = [m for m in arrived if m["text"].startswith(name)]
        assert [m["text"] for m in mine] == [f"{name}{n}" for n in range(15)]
        assert [m["seq"] for m in mine] == sorted(m["seq"] for m in mine)
    assert sorted(m["seq"] for m in arrived) == list(range(1, 31))
    await device.close()


async def test_sent_delivered_and_read_reach_the_sender_live(client, users):
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    sender, receiver = await amina.live(), await baraka.live()
    message = (await sender.call("message.send", conversation_id=conversation["id"], client_id="r1", text="Umeona?"))["message"]
    assert message["status"] == "sent"
    arrived = await next_event(receiver, "messages.message.created")
    seq = arrived["data"]["message"]["seq"]
    assert (await receiver.call("message.delivered", conversation_id=conversation["id"], seq=seq)) == {"seq": seq}
    delivered = await next_event(sender, "messages.conversation.delivered")
    assert delivered["data"] == {"conversation_id": conversation["id"], "user_id": str(baraka.user_id), "seq": seq}
    assert (await amina.request("GET", f"/api/conversations/{conversation['id']}/messages"))["items"][0]["status"] == "delivered"
    await receiver.call("message.read", conversation_id=conversation["id"])
    read = await next_event(sender, "messages.conversation.read")
    assert read["data"]["seq"] == seq
    assert (await amina.request("GET", f"/api/conversations/{conversation['id']}/messages"))["items"][0]["status"] == "read"
    for device in (sender, receiver):
        await device.close()


async def test_typing_goes_to_the_other_participants_who_follow_the_conversation_and_only_members_may(
        client, users):
    amina, baraka, eve = await users.new(client), await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    topic = f"conversation:{conversation['id']}"
    typer, typers_tablet, watcher, snoop = await amina.live(), await amina.live(), await baraka.live(), await eve.live()
    for device in (typers_tablet, watcher):
        await device.subscribe(topic)
    try:
        await snoop.subscribe(topic)
        raise AssertionError("a non-member followed a conversation's typing")
    except LiveError as error:
        assert error.code == "conversation_not_found"
    await typer.call("typing", conversation_id=conversation["id"])
    frame = await watcher.next_event()
    assert frame["type"] == "topic" and frame["event"] == "messages.typing.changed"
    assert frame["data"] == {"conversation_id": conversation["id"], "user_id": str(amina.user_id), "typing": True}
    await watcher.call("typing", conversation_id=conversation["id"], typing=False)
    # The typer's other device hears the other side, and never its own user's typing before it.
    frame = await typers_tablet.next_event()
    assert frame["data"] == {"conversation_id": conversation["id"], "user_id": str(baraka.user_id), "typing": False}
    try:
        await snoop.call("typing", conversation_id=conversation["id"])
        raise AssertionError("a non-member typed into a conversation")
    except LiveError as error:
        assert error.code == "conversation_not_found"
    for device in (typer, typers_tablet, watcher, snoop):
        await device.close()


async def test_a_muted_conversation_still_delivers_but_asks_for_no_push(client, users):
    amina, baraka, chris = await users.new(client), await users.new(client), await users.new(client)
    team = await group(amina, "Safari", baraka, chris)
    await chris.request("POST", f"/api/conversations/{team['id']}/mute")
    muted_device = await chris.live()
    sent = await send(amina, team, "Tunaondoka saa kumi")
    frame = await next_event(muted_device, "messages.message.created")
    assert frame["id"] == sent["id"] and frame["data"]["muted"] is True
    events = await graph.events(client, "messages.message.created", message_id=sent["id"])
    assert len(events) == 1 and events[0]["recipient_ids"] == [str(baraka.user_id)]
    assert events[0]["preview"] == "Tunaondoka saa kumi" and events[0]["conversation_id"] == team["id"]
    assert events[0]["seq"] == sent["seq"] and events[0]["sender_id"] == str(amina.user_id)
    await muted_device.close()


async def test_messaging_is_rate_limited_per_user(make_client, config, users):
    client = await make_client(dataclasses.replace(config, messages_per_hour=3))
    amina, baraka = await users.new(client), await users.new(client)
    conversation = await direct(amina, baraka)
    for n in range(3):
        await send(amina, conversation, f"{n}", client_id=f"c{n}")
    error = await refused(send(amina, conversation, "moja zaidi"), 429, "rate_limited")
    assert error.details["retry_after"] > 0 and error.details["limit"] == "messages.send"
    # A retry of a message already sent is not a new message: it is answered, not limited.
    again = await send(amina, conversation, "0", client_id="c0")
    assert again["text"] == "0"
    await send(baraka, conversation, "mimi bado naweza")
    assert await count(client, "messages", conversation_id=uuid.UUID(conversation["id"])) == 4


async def test_group_events_reach_members_live(client, users):
    owner, member = await users.new(client), await users.new(client)
    member_device = await member.live()
    team = await group(owner, "Bodaboda", member)
    created = await next_event(member_device, "messages.conversation.created")
    assert created["data"]["conversation_id"] == team["id"]
    newcomer = await users.new(client)
    await owner.request("POST", f"/api/conversations/{team['id']}/members", json={"user_ids": [str(newcomer.user_id)]})
    added = await next_event(member_device, "messages.member.added")
    assert added["data"]["user_ids"] == [str(newcomer.user_id)]
    await owner.request("DELETE", f"/api/conversations/{team['id']}/members/{member.user_id}")
    removed = await next_event(member_device, "messages.member.removed")
    assert removed["data"]["user_ids"] == [str(member.user_id)]
    await refused(send(member, team, "bado?"), 403, "not_a_member")
    await member_device.close()
