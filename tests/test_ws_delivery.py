"""Events reach every device of a user across server processes, and a reconnecting client
resumes without losing or repeating one: after a drop, a server restart or a Redis outage."""
from __future__ import annotations

import asyncio
import dataclasses
import time

import orjson

from nexgate.app import create_app
from nexgate.realtime import Realtime
from nexgate.redis import Redis
from tests.conftest import eventually
from tests.support.barrier import settle
from tests.support.live import close_code, publisher, raw, receive


async def _drain(live, count: int, timeout: float = 10.0) -> list[dict]:
    return [await live.next_event(timeout) for _ in range(count)]


async def test_an_event_reaches_every_device_on_every_process_once(make_client, config, users):
    server_a, server_b = await make_client(config), await make_client(config)
    phone_api = await users.new(server_a)
    laptop_api = users.on(server_b, phone_api)
    phone, laptop = await phone_api.live(), await laptop_api.live()
    await publisher(server_a).publish_to_user(phone_api.user_id, "test.hello", {"n": 1})
    await publisher(server_b).publish_to_users([phone_api.user_id], "test.hello", {"n": 2})
    for device in (phone, laptop):
        events = await _drain(device, 2)
        assert [(e["event"], e["data"]) for e in events] == [("test.hello", {"n": 1}), ("test.hello", {"n": 2})]
        assert events[0]["position"] < events[1]["position"]
        assert await settle(server_a, device) == []  # nothing twice
    await phone.close()
    await laptop.close()


async def test_another_users_events_never_arrive(client, users):
    alice, bob = await users.new(client), await users.new(client)
    alice_live = await alice.live()
    await publisher(client).publish_to_user(bob.user_id, "test.private", {"secret": True})
    await publisher(client).publish_to_user(alice.user_id, "test.mine", {})
    assert (await alice_live.next_event())["event"] == "test.mine"
    await alice_live.close()


async def test_resume_delivers_what_was_missed_once_in_order_then_live(client, users):
    api = await users.new(client)
    realtime = publisher(client)
    live = await api.live()
    await realtime.publish_to_user(api.user_id, "test.seen", {"n": 0})
    seen = await live.next_event()
    await live.close()
    for n in range(1, 4):
        await realtime.publish_to_user(api.user_id, "test.missed", {"n": n})
    ws, ready = await raw(client, api.access_token, resume=seen["position"])
    assert ready["type"] == "ready" and ready["resync"] is False
    replayed = [await receive(ws) for _ in range(3)]
    assert [f["data"]["n"] for f in replayed] == [1, 2, 3]
    await realtime.publish_to_user(api.user_id, "test.live", {"n": 4})
    assert (await receive(ws))["data"] == {"n": 4}
    await ws.close()


async def test_a_position_older_than_the_stream_keeps_asks_for_a_resync(make_client, config, users):
    client = await make_client(dataclasses.replace(config, realtime_stream_length=10))
    api = await users.new(client)
    realtime = publisher(client)
    first = await realtime.publish_to_user(api.user_id, "test.old", {"n": 0})
    for n in range(1, 300):
        await realtime.publish_to_user(api.user_id, "test.old", {"n": n})
    ws, ready = await raw(client, api.access_token, resume=first)
    assert ready["type"] == "ready" and ready["resync"] is True
    assert ready["position"] > first
    await realtime.publish_to_user(api.user_id, "test.new", {})
    assert (await receive(ws))["event"] == "test.new"  # no replay: live from the current position
    await ws.close()


async def test_a_position_the_stream_never_held_asks_for_a_resync_and_live_events_flow(client, users):
    api = await users.new(client)
    realtime = publisher(client)
    await realtime.publish_to_user(api.user_id, "test.before", {})
    ws, ready = await raw(client, api.access_token, resume="99999999999999-0")  # made up, or from another server
    assert ready["type"] == "ready" and ready["resync"] is True and ready["position"] != "99999999999999-0"
    await realtime.publish_to_user(api.user_id, "test.live", {"n": 1})
    assert (await receive(ws))["data"] == {"n": 1}  # not held back until that far-off position
    await ws.close()


async def test_a_stream_that_expired_asks_a_resuming_client_for_a_resync(client, users):
    api = await users.new(client)
    realtime = publisher(client)
    seen = await realtime.publish_to_user(api.user_id, "test.old", {})
    await realtime.redis.client.delete(realtime.stream_key(api.user_id))  # as its TTL does to an idle stream
    ws, ready = await raw(client, api.access_token, resume=seen)
    assert ready["type"] == "ready" and ready["resync"] is True and ready["position"] == "0-0"
    await realtime.publish_to_user(api.user_id, "test.new", {})
    assert (await receive(ws))["event"] == "test.new"
    await ws.close()


