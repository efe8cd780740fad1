"""Scheduled jobs (nexgate/bus/scheduler.py): a job becomes its event in the outbox once it is
due, once, however many schedulers poll; a cancelled job never fires."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest

from nexgate.bus import scheduler
from nexgate.bus.catalogue import UUID, declare, event
from tests.support.payments import conn, connections  # noqa: F401 (conn)

LATER = datetime.timedelta(hours=1)


@pytest.fixture
def job_event(scratch_catalogue):
    name = f"test.job{uuid.uuid4().hex[:8]}.fired"
    declare("test", [event(name, "a test's scheduled job", thing_id=UUID)])
    return name


async def _now(conn) -> datetime.datetime:
    return await conn.fetchval("SELECT now()")


async def _outbox(conn, routing_key):
    rows = await conn.fetch("SELECT payload FROM outbox WHERE routing_key = $1 ORDER BY created_at, id", routing_key)
    return [row["payload"] for row in rows]


async def test_a_job_fires_when_due_and_not_before(conn, job_event):
    now = await _now(conn)
    due = await scheduler.schedule(conn, routing_key=job_event, payload={"thing_id": str(uuid.uuid4())}, run_at=now)
    later = await scheduler.schedule(conn, routing_key=job_event, payload={"thing_id": str(uuid.uuid4())},
                                     run_at=now + LATER)
    async with conn.transaction():
        await scheduler.fire_due(conn)
    fired, waiting = await scheduler.job(conn, due), await scheduler.job(conn, later)
    assert fired["fired_at"] is not None and waiting["fired_at"] is None
    assert await _outbox(conn, job_event) == [fired["payload"]]
    event_row = await conn.fetchrow("SELECT routing_key, payload FROM outbox WHERE id = $1", fired["event_id"])
    assert (event_row["routing_key"], event_row["payload"]) == (job_event, fired["payload"])
    assert not await scheduler.cancel(conn, job_id=due)  # too late: it fired
    assert await scheduler.job(conn, due) is not None


async def test_a_due_job_fires_once_with_several_schedulers(config, conn, job_event):
    now = await _now(conn)
    for _ in range(20):
        await scheduler.schedule(conn, routing_key=job_event, payload={"thing_id": str(uuid.uuid4())}, run_at=now)

    async def poll(c):
        async with c.transaction():
            return await scheduler.fire_due(c, batch_size=3)

    async with connections(config.database_url, 4) as opened:
        while sum(await asyncio.gather(*(poll(c) for c in opened))):
            pass
    payloads = await _outbox(conn, job_event)
    assert len(payloads) == 20 and len({p["thing_id"] for p in payloads}) == 20


async def test_a_cancelled_job_never_fires(conn, job_event):
    job_id = await scheduler.schedule(conn, routing_key=job_event, payload={"thing_id": str(uuid.uuid4())},
                                      run_at=await _now(conn))
    assert await scheduler.cancel(conn, job_id=job_id)
    async with conn.transaction():
        await scheduler.fire_due(conn)
    assert await _outbox(conn, job_event) == []
    assert not await scheduler.cancel(conn, job_id=job_id)


async def test_a_job_must_name_a_declared_event_with_its_payload(conn, job_event):
    now = await _now(conn)
    with pytest.raises(ValueError, match="not declared"):
        await scheduler.schedule(conn, routing_key="test.nothing.happened", payload={}, run_at=now)
    with pytest.raises(ValueError, match="missing thing_id"):
        await scheduler.schedule(conn, routing_key=job_event, payload={}, run_at=now)
    with pytest.raises(ValueError, match="timezone-aware"):
        await scheduler.schedule(conn, routing_key=job_event, payload={"thing_id": str(uuid.uuid4())},
                                 run_at=datetime.datetime(2030, 1, 1))


async def test_a_job_whose_event_is_no_longer_declared_is_set_aside_with_why(conn, job_event, monkeypatch):
    from nexgate.bus import catalogue

    job_id = await scheduler.schedule(conn, routing_key=job_event, payload={"thing_id": str(uuid.uuid4())},
                                      run_at=await _now(conn))
    monkeypatch.delitem(catalogue._DECLARED, job_event)  # a later release dropped the event
    async with conn.transaction():
        assert await scheduler.fire_due(conn) == 0
    job = await scheduler.job(conn, job_id)
    assert job["fired_at"] is not None and job["event_id"] is None and "not declared" in job["error"]
    async with conn.transaction():
        assert await scheduler.fire_due(conn) == 0  # not tried again


async def test_a_replaced_job_fires_at_its_new_time_with_its_new_payload_even_after_it_fired(conn, job_event):
    now, job_id = await _now(conn), uuid.uuid4()
    first, second, third = ({"thing_id": str(uuid.uuid4())} for _ in range(3))
    await scheduler.schedule(conn, routing_key=job_event, payload=first, run_at=now, job_id=job_id)
    await scheduler.schedule(conn, routing_key=job_event, payload=second, run_at=now + LATER, job_id=job_id,
                             replace=True)
    async with conn.transaction():
        assert await scheduler.fire_due(conn) == 0  # moved an hour on: not due, and the first payload is gone
    await scheduler.schedule(conn, routing_key=job_event, payload=third, run_at=now, job_id=job_id, replace=True)
    async with conn.transaction():
        assert await scheduler.fire_due(conn) == 1
    assert await _outbox(conn, job_event) == [third]
    await scheduler.schedule(conn, routing_key=job_event, payload=first, run_at=now, job_id=job_id, replace=True)
    async with conn.transaction():
        assert await scheduler.fire_due(conn) == 1  # it had fired: made anew, it fires again
    assert await _outbox(conn, job_event) == [third, first]
    with pytest.raises(ValueError, match="job_id"):
        await scheduler.schedule(conn, routing_key=job_event, payload=first, run_at=now, replace=True)
