"""Scheduled notifications (nexgate/domain/notifications/schedules.py), as another area asks for
them in its own core transaction, through the real app: the scheduler, the outbox relay,
RabbitMQ and the notifications consumer. Told at their time in the centre and live, replaced,
cancelled, told once with two app processes at once, and still told after a restart."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import pytest

from nexgate.bus import scheduler
from nexgate.domain.notifications import registry, schedules
from nexgate.domain.notifications.events import SCHEDULE_FIRED
from nexgate.domain.notifications.registry import notification_type
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.notifications import centre, event_ids, handled, next_notification, person

REMINDER = notification_type(
    "test_event_reminder", scheduled=True, category="events", recipient="user_id", params=("event_id", "title"),
    about=("event", "event_id"), link="nexgate://events/{event_id}",
    in_app={"en": "Reminder: {title} starts in an hour", "sw": "Kumbusho: {title} inaanza baada ya saa moja"})
NOT_SCHEDULED = registry.registered()["welcome"]
WORKERS = ["outbox-relay", "scheduler", "notifications"]
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def reminders(monkeypatch):
    """The registry with a scheduled type, as an area (events) will register one."""
    types = registry.Registry([*registry.registered().types.values(), REMINDER])
    monkeypatch.setattr(registry, "registered", lambda: types)
    return types


async def _app(make_client, config, workers=WORKERS):
    fast = dataclasses.replace(config, bus_prefetch=1, scheduler_poll_ms=20)
    return await make_client(fast, worker_names=workers)


async def _in_core(client, action):
    """``action(conn)`` inside a core transaction, as the calling area's own transaction."""
    async with client.app[PLATFORM].core.transaction("test.schedule") as conn:
        return await action(conn)


async def _now(client) -> datetime.datetime:
    return await _in_core(client, lambda conn: conn.fetchval("SELECT now()"))


def _params(title: str, event_id: uuid.UUID | None = None) -> dict:
    return {"event_id": str(event_id or uuid.uuid4()), "title": title}


async def _schedule(client, api, at, key, params):
    return await _in_core(client, lambda conn: schedules.schedule(conn, kind=REMINDER, recipient_id=api.user_id,
                                                                  at=at, key=key, params=params))


async def _fired(client, key: str) -> list:
    return await event_ids(client, SCHEDULE_FIRED, key=key)


async def test_a_scheduled_notification_is_told_at_its_time_in_the_centre_and_live(make_client, config, users):
    client = await _app(make_client, config)
    amina = await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    device = await amina.live()
    at, params = await _now(client) + datetime.timedelta(seconds=1), _params("Tamasha la Sauti")
    await _schedule(client, amina, at, "ticket-1", params)
    frame = await next_notification(device)
    assert await _now(client) >= at  # not before its time
    told = frame["data"]["notification"]
    assert frame["event"] == "notifications.notification.created" and frame["data"]["unread_count"] == 1
    assert told["text"] == "Kumbusho: Tamasha la Sauti inaanza baada ya saa moja"
    assert told["type"] == "test_event_reminder" and told["category"] == "events" and told["critical"] is False
    assert told["link"] == f"nexgate://events/{params['event_id']}" and told["params"] == params
    assert told["object"] == {"type": "event", "id": params["event_id"]} and told["actors"] == []
    await handled(client, await _fired(client, "ticket-1"))
    assert (await centre(amina))["items"] == [told]


