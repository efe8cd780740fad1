"""The /ws protocol: authentication, replies, bad frames, floods and closes."""
from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid

import pytest

from nexgate.domain.auth import tokens
from nexgate.domain.auth.caller import Caller
from nexgate.keys import PLATFORM
from nexgate.ws.commands import NoFields
from nexgate.ws.connection import Connection
from nexgate.ws.gateway import GATEWAY
from nexgate.ws.protocol import Command
from tests.support.auth import bearer, login, register
from tests.support.live import close_code, raw, receive, send


async def test_auth_frame_gets_ready_with_session_and_position(client):
    account = await register(client)
    ws, ready = await raw(client, account["access_token"], device={"name": "Pixel 8"})
    assert ready["type"] == "ready" and ready["id"] == "auth"
    assert ready["user_id"] == account["user"]["id"]
    assert ready["position"] == "0-0" and ready["resync"] is False
    assert ready["limits"]["max_frame_bytes"] == 65_536
    await send(ws, type="ping", id=7)
    reply = await receive(ws)
    assert reply["type"] == "ack" and reply["id"] == 7 and "time" in reply["data"]
    await ws.close()


async def test_no_auth_frame_in_time_closes_4001(make_client, config):
    client = await make_client(dataclasses.replace(config, ws_auth_timeout_s=1))
    ws, _ = await raw(client)
    assert await close_code(ws) == 4001


async def test_a_frame_before_auth_is_refused_and_closes_4001(client):
    ws, _ = await raw(client)
    await send(ws, type="subscribe", id=1, topic="presence:x")
    error = await receive(ws)
    assert error["type"] == "error" and error["id"] == 1
    assert error["error"]["code"] == "auth_required"
    assert await close_code(ws) == 4001


@pytest.mark.parametrize("token, code", [
    ("not-a-jwt", "token_invalid"),
    ("eyJhbGciOiJFZERTQSIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2ln", "token_invalid"),
])
async def test_a_forged_token_closes_4002(client, token, code):
    ws, error = await raw(client, token)
    assert error["type"] == "error" and error["error"]["code"] == code
    assert await close_code(ws) == 4002


async def _token_for(client, account: dict, ttl_s: int) -> str:
    """A token of the account's own session that lives ``ttl_s`` seconds (negative: expired)."""
    caller = await tokens.read_access_token(client.app[PLATFORM].keyring, account["access_token"])
    return await tokens.issue_access_token(client.app[PLATFORM].keyring, caller, ttl_s)


async def test_an_expired_token_closes_4002(client):
    account = await register(client)
    ws, error = await raw(client, await _token_for(client, account, -60))
    assert error["error"]["code"] == "token_expired"
    assert await close_code(ws) == 4002


async def test_the_socket_closes_4004_when_its_token_expires_unless_renewed(client):
    account = await register(client)
    ws, ready = await raw(client, await _token_for(client, account, 2))
    assert ready["type"] == "ready"
    await send(ws, type="auth", id="renew", token=account["access_token"])
    renewed = await receive(ws)
    assert renewed["type"] == "ack" and renewed["data"]["expires_at"] > ready["expires_at"]
    short, ready = await raw(client, await _token_for(client, account, 2))
    assert await close_code(short) == 4004
    await send(ws, type="ping", id=1)
    assert (await receive(ws))["type"] == "ack"  # the renewed one is still open
    await ws.close()


async def test_renewing_with_another_sessions_token_is_refused(client):
    account = await register(client)
    other = await login(client, account["user"]["username"])
    ws, _ = await raw(client, account["access_token"])
    await send(ws, type="auth", id=1, token=other["access_token"])
    assert (await receive(ws))["error"]["code"] == "session_mismatch"
    await ws.close()


