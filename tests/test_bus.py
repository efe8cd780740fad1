"""The event bus end to end: outbox → relay → RabbitMQ → consumer group, with faults."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest

from nexgate import bus
from nexgate.bus.catalogue import INTEGER, STRING, declare, event
from nexgate.bus.consumer import Consumer, ConsumerGroup
from nexgate.bus.deadletters import list_dead_letters, replay_dead_letters
from nexgate.bus.relay import OutboxRelay
from nexgate.keys import PLATFORM
from tests.conftest import TEST_GROUPS, eventually


class Recorder:
    """A consumer handler that records the events it handled, failing while told to."""

    def __init__(self, failing: bool = False):
        self.handled: list[bus.Event] = []
        self.calls = 0
        self.failing = failing
        self.markers: set[str] = set()

    async def __call__(self, event, conn) -> None:
        if event.type.endswith(".settled"):
            self.markers.add(event.payload["barrier"])
            return
        self.calls += 1
        if self.failing:
            raise RuntimeError(f"cannot handle {event.type}")
        self.handled.append(event)

    def ids(self) -> list[uuid.UUID]:
        return [event.id for event in self.handled]


@pytest.fixture
async def broker(config):
    """A broker connection of the test's own, straight to RabbitMQ (never through a proxy)."""
    connection = await bus.Broker.connect(config)
    yield connection
    await connection.close()


@pytest.fixture
async def consume(broker, config, scratch_catalogue):
    """``await consume(recorder)`` → a routing key whose events a fresh consumer group hands to it."""
    tasks = []

    async def start(recorder: Recorder, database):
        suffix = uuid.uuid4().hex[:8]
        routing_key, marker_key = f"test.t{suffix}.happened", f"test.t{suffix}.settled"
        declare("test", [event(routing_key, "a test's own event", n=INTEGER, text=STRING),
                         event(marker_key, "the marker of _settled, after the events it waits for", barrier=STRING)])
        group = ConsumerGroup(f"test{suffix}", (routing_key, marker_key), recorder, database)
        TEST_GROUPS.add(group.name)
        consumer = Consumer(broker, group, prefetch=1)  # one delivery at a time, in queue order: see _settled
        tasks.append(asyncio.create_task(consumer.run()))
        await eventually(lambda: _queue_exists(broker, group.name))
        return group

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _queue_exists(broker, group: str) -> bool:
    from nexgate.bus.broker import queue_depth

    return await queue_depth(broker, broker.topology.dead_queue(group)) is not None


async def _emit(database, routing_key: str, payload: dict) -> uuid.UUID:
    async with database.transaction("tests.setup") as conn:
        return await bus.emit(conn, routing_key, payload)


async def _settled(database, group, recorder: Recorder, relay: OutboxRelay | None = None) -> None:
    """Wait until every delivery already on its way to the group's consumer has been handled or
    skipped: a marker event goes the same way (outbox, relay, exchange, the group's queue) and
    the consumer, taking one delivery at a time, handles it after all that was queued before.
    Without ``relay``, the app's outbox-relay publishes it."""
    token = uuid.uuid4().hex
    await _emit(database, group.routing_keys[1], {"barrier": token})
    if relay is not None:
        assert await relay.publish_batch() == (1, True)
    await eventually(lambda: token in recorder.markers, timeout=30)


async def _outbox_row(database, event_id):
    async with database.connection() as conn:
        return await conn.fetchrow("SELECT published_at, attempts, last_error FROM outbox WHERE id = $1", event_id)


async def test_committed_event_reaches_consumer_and_rolled_back_one_never_does(make_client, config, consume):
    client = await make_client(config, worker_names=["outbox-relay"])
    core = client.app[PLATFORM].core
    recorder = Recorder()
    group = await consume(recorder, core)
    key = group.routing_keys[0]

    class Abort(Exception):
        pass

    rolled_back_ids = []
    with pytest.raises(Abort):
        async with core.transaction("tests.setup") as conn:
            rolled_back_ids.append(await bus.emit(conn, key, {"n": 0, "text": "rolled back"}))
            raise Abort
    committed = await _emit(core, key, {"n": 1, "text": "Habari"})

    await eventually(lambda: recorder.handled)
    # Only outbox rows are ever published, and the rolled-back event left none.
    assert await _outbox_row(core, rolled_back_ids[0]) is None
    await _settled(core, group, recorder)
    assert recorder.ids() == [committed]
    assert recorder.handled[0].payload == {"n": 1, "text": "Habari"}
    assert recorder.handled[0].type == key
    assert (await _outbox_row(core, committed))["published_at"] is not None


