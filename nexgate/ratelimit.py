"""Sliding-window rate limits in Redis, shared by every server process (DESIGN.md §8).

Each limited key is a sorted set of hit timestamps. One Lua script drops the hits older
than the window, counts the rest and records the new hit only if it fits, so concurrent
requests on different processes can never let more through than the limit.
"""
from __future__ import annotations

import dataclasses
import math
import time
import uuid

from .errors import RateLimited
from .redis import Redis

_HIT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now
"""


@dataclasses.dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window_s`` seconds."""

    name: str
    count: int
    window_s: int


class RateLimiter:
    def __init__(self, redis: Redis):
        self.redis = redis
        self._script = redis.script(_HIT)

    async def retry_after(self, limit: Limit, subject: str) -> int:
        """Record one hit for ``subject``; 0 if it fits, else the seconds until one would."""
        now_ms = int(time.time() * 1000)
        wait_ms = await self._script(
            keys=[self.redis.key("ratelimit", limit.name, subject)],
            args=[now_ms, limit.window_s * 1000, limit.count, f"{now_ms}:{uuid.uuid4().hex[:8]}"],
        )
        return math.ceil(int(wait_ms) / 1000) if int(wait_ms) > 0 else 0

    async def check(self, limit: Limit, subject: str, *, code: str = "rate_limited", what: str | None = None) -> None:
        """Record one hit, or raise ``RateLimited`` (``code``, saying ``what`` was too much)
        with the wait in ``Retry-After``."""
        wait = await self.retry_after(limit, subject)
        if wait:
            what = what or f"Too many requests ({limit.count} per {limit.window_s} s)"
            raise RateLimited(
                f"{what}; try again in {wait} s", code=code, retry_after=wait,
                details={"limit": limit.name, "retry_after": wait},
            )
