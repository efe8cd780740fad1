"""publish_to_users: one script call for all the users, idempotent by event id per user;
publishes made at once share a round trip, each with its own answer; and it recovers when
Redis no longer has the script (a restart or SCRIPT FLUSH)."""
from __future__ import annotations

import asyncio
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


async def test_publishes_made_at_once_share_a_trip_and_each_gets_its_own_position(config, monkeypatch):
    monkeypatch.setattr(realtime, "_PUBLISH", realtime._PUBLISH + f"\n-- {uuid.uuid4()}")  # the pipelined reload too
    redis = Redis.from_config(config)
    publisher = Realtime(redis, config)
    users = [uuid.uuid4() for _ in range(6)]
    positions = await asyncio.gather(*(publisher.publish_to_user(u, "test.together", {"n": n})
                                       for n, u in enumerate(users)))
    for n, (user, position) in enumerate(zip(users, positions)):
        [(stored, fields)] = await redis.client.xrange(publisher.stream_key(user))
        assert stored.decode() == position and f'"n":{n}' in fields[b"p"].decode()
    await redis.close()


async def test_different_scripts_called_at_once_share_a_trip_and_recover_together(config, monkeypatch):
    """A publish and a rate-limit hit in one iteration go out in one pipeline; neither script is
    known to Redis, and both are loaded and answered."""
    from nexgate import ratelimit

    monkeypatch.setattr(realtime, "_PUBLISH", realtime._PUBLISH + f"\n-- {uuid.uuid4()}")
    monkeypatch.setattr(ratelimit, "_HIT", ratelimit._HIT + f"\n-- {uuid.uuid4()}")
    redis = Redis.from_config(config)
    publisher, limiter = Realtime(redis, config), ratelimit.RateLimiter(redis)
    limit, user = ratelimit.Limit("test_shared", 1, 60), uuid.uuid4()
    position, first, second = await asyncio.gather(
        publisher.publish_to_user(user, "test.shared", {}), limiter.retry_after(limit, str(user)),
        limiter.retry_after(limit, str(user)))
    assert [entry[0].decode() for entry in await redis.client.xrange(publisher.stream_key(user))] == [position]
    assert sorted([first, second])[0] == 0 and sorted([first, second])[1] > 0
    await redis.close()