async def test_scheduling_a_key_again_replaces_it_and_a_cancelled_one_is_never_told(make_client, config, users):
    client = await _app(make_client, config)
    amina = await person(client, users)
    now = await _now(client)
    moved, kept = _params("Moved"), _params("Kept")
    await _schedule(client, amina, now + HOUR, "moved", _params("The first time"))
    await _schedule(client, amina, now + datetime.timedelta(milliseconds=300), "moved", moved)  # moved earlier
    await _schedule(client, amina, now + datetime.timedelta(milliseconds=200), "called-off", _params("Called off"))
    assert await _in_core(client, lambda conn: schedules.cancel(conn, kind=REMINDER, key="called-off"))
    assert not await _in_core(client, lambda conn: schedules.cancel(conn, kind=REMINDER, key="called-off"))
    await _schedule(client, amina, now + datetime.timedelta(milliseconds=600), "kept", kept)
    # The scheduler fires due jobs in time order, so once the last is told every earlier one had its turn.
    await handled(client, await eventually(lambda: _fired(client, "kept"), timeout=20))
    assert len(await _fired(client, "moved")) == 1 and await _fired(client, "called-off") == []
    told = (await centre(amina))["items"]
    assert [n["params"] for n in told] == [kept, moved]
    assert [n["text"] for n in told] == ["Reminder: Kept starts in an hour", "Reminder: Moved starts in an hour"]
    job = await _in_core(client, lambda conn: scheduler.job(conn, schedules.job_id(REMINDER, "moved")))
    assert job["fired_at"] is not None and job["payload"]["params"] == moved
    # A told one scheduled again is told again, at its new time.
    await _schedule(client, amina, await _now(client), "moved", _params("Moved again"))
    await handled(client, await _two(client, "moved"))
    assert [n["params"]["title"] for n in (await centre(amina))["items"]] == ["Moved again", "Kept", "Moved"]


async def _two(client, key):
    async def both():
        found = await _fired(client, key)
        return found if len(found) == 2 else None

    return await eventually(both, timeout=20)


async def test_two_app_processes_tell_each_scheduled_notification_once(make_client, config, users):
    first = await _app(make_client, config)
    second = await _app(make_client, config)
    amina = await person(first, users)
    at = await _now(first) + datetime.timedelta(milliseconds=500)
    keys = [f"together-{n}" for n in range(12)]
    for key in keys:
        await _schedule(first, amina, at, key, _params(key))
    fired = await eventually(lambda: _all_fired(first, keys), timeout=20)
    await handled(first, fired)
    assert len(fired) == len(keys)  # each job fired once, though two schedulers polled
    told = (await centre(amina, limit=50))["items"]
    assert sorted(n["params"]["title"] for n in told) == sorted(keys)  # each told once by the two consumers


async def _all_fired(client, keys):
    """The fired events of these keys, once each key has fired."""
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch("SELECT id, payload->>'key' AS key FROM outbox WHERE routing_key = $1 "
                                "AND payload->>'key' = ANY($2)", SCHEDULE_FIRED, keys)
    return [row["id"] for row in rows] if {row["key"] for row in rows} == set(keys) else None


async def test_a_schedule_outlives_a_restart(make_client, config, users):
    before = await _app(make_client, config, workers=["outbox-relay", "notifications"])  # no scheduler running
    amina = await person(before, users)
    await _schedule(before, amina, await _now(before) + datetime.timedelta(milliseconds=300), "restart",
                    _params("After the restart"))
    await before.close()
    after = await _app(make_client, config)
    await handled(after, await eventually(lambda: _fired(after, "restart"), timeout=20))
    [told] = (await centre(users.on(after, amina)))["items"]
    assert told["text"] == "Reminder: After the restart starts in an hour"


async def test_a_schedule_must_be_of_a_registered_scheduled_type_with_its_params(make_client, config):
    client = await _app(make_client, config, workers=[])
    now, someone = await _now(client), uuid.uuid4()

    async def refused(match, **call):
        arguments = {"kind": REMINDER, "recipient_id": someone, "at": now, "key": "k", "params": _params("x"), **call}
        with pytest.raises(ValueError, match=match):
            await _in_core(client, lambda conn: schedules.schedule(conn, **arguments))

    await refused("not a scheduled type", kind=NOT_SCHEDULED)
    await refused("not registered", kind=dataclasses.replace(REMINDER, name="test_unlisted"))
    await refused("missing title", params={"event_id": str(uuid.uuid4())})
    await refused("unknown venue", params={**_params("x"), "venue": "Dar"})
    await refused("must be text", params={"event_id": str(uuid.uuid4()), "title": ["x"]})
    await refused("timezone-aware", at=datetime.datetime(2030, 1, 1))
    await refused("key", key=" ")
    with pytest.raises(ValueError, match="not a scheduled type"):
        await _in_core(client, lambda conn: schedules.cancel(conn, kind=NOT_SCHEDULED, key="k"))
    async with client.app[PLATFORM].core.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM scheduled_jobs WHERE payload->>'recipient_id' = $1",
                                   str(someone)) == 0