async def test_event_written_during_broker_outage_is_delivered_once_after(make_client, config, consume, proxy_to):
    proxy, amqp_url = await proxy_to(config.amqp_url)
    client = await make_client(dataclasses.replace(config, amqp_url=amqp_url), worker_names=["outbox-relay"])
    core = client.app[PLATFORM].core
    recorder = Recorder()
    group = await consume(recorder, core)

    await proxy.stop()
    event_id = await _emit(core, group.routing_keys[0], {"n": 17, "text": "A-17"})
    row = await eventually(lambda: _failed_attempt(core, event_id), timeout=10)
    assert row["published_at"] is None and row["last_error"]
    assert recorder.calls == 0

    await proxy.start()
    await eventually(lambda: recorder.handled, timeout=20)
    await eventually(lambda: _published(core, event_id), timeout=20)  # the relay publishes it no more
    await _settled(core, group, recorder)  # a copy published twice across the outage has come too
    assert recorder.ids() == [event_id]
    assert recorder.calls == 1


async def _published(core, event_id) -> bool:
    return (await _outbox_row(core, event_id))["published_at"] is not None


async def _failed_attempt(core, event_id):
    row = await _outbox_row(core, event_id)
    return row if row and row["attempts"] > 0 else None


async def test_redelivered_event_is_handled_once(config, broker, consume, make_client):
    client = await make_client(config)
    core = client.app[PLATFORM].core
    recorder = Recorder()
    group = await consume(recorder, core)
    relay = OutboxRelay(core, broker, poll_interval=0.1)
    async with core.transaction("tests.setup") as conn:
        event_id = await bus.emit(conn, group.routing_keys[0], {"n": 1, "text": "again"})
    assert await relay.publish_batch() == (1, True)
    # As if a relay crashed after publishing but before marking the row: publish it again.
    async with core.transaction("tests.setup") as conn:
        await conn.execute("UPDATE outbox SET published_at = NULL WHERE id = $1", event_id)
    assert await relay.publish_batch() == (1, True)
    await eventually(lambda: recorder.handled)
    await _settled(core, group, recorder, relay)
    assert recorder.ids() == [event_id]


class RefusingOne:
    """The test's broker, except that publishing one event fails as a dropped channel would."""

    def __init__(self, broker, refused: uuid.UUID):
        self.broker, self.refused = broker, str(refused)

    async def publish_event(self, routing_key: str, body: bytes, message_id: str) -> None:
        if message_id == self.refused:
            raise ConnectionError("channel closed while publishing")
        await self.broker.publish_event(routing_key, body, message_id)


async def test_relay_publishes_a_batch_together_marking_only_what_the_broker_confirmed(
    config, broker, consume, make_client
):
    client = await make_client(config)
    core = client.app[PLATFORM].core
    recorder = Recorder()
    group = await consume(recorder, core)
    async with core.transaction("tests.setup") as conn:
        ids = [await bus.emit(conn, group.routing_keys[0], {"n": n, "text": f"batch {n}"}) for n in range(6)]

    assert await OutboxRelay(core, RefusingOne(broker, ids[2]), poll_interval=0.1).publish_batch() == (5, False)
    refused = await _outbox_row(core, ids[2])
    assert refused["published_at"] is None and refused["attempts"] == 1
    assert "channel closed while publishing" in refused["last_error"]
    assert all([await _published(core, event_id) for event_id in ids if event_id != ids[2]])
    relay = OutboxRelay(core, broker, poll_interval=0.1)
    assert await relay.publish_batch() == (1, True)  # the refused one, at the next batch
    await _settled(core, group, recorder, relay)
    # The batch in the outbox's order (one transaction's events: by id), then the retry.
    assert recorder.ids() == [*(event_id for event_id in sorted(ids) if event_id != ids[2]), ids[2]]
    assert await _published(core, ids[2])