async def test_a_position_from_a_stream_that_expired_since_asks_for_a_resync(client, users):
    api = await users.new(client)
    realtime = publisher(client)
    seen = await realtime.publish_to_user(api.user_id, "test.old", {"n": 0})
    await realtime.publish_to_user(api.user_id, "test.old", {"n": 1})  # never seen: gone with the stream
    await realtime.redis.client.delete(realtime.stream_key(api.user_id))
    while time.time() * 1000 < int(seen.split("-")[0]) + 1:  # days later, in truth: its positions come after
        await asyncio.sleep(0.001)
    latest = await realtime.publish_to_user(api.user_id, "test.new", {"n": 2})  # a new stream begins
    ws, ready = await raw(client, api.access_token, resume=seen)
    assert ready["type"] == "ready" and ready["resync"] is True and ready["position"] == latest
    await realtime.publish_to_user(api.user_id, "test.live", {"n": 3})
    assert (await receive(ws))["data"] == {"n": 3}  # nothing replayed: live from the newest position
    await ws.close()


async def test_resuming_from_the_oldest_kept_or_from_an_empty_start_replays_without_a_resync(make_client, config, users):
    client = await make_client(dataclasses.replace(config, realtime_stream_length=10))
    api = await users.new(client)
    realtime = publisher(client)
    ws, ready = await raw(client, api.access_token)
    assert ready["position"] == "0-0"
    await ws.close()
    for n in range(3):
        await realtime.publish_to_user(api.user_id, "test.n", {"n": n})
    ws, ready = await raw(client, api.access_token, resume="0-0")  # the client saw the empty stream
    assert ready["resync"] is False
    assert [(await receive(ws))["data"]["n"] for _ in range(3)] == [0, 1, 2]
    await ws.close()
    for n in range(3, 300):
        await realtime.publish_to_user(api.user_id, "test.n", {"n": n})
    [(oldest, fields)] = await realtime.redis.client.xrange(realtime.stream_key(api.user_id), "-", "+", count=1)
    assert orjson.loads(fields[b"p"])["data"]["n"] > 3  # the stream was trimmed
    ws, ready = await raw(client, api.access_token, resume=oldest.decode())  # nothing trimmed was after it
    assert ready["resync"] is False
    assert (await receive(ws))["data"]["n"] == orjson.loads(fields[b"p"])["data"]["n"] + 1
    await ws.close()


async def test_a_malformed_resume_position_is_refused(signed_in, client):
    ws, error = await raw(client, signed_in["access_token"], resume="yesterday")
    assert error["type"] == "error" and error["error"]["details"] == {"fields": {"resume": ["Not a stream position."]}}
    assert await close_code(ws) == 4002


async def _publish_numbered(realtime: Realtime, user_id, count: int, pause: float) -> None:
    for n in range(count):
        await realtime.publish_to_user(user_id, "test.seq", {"n": n})
        await asyncio.sleep(pause)


async def test_a_server_restart_mid_stream_loses_and_repeats_nothing(aiohttp_server, config, users):
    first = await aiohttp_server(create_app(config))
    api = await users.new(first)
    live = await api.live()
    redis = Redis.from_config(config)  # the publisher: another process, unaffected by the restart
    sender = asyncio.create_task(_publish_numbered(Realtime(redis, config), api.user_id, 150, 0.01))
    await asyncio.sleep(0.5)
    port = first.port
    await first.close()  # graceful: every socket is told 1012
    await asyncio.sleep(0.3)
    second = await aiohttp_server(create_app(config), port=port)
    await sender
    events = await _drain(live, 150, timeout=15)
    assert [e["data"]["n"] for e in events] == list(range(150))
    assert 1012 in live.closes
    assert await settle(second, live) == []
    await live.close()
    await redis.close()


async def test_redis_unavailable_for_a_while_then_every_event_arrives_once(make_client, config, proxy_to, users):
    proxy, redis_url = await proxy_to(config.redis_url)
    client = await make_client(dataclasses.replace(config, redis_url=redis_url))
    api = await users.new(client)
    live = await api.live()
    redis = Redis.from_config(config)  # publishes straight to Redis, around the cut
    realtime = Realtime(redis, config)
    await realtime.publish_to_user(api.user_id, "test.seq", {"n": 0})
    assert (await live.next_event())["data"] == {"n": 0}
    await proxy.stop()  # the server loses Redis: its pub/sub connection is cut
    for n in range(1, 4):
        await realtime.publish_to_user(api.user_id, "test.seq", {"n": n})
    await asyncio.sleep(1.0)
    await proxy.start()
    await realtime.publish_to_user(api.user_id, "test.seq", {"n": 4})
    events = await _drain(live, 4, timeout=15)
    assert [e["data"]["n"] for e in events] == [1, 2, 3, 4]
    assert await settle(realtime, live) == [] and live.closes == []  # the socket stayed open throughout
    await live.close()
    await redis.close()


async def test_the_gateway_counts_its_sessions(client, users):
    api = await users.new(client)
    live = await api.live()
    metrics = await (await client.get("/metrics")).text()
    assert "nexgate_websocket_sessions 1.0" in metrics
    await live.close()
    await eventually(lambda: _gauge(client) == 0)


def _gauge(client) -> float:
    from nexgate.keys import METRICS

    return client.app[METRICS].websocket_sessions._value.get()
