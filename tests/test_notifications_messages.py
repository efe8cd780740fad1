"""New messages told by the notification service, through the real app, RabbitMQ and both
databases: to each member who did not mute the conversation, grouped per conversation, the
product a message is about named; in the recipient's language."""
from __future__ import annotations

from tests.support.messages import direct, product_on_sale, send
from tests.support.notifications import centre, event_ids, handled, notifying_app, person

CREATED = "messages.message.created"


async def _name(api) -> str:
    return (await api.request("GET", f"/api/users/{api.user_id}"))["display_name"]


async def _told(client, conversation) -> None:
    await handled(client, await event_ids(client, CREATED, conversation_id=conversation["id"]))


async def test_new_messages_are_told_once_per_conversation_and_window(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    await juma.request("PATCH", f"/api/users/{juma.user_id}", json={"language": "sw"})
    team = await amina.request("POST", "/api/conversations", json={
        "type": "group", "name": "Soko", "user_ids": [str(juma.user_id), str(neema.user_id)]})
    await send(amina, team, "Habari za asubuhi")
    await send(neema, team, "Nzuri sana")
    await _told(client, team)

    [told] = (await centre(juma))["items"]
    assert told["type"] == "new_message" and told["category"] == "messages"
    assert told["text"] == f"Jumbe mpya kutoka kwa {await _name(neema)} na {await _name(amina)}"
    assert told["actor_count"] == 2 and told["link"] == f"nexgate://conversations/{team['id']}"
    assert told["object"] == {"type": "conversation", "id": team["id"]}
    [to_amina] = (await centre(amina))["items"]  # neema's message; her own is not told to her
    assert to_amina["text"] == f"New message from {await _name(neema)}"


async def test_a_muted_conversation_tells_nothing(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    conversation = await direct(amina, juma)
    await juma.request("POST", f"/api/conversations/{conversation['id']}/mute")
    await send(amina, conversation, "Uko wapi?")
    await send(juma, conversation, "Niko njiani")  # a marker: amina did not mute it
    await handled(client, await event_ids(client, CREATED, conversation_id=conversation["id"]))
    assert (await centre(juma))["items"] == []
    assert [n["type"] for n in (await centre(amina))["items"]] == ["new_message"]


async def test_a_message_about_a_product_names_it(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    conversation = await direct(amina, juma)
    sold = await product_on_sale(juma, "Kanga ya pamba")
    await send(amina, conversation, "Bado ipo?", product={"product_id": sold["product"]["id"]})
    await _told(client, conversation)
    [told] = (await centre(juma))["items"]
    assert (told["type"], told["text"]) == ("product_message", f"{await _name(amina)} messaged you about Kanga ya pamba")
