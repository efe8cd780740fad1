"""Online/offline and last seen, across every process and device.

Each open connection is a member of ``rt:online:<user>`` (a sorted set scored by when it
stops counting); its process refreshes it while it is open, so a crashed process's
connections fall out within ``presence_ttl_s``. The first connection of a user and the
disconnection of its last one are announced on the topic ``presence:<user id>``, unless the
user hides their presence (then the state is kept but not announced).
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from ..realtime import Realtime

PRESENCE_CHANGED = "users.presence.changed"

# Returns how many live connections the user has after adding this one.
_CONNECTED = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
"""
# Returns how many live connections remain; at none, records the last-seen time.
_DISCONNECTED = """
local now = tonumber(ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('SET', KEYS[2], ARGV[1]) end
return left
"""
# Keeps each connection (ARGV[2 + n]) of KEYS[n] counted until ARGV[1], for ARGV[2] more seconds.
_REFRESH = """
for n, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', ARGV[1], ARGV[n + 2])
  redis.call('EXPIRE', key, ARGV[2])
end
return #KEYS
"""


def _online_key(redis, user_id: str) -> str:
    return redis.key("rt", "online", user_id)


async def online(realtime: Realtime, user_id: uuid.UUID | str) -> bool:
    """Whether the user has a device connected now, to any process (what ``states`` says)."""
    return await realtime.redis.client.zcount(_online_key(realtime.redis, str(user_id)), time.time(), "+inf") > 0


def topic(user_id: uuid.UUID | str) -> str:
    return f"presence:{user_id}"


class Presence:
    def __init__(self, realtime: Realtime, ttl_s: int):
        self.realtime = realtime
        self.redis = realtime.redis
        self.ttl_s = ttl_s
        self._connected = self.redis.script(_CONNECTED)
        self._disconnected = self.redis.script(_DISCONNECTED)
        self._refresh = self.redis.script(_REFRESH)

    def _online_key(self, user_id: str) -> str:
        return _online_key(self.redis, user_id)

    def _seen_key(self, user_id: str) -> str:
        return self.redis.key("rt", "seen", user_id)

    async def connected(self, user_id: str, connection_id: str, *, announce: bool) -> None:
        count = await self._connected(keys=[self._online_key(user_id)], args=[time.time(), self.ttl_s, connection_id])
        if count == 1 and announce:
            await self._announce(user_id, online=True, last_seen=None)

    async def disconnected(self, user_id: str, connection_id: str, *, announce: bool) -> None:
        now = int(time.time())
        left = await self._disconnected(keys=[self._online_key(user_id), self._seen_key(user_id)], args=[now, connection_id])
        if left == 0 and announce:
            await self._announce(user_id, online=False, last_seen=now)

    async def refresh(self, members: Iterable[tuple[str, str]]) -> None:
        """Keep this process's connections (user id, connection id) counted as online: one
        script call, not a pipeline of two commands a connection, whose packing and replies
        held the event loop for 10-20 ms every 500 connections."""
        members = list(members)
        if members:
            await self._refresh(keys=[self._online_key(user_id) for user_id, _ in members],
                                args=[time.time() + self.ttl_s, self.ttl_s, *(connection_id for _, connection_id in members)])

    async def states(self, user_ids: list[str]) -> dict[str, dict[str, Any]]:
        now = time.time()
        async with self.redis.client.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.zcount(self._online_key(user_id), now, "+inf")
                pipe.get(self._seen_key(user_id))
            replies = await pipe.execute()
        return {
            user_id: _state(user_id, online > 0, seen)
            for user_id, online, seen in zip(user_ids, replies[::2], replies[1::2])
        }

    async def _announce(self, user_id: str, *, online: bool, last_seen: int | None) -> None:
        await self.realtime.publish_to_topic(topic(user_id), PRESENCE_CHANGED, _state(user_id, online, last_seen))


def _state(user_id: str, online: bool, last_seen: int | bytes | None) -> dict[str, Any]:
    return {"user_id": user_id, "online": online, "last_seen": None if online or last_seen is None else int(last_seen)}