@pytest.mark.parametrize("text, code, frame_id", [
    ("{not json", "invalid_frame", None),
    ("[1, 2]", "invalid_frame", None),
    ('{"type": "ping"}', "invalid_frame", None),
    ('{"id": 3}', "invalid_frame", None),
    ('{"id": 4, "type": "teleport"}', "unknown_type", 4),
    ('{"id": 5, "type": "subscribe"}', "invalid", 5),
    ('{"id": 6, "type": "subscribe", "topic": "nonsense:1"}', "unknown_topic", 6),
    ('{"id": 7, "type": "presence.query", "user_ids": ["x"]}', "invalid", 7),
])
async def test_bad_frames_get_an_error_and_the_socket_stays_open(signed_in, client, text, code, frame_id):
    ws, _ = await raw(client, signed_in["access_token"])
    await ws.send_str(text)
    error = await receive(ws)
    assert error["type"] == "error" and error["id"] == frame_id, error
    assert error["error"]["code"] == code and error["error"]["message"]
    await send(ws, type="ping", id="still-there")
    assert (await receive(ws))["id"] == "still-there"
    await ws.close()


async def test_missing_fields_are_named_as_rest_names_them(signed_in, client):
    ws, _ = await raw(client, signed_in["access_token"])
    await send(ws, type="subscribe", id=1)
    assert (await receive(ws))["error"] == {"code": "invalid", "message": "Invalid fields in the subscribe frame: topic",
                                            "details": {"fields": {"topic": ["Missing data for required field."]}}}
    await ws.close()
    response = await client.post("/api/auth/login", json={"password": "x" * 12})
    assert response.status == 422
    assert (await response.json())["error"] == {"code": "invalid", "message": "Invalid fields in the body: login",
                                                "details": {"fields": {"login": ["Missing data for required field."]}}}


async def test_binary_frames_are_refused(signed_in, client):
    ws, _ = await raw(client, signed_in["access_token"])
    await ws.send_bytes(b"\x00\x01")
    assert (await receive(ws))["error"]["code"] == "binary_not_supported"
    await ws.close()


async def test_oversized_frames_get_an_error_and_huge_ones_close_1009(signed_in, make_client, config):
    client = await make_client(dataclasses.replace(config, ws_max_frame_bytes=1024, ws_hard_frame_bytes=4096))
    account = await register(client)
    ws, _ = await raw(client, account["access_token"])
    await send(ws, type="ping", id=1, padding="x" * 2000)
    error = await receive(ws)
    assert error["error"]["code"] == "frame_too_large" and error["error"]["details"] == {"limit": 1024}
    await send(ws, type="ping", id=2, padding="x" * 10_000)
    assert await close_code(ws) == 1009


async def _pinging(make_client, config, pings: int, **limits):
    """A signed-in socket under ``limits`` that has just sent ``pings`` pings at once."""
    client = await make_client(dataclasses.replace(config, **limits))
    ws, _ = await raw(client, (await register(client))["access_token"])
    for n in range(pings):
        await send(ws, type="ping", id=n)
    return ws


async def test_a_flood_is_rate_limited_then_closed_4008(make_client, config):
    ws = await _pinging(make_client, config, 30, ws_frames_per_second=5, ws_frame_burst=5, ws_max_strikes=15)
    replies: list[dict] = []
    assert await close_code(ws, frames=replies) == 4008
    assert [r["id"] for r in replies[:5]] == [0, 1, 2, 3, 4] and {r["type"] for r in replies[:5]} == {"ack"}
    limited = [r for r in replies if r["type"] == "error"]
    assert limited and {r["error"]["code"] for r in limited} == {"rate_limited"}
    assert limited[0]["error"]["details"]["retry_after"] >= 1 and limited[0]["error"]["details"]["limit"] == "ws.frames"
    assert len({r["id"] for r in replies}) == len(replies)  # one reply per frame, never two
    assert len(limited) == 15 and replies[-1] == limited[-1]  # the frame that crossed the limit got its reply


async def test_a_command_that_fails_unexpectedly_answers_internal_and_keeps_the_socket(
    client, signed_in, monkeypatch, caplog
):
    async def broken(gateway, connection, frame):
        raise RuntimeError("connection pool exhausted at 10.0.0.7:5432")

    # A test-only command, in this app's gateway only (monkeypatch removes it after the test).
    monkeypatch.setitem(client.app[GATEWAY].commands, "test.broken", Command("test.broken", NoFields(), broken))
    ws, ready = await raw(client, signed_in["access_token"])
    await send(ws, type="test.broken", id="b-1")
    error = await receive(ws)
    assert error == {"type": "error", "id": "b-1", "error": {
        "code": "internal", "details": {},
        "message": "Something went wrong on our side; the connection id with the frame id identifies it."}}
    await send(ws, type="ping", id="after")
    assert (await receive(ws))["id"] == "after"
    await ws.close()
    logged = [r for r in caplog.records if r.levelname == "ERROR" and getattr(r, "frame_id", None) == "b-1"]
    assert len(logged) == 1 and logged[0].connection_id == ready["connection_id"]
    assert "10.0.0.7" in str(logged[0].exc_info[1])  # the log has the internals the client was spared
    metrics = await (await client.get("/metrics")).text()
    assert 'nexgate_websocket_command_errors_total{command="test.broken"} 1.0' in metrics


