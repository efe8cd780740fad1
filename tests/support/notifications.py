"""The notification service as the tests drive it: the app with its relay and the
``notifications`` consumer, and the centre as an app calls it."""
from __future__ import annotations

import dataclasses

from nexgate.keys import PLATFORM
from tests.conftest import eventually

WORKERS = ["outbox-relay", "notifications"]
FRAMES = ("notifications.notification.created", "notifications.notification.updated")


async def notifying_app(make_client, config, **settings):
    """The app with the outbox relay and the notifications consumer running inside it. One
    delivery in hand at a time, so that events are told in the order they happened."""
    return await make_client(dataclasses.replace(config, bus_prefetch=1, **settings), worker_names=WORKERS)


async def centre(api, **params) -> dict:
    return await api.request("GET", "/api/notifications", params={k: str(v).lower() if isinstance(v, bool) else v
                                                                  for k, v in params.items()})


async def unread(api) -> int:
    return (await api.request("GET", "/api/notifications/unread-count"))["unread_count"]


async def event_ids(client, routing_key: str, **match: str) -> list:
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch("SELECT id, payload FROM outbox WHERE routing_key = $1 ORDER BY created_at",
                                routing_key)
    return [row["id"] for row in rows if all(row["payload"].get(k) == v for k, v in match.items())]


async def handled(client, ids, consumer: str = "notifications") -> None:
    """Wait until the consumer group (by default the notifications consumer) has handled
    (committed) every one of these events: what it would have told is then stored and published."""
    async def done():
        async with client.app[PLATFORM].notify.connection() as conn:
            count = await conn.fetchval(
                "SELECT count(*) FROM processed_events WHERE consumer = $1 AND event_id = ANY($2)",
                consumer, list(ids))
        return count == len(ids)

    await eventually(done, timeout=20)


async def delivery(api, notification_id, channel: str, **expected) -> dict:
    """The notification's one delivery by ``channel``, once it has the ``expected`` fields."""
    async def found():
        detail = await api.request("GET", f"/api/notifications/{notification_id}")
        matching = [d for d in detail["deliveries"] if d["channel"] == channel]
        assert len(matching) <= 1, matching
        return matching[0] if matching and all(matching[0][k] == v for k, v in expected.items()) else None

    return await eventually(found, timeout=20, interval=0.1)


async def next_notification(live, timeout: float = 10.0) -> dict:
    """The next notification frame on a device (other events on the way are skipped)."""
    while True:
        frame = await live.next_event(timeout)
        if frame.get("event") in FRAMES:
            return frame


async def person(client, users):
    """A registered user (a NexgateClient) who has read and dismissed their welcome, so that
    their centre starts empty."""
    api = await users.new(client)
    await handled(client, await event_ids(client, "auth.user.registered", user_id=str(api.user_id)))
    [welcome] = (await centre(api))["items"]
    assert welcome["type"] == "welcome", welcome
    await api.request("DELETE", f"/api/notifications/{welcome['id']}")
    return api


async def fail_logins(client, api, times: int) -> None:
    """``times`` logins to the account with a wrong password (with the lockout at ``times``,
    its owner is told ``suspicious_login``)."""
    for _ in range(times):
        response = await client.post("/api/auth/login", json={"login": api.tokens["user"]["username"],
                                                              "password": "not my password at all"})
        assert response.status == 401
