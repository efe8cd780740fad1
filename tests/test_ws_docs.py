"""docs/websocket.md stays true: every frame type and close code it names exists and is used."""
from __future__ import annotations

import pathlib
import re

import aiohttp
import orjson

from nexgate.areas import AREAS
from nexgate.ws.gateway import GATEWAY
from nexgate.ws.protocol import Close
from tests.support.live import publisher, raw, send
from tests.support.messages import direct

DOC = (pathlib.Path(__file__).parent.parent / "docs" / "websocket.md").read_text()


def _section(title: str) -> str:
    return DOC.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _frame_types(title: str) -> set[str]:
    return set(re.findall(r"^### `([a-z.]+)`$", _section(title), re.MULTILINE))


async def test_the_document_names_every_client_command_and_nothing_else(client):
    assert _frame_types("Client frames") == set(client.app[GATEWAY].commands)
    assert {"message.send", "presence.query"} <= {c.name for area in AREAS for c in area.commands}  # from the manifests


def test_the_document_names_every_close_code():
    documented = {int(code) for code in re.findall(r"^\| `(\d{4})` \|", _section("Close codes"), re.MULTILINE)}
    assert documented == {int(code) for code in Close}


async def test_a_session_uses_every_documented_frame_type(client, users):
    """Drive one session through each client frame and see each server frame come back."""
    alice, bob = await users.new(client), await users.new(client)
    ws, ready = await raw(client, alice.access_token)
    received = {ready["type"]}
    sent = {"auth"}
    requests = [
        {"type": "ping", "id": 1},
        {"type": "subscribe", "id": 2, "topic": f"presence:{bob.user_id}"},
        {"type": "presence.query", "id": 3, "user_ids": [str(bob.user_id)]},
        {"type": "auth", "id": 4, "token": alice.access_token},
        {"type": "unsubscribe", "id": 5, "topic": f"presence:{bob.user_id}"},
        {"type": "subscribe", "id": 6, "topic": "nonsense"},
        # the events area's: refused here (no such event; not a kiosk), their answers in test_events_checkin.py
        {"type": "events.checkin", "id": 12, "event_id": "00000000-0000-4000-8000-000000000000", "short_code": "ABCD-1234"},
        {"type": "kiosk.scan", "id": 13, "qr": "NXT1.AAAA.AAAA"},
    ]
    for request in requests:
        await send(ws, **request)
        sent.add(request["type"])
        received.add((await _next(ws))["type"])
    await send(ws, type="subscribe", id=7, topic=f"presence:{bob.user_id}")
    await _next(ws)
    await publisher(client).publish_to_topic(f"presence:{bob.user_id}", "users.presence.changed", {"online": True})
    await publisher(client).publish_to_user(alice.user_id, "test.ping", {})
    received |= {(await _next(ws))["type"], (await _next(ws))["type"]}
    conversation = (await direct(alice, bob))["id"]
    message_frames = [
        {"type": "message.send", "id": 8, "conversation_id": conversation, "client_id": "docs-1", "text": "Habari"},
        {"type": "message.delivered", "id": 9, "conversation_id": conversation, "seq": 1},
        {"type": "message.read", "id": 10, "conversation_id": conversation},
        {"type": "typing", "id": 11, "conversation_id": conversation},
    ]
    for request in message_frames:  # these also put events on alice's own stream: read up to the reply
        await send(ws, **request)
        sent.add(request["type"])
        while (frame := await _next(ws)).get("id") != request["id"]:
            received.add(frame["type"])
        assert frame["type"] == "ack", frame
    await ws.close()
    assert sent == _frame_types("Client frames")
    assert received == _frame_types("Server frames")


async def _next(ws) -> dict:
    message = await ws.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return orjson.loads(message.data)