async def test_a_burst_passes_exactly_its_budget(make_client, config):
    # One frame a second refills far slower than a burst is sent: exactly the burst passes.
    ws = await _pinging(make_client, config, 6, ws_frames_per_second=1, ws_frame_burst=4, ws_max_strikes=100)
    replies = [await receive(ws) for _ in range(6)]
    assert [(r["id"], r["type"]) for r in replies] == [
        (0, "ack"), (1, "ack"), (2, "ack"), (3, "ack"), (4, "error"), (5, "error")]
    assert {r["error"]["code"] for r in replies[4:]} == {"rate_limited"}
    await ws.close()


async def test_logout_closes_the_devices_socket_4003(client):
    account = await register(client)
    ws, _ = await raw(client, account["access_token"])
    response = await client.post("/api/auth/logout", headers=bearer(account), json={})
    assert response.status == 204, await response.text()
    assert await close_code(ws) == 4003


async def test_removing_a_device_closes_its_socket_and_spares_the_others(client):
    account = await register(client, device={"id": "phone-1", "platform": "android", "name": "Phone"})
    laptop = await login(client, account["user"]["username"],
                         device={"id": "laptop-1", "platform": "web", "name": "Laptop"})
    phone_ws, phone = await raw(client, account["access_token"])
    laptop_ws, _ = await raw(client, laptop["access_token"])
    response = await client.delete(f"/api/auth/devices/{phone['device_id']}", headers=bearer(laptop))
    assert response.status == 204, await response.text()
    assert await close_code(phone_ws) == 4003
    await send(laptop_ws, type="ping", id=1)
    assert (await receive(laptop_ws))["type"] == "ack"
    await laptop_ws.close()


async def test_a_client_that_stops_reading_is_closed_4009(make_client, config):
    client = await make_client(dataclasses.replace(config, ws_send_queue=8))
    account = await register(client)
    ws = await client.session.ws_connect(client.make_url("/ws"), max_msg_size=0, autoping=False)
    await send(ws, type="auth", id=1, token=account["access_token"])
    assert (await receive(ws))["type"] == "ready"
    ws._conn.protocol.pause_reading()  # stop reading: the server's writes back up
    realtime = client.app[PLATFORM].realtime
    user_id = uuid.UUID(account["user"]["id"])
    payload = {"blob": "x" * 60_000}
    for _ in range(400):
        await realtime.publish_to_user(user_id, "test.blob", payload)
    ws._conn.protocol.resume_reading()
    assert await close_code(ws, timeout=20) == 4009


async def test_the_abuse_close_waits_for_the_replies_already_queued(config):
    """Deterministically, with the socket's writes held back: the 4008 close is sent only after
    the error replies queued before it (the writer is mid-write when the limit is crossed)."""

    class HeldSocket:
        def __init__(self):
            self.sent: list[str] = []
            self.release = asyncio.Event()

        async def send_str(self, frame: str) -> None:
            await self.release.wait()
            self.sent.append(frame)

        async def close(self, code: int, message: bytes) -> None:
            self.sent.append(f"close {code}")

    socket = HeldSocket()
    caller = Caller(uuid.uuid4(), "amina", (), uuid.uuid4(), uuid.uuid4(), expires_at=time.time() + 60)
    connection = Connection(socket, caller, None, None, dataclasses.replace(config, ws_max_strikes=2))
    for n in range(2):
        await connection.send(f"error {n}")
        connection.strike()
    await asyncio.sleep(0)  # the writer is now waiting inside send_str, the close behind it
    socket.release.set()
    await connection.closed()
    await connection.release()
    assert socket.sent == ["error 0", "error 1", "close 4008"]
