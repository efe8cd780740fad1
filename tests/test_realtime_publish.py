"""publish_to_users: one pipeline of EVALSHA, idempotent by event id per user, and it recovers
when Redis no longer has the script (a restart or SCRIPT FLUSH)."""
from __future__ import annotations

import uuid

from nexgate import realtime
from nexgate.realtime import Realtime
from nexgate.redis import Redis


async def test_publishing_to_users_with_an_event_id_reaches_each_once(config):
    redis = Redis.from_config(config)
    publisher = Realtime(redis, config)
    a, b, event_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for _ in range(3):
        await publisher.publish_to_users([a, b], "test.once", {"n": 1}, event_id=event_id)
    assert [await redis.client.xlen(publisher.stream_key(u)) for u in (a, b)] == [1, 1]
    await redis.close()


async def test_a_script_redis_does_not_know_is_loaded_and_the_publish_goes_through(config, monkeypatch):
    monkeypatch.setattr(realtime, "_PUBLISH", realtime._PUBLISH + f"\n-- {uuid.uuid4()}")  # never loaded
    redis = Redis.from_config(config)
    publisher = Realtime(redis, config)
    user = uuid.uuid4()
    assert (await redis.client.script_exists(publisher._publish.sha)) == [False]
    await publisher.publish_to_users([user], "test.loaded", {})
    await publisher.publish_to_users([user], "test.loaded", {})
    assert await redis.client.xlen(publisher.stream_key(user)) == 2
    await redis.close()
