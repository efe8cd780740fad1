"""Presence: online, offline and last seen across devices and processes, for those allowed."""
from __future__ import annotations

import time

import pytest

from nexgate.client import LiveError
from tests.support.barrier import settle, sockets_served


async def test_watchers_see_a_user_come_online_and_go_offline_after_the_last_device(make_client, config, users):
    server_a, server_b = await make_client(config), await make_client(config)
    watcher, amina = await users.new(server_a), await users.new(server_a)
    watching = await watcher.live()
    await watching.subscribe(f"presence:{amina.user_id}")
    phone = await amina.live()
    online = await watching.next_event()
    assert online == {"type": "topic", "topic": f"presence:{amina.user_id}", "event": "users.presence.changed",
                      "data": {"user_id": str(amina.user_id), "online": True, "last_seen": None}}
    laptop = await users.on(server_b, amina).live()  # a second device, on another process: no new event
    await phone.close()
    states = await watching.call("presence.query", user_ids=[str(amina.user_id)])
    assert states["users"][0]["online"] is True  # the laptop is still connected
    before = int(time.time())
    await laptop.close()
    offline = await watching.next_event()
    assert offline["data"]["online"] is False and offline["data"]["last_seen"] >= before
    states = await watching.call("presence.query", user_ids=[str(amina.user_id)])
    assert states["users"] == [offline["data"]]
    await sockets_served(server_a, 1)  # the watcher's
    await sockets_served(server_b, 0)
    assert await settle(server_a, watching) == []
    await watching.close()


async def test_presence_query_answers_only_for_visible_users(client, users):
    viewer, shown, hidden, blocker = [await users.new(client) for _ in range(4)]
    await hidden.request("PATCH", f"/api/users/{hidden.user_id}", json={"show_presence": False})
    await blocker.request("POST", f"/api/users/{viewer.user_id}/block")
    live = await viewer.live()
    states = await live.call("presence.query", user_ids=[str(u.user_id) for u in (shown, hidden, blocker)])
    assert [state["user_id"] for state in states["users"]] == [str(shown.user_id)]
    assert states["users"][0]["online"] is False and states["users"][0]["last_seen"] is None
    await live.close()


@pytest.mark.parametrize("setup", ["hidden", "blocked", "private"])
async def test_subscribing_to_presence_one_may_not_see_is_refused(client, users, setup):
    viewer, target = await users.new(client), await users.new(client)
    if setup == "hidden":
        await target.request("PATCH", f"/api/users/{target.user_id}", json={"show_presence": False})
    elif setup == "blocked":
        await target.request("POST", f"/api/users/{viewer.user_id}/block")
    else:
        await target.request("PATCH", f"/api/users/{target.user_id}", json={"is_private": True})
    live = await viewer.live()
    with pytest.raises(LiveError) as refused:
        await live.subscribe(f"presence:{target.user_id}")
    assert refused.value.code == "presence_not_visible"
    await live.close()


async def test_a_private_accounts_followers_may_watch_its_presence(client, users):
    viewer, target = await users.new(client), await users.new(client)
    await target.request("PATCH", f"/api/users/{target.user_id}", json={"is_private": True})
    await viewer.request("POST", f"/api/users/{target.user_id}/follow")
    await target.request("POST", f"/api/follows/requests/{viewer.user_id}/accept")
    live = await viewer.live()
    await live.subscribe(f"presence:{target.user_id}")
    target_live = await target.live()
    assert (await live.next_event())["data"]["online"] is True
    await live.unsubscribe(f"presence:{target.user_id}")
    await target_live.close()
    await sockets_served(client, 1)  # the target's socket is gone, and its offline change published
    assert await settle(client, live) == []  # unsubscribed: the offline change is not sent
    await live.close()


async def test_hiding_presence_stops_announcing_it_to_existing_watchers(client, users):
    watcher, amina = await users.new(client), await users.new(client)
    watching = await watcher.live()
    await watching.subscribe(f"presence:{amina.user_id}")
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"show_presence": False})
    amina_live = await amina.live()
    await amina_live.close()
    await sockets_served(client, 1)  # amina's socket is gone: the server has said whatever it would
    assert await settle(client, watching) == []
    await watching.close()


async def test_a_refresh_keeps_each_open_connection_counted_past_its_ttl_and_adds_none(config):
    import uuid

    from nexgate.realtime import Realtime
    from nexgate.redis import Redis
    from nexgate.ws.presence import Presence

    redis = Redis.from_config(config)
    presence = Presence(Realtime(redis, config), ttl_s=2)
    kept, other = [(str(uuid.uuid4()), uuid.uuid4().hex) for _ in range(2)]
    for user_id, connection_id in (kept, other):
        await presence.connected(user_id, connection_id, announce=False)
    never = (str(uuid.uuid4()), "never-connected")
    await presence.refresh([kept, (other[0], "not-connected"), never])
    key = presence._online_key(kept[0])
    assert await redis.client.zscore(key, kept[1]) > time.time() + 1.5
    assert 1 <= await redis.client.ttl(key) <= 2
    # refreshing a connection id that is not there adds nothing, and leaves the others as they were
    assert await redis.client.zrange(presence._online_key(other[0]), 0, -1) == [other[1].encode()]
    assert not await redis.client.exists(presence._online_key(never[0]))
    presence.ttl_s = 60
    await presence.refresh([kept])
    assert await redis.client.zscore(key, kept[1]) > time.time() + 50
    assert await redis.client.ttl(key) > 50
    assert (await presence.states([kept[0]]))[kept[0]]["online"] is True
    await redis.close()