async def test_failing_consumer_dead_letters_after_retries_and_replay_brings_it_back(
    config, broker, consume, make_client
):
    client = await make_client(config, worker_names=["outbox-relay"])
    core = client.app[PLATFORM].core
    recorder = Recorder(failing=True)
    group = await consume(recorder, core)
    event_id = await _emit(core, group.routing_keys[0], {"n": 0, "text": "poison"})

    letters = await eventually(lambda: list_dead_letters(broker, group.name), timeout=15)
    assert recorder.calls == config.bus_max_attempts == 3
    assert [letter.message_id for letter in letters] == [str(event_id)]
    assert letters[0].attempts == 3
    assert "cannot handle" in letters[0].error
    assert letters[0].event_type == group.routing_keys[0]
    # Listing does not consume them.
    assert len(await list_dead_letters(broker, group.name)) == 1

    recorder.failing = False
    replayed = await replay_dead_letters(broker, group.name)
    assert [letter.message_id for letter in replayed] == [str(event_id)]
    await eventually(lambda: recorder.handled)
    assert recorder.ids() == [event_id]
    assert await list_dead_letters(broker, group.name) == []


class BatchRecorder:
    """A batch handler that records each batch it was given, failing any batch with a poison."""

    def __init__(self):
        self.batches: list[list[uuid.UUID]] = []
        self.poisoned: set[uuid.UUID] = set()

    async def __call__(self, events, conn) -> None:
        self.batches.append([event.id for event in events])
        if any(event.payload["text"] == "poison" for event in events):
            raise RuntimeError("cannot handle poison")

    def committed(self, event_id: uuid.UUID) -> int:
        """How many poison-free (so committed) batches held ``event_id``."""
        return sum(1 for batch in self.batches if event_id in batch and all(b not in self.poisoned for b in batch))


async def test_a_batched_group_handles_what_queued_together_once_each_and_a_failing_event_alone(
    config, broker, make_client, scratch_catalogue
):
    core = (await make_client(config)).app[PLATFORM].core
    suffix = uuid.uuid4().hex[:8]
    routing_key = f"test.t{suffix}.happened"
    declare("test", [event(routing_key, "a test's own event", n=INTEGER, text=STRING)])
    recorder = BatchRecorder()
    group = ConsumerGroup(f"test{suffix}", (routing_key,), None, core, handle_batch=recorder, batch=50)
    TEST_GROUPS.add(group.name)
    consumer = asyncio.create_task(Consumer(broker, group, prefetch=1).run())  # prefetch: at least the batch
    try:
        await eventually(lambda: _queue_exists(broker, group.name))
        async with core.transaction("tests.setup") as conn:
            ids = [await bus.emit(conn, routing_key, {"n": n, "text": "poison" if n == 7 else f"event {n}"})
                   for n in range(20)]
        recorder.poisoned = {ids[7]}
        relay = OutboxRelay(core, broker, poll_interval=0.1)
        assert await relay.publish_batch() == (20, True)
        await eventually(lambda: _claimed(core, group.name, 19))
        async with core.transaction("tests.setup") as conn:  # more, behind one of the first published again
            ids += [await bus.emit(conn, routing_key, {"n": n, "text": f"event {n}"}) for n in range(20, 25)]
            await conn.execute("UPDATE outbox SET published_at = NULL, created_at = now() + interval '1 s'"
                               " WHERE id = $1", ids[3])
        assert await relay.publish_batch() == (6, True)

        letters = await eventually(lambda: list_dead_letters(broker, group.name), timeout=15)
        assert [letter.message_id for letter in letters] == [str(ids[7])] and letters[0].attempts == 3
        good = [event_id for event_id in ids if event_id != ids[7]]
        await eventually(lambda: _claimed(core, group.name, len(good)))
        assert any(len(batch) > 1 for batch in recorder.batches)  # what queued up came together
        assert [recorder.committed(event_id) for event_id in good] == [1] * len(good)  # each once
        assert recorder.batches.count([ids[7]]) >= 3  # the poison alone, at each of its attempts
        async with core.connection() as conn:
            claimed = {row["event_id"] for row in await conn.fetch(
                "SELECT event_id FROM processed_events WHERE consumer = $1", group.name)}
        assert claimed == set(good)
    finally:
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)


async def _claimed(core, group: str, count: int) -> bool:
    async with core.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", group) >= count
