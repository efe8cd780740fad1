"""Sliding-window rate limits in Redis, shared by every server process (DESIGN.md §8).

Each limited key is a sorted set of hit timestamps. One Lua script drops the hits older
than the window, counts the rest and records the new hit only if it fits, so concurrent
requests on different processes can never let more through than the limit.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import secrets
import time

from .errors import RateLimited
from .redis import Redis

# The counting itself, as a Lua function that other scripts include to count a hit in the same
# round trip as their own work (``Hit``; domain/auth/sessions.py's live-session read does).
HIT_FUNCTION = """
local function hit(key, now, window, limit, member)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count < limit then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, window)
    return 0
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
"""
_HIT = HIT_FUNCTION + "return hit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])\n"


@dataclasses.dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window_s`` seconds."""

    name: str
    count: int
    window_s: int


@dataclasses.dataclass(frozen=True)
class Hit:
    """One hit to count: a script that includes ``HIT_FUNCTION`` calls ``hit(key, args...)``
    with these and gets 0 if it fits, else the milliseconds until one would (``wait_seconds``)."""

    key: str
    args: list


def wait_seconds(wait_ms) -> int:
    return math.ceil(int(wait_ms) / 1000) if int(wait_ms) > 0 else 0


def refusal(limit: Limit, wait: int, *, code: str = "rate_limited", what: str | None = None) -> RateLimited:
    """The 429 of a hit that did not fit: ``code``, saying ``what`` was too much, the wait in
    ``Retry-After``."""
    what = what or f"Too many requests ({limit.count} per {limit.window_s} s)"
    return RateLimited(
        f"{what}; try again in {wait} s", code=code, retry_after=wait, details={"limit": limit.name, "retry_after": wait}
    )


# A hit's member in the window's sorted set: unique across processes by the random prefix and
# within this one by the counter (a uuid4 for every request was 1% of an authenticated request).
_HIT_PREFIX = secrets.token_hex(4)
_hit_numbers = itertools.count()


class RateLimiter:
    def __init__(self, redis: Redis):
        self.redis = redis
        self._script = redis.script(_HIT)

    def hit(self, limit: Limit, subject: str) -> Hit:
        now_ms = int(time.time() * 1000)
        return Hit(self.redis.key("ratelimit", limit.name, subject),
                   [now_ms, limit.window_s * 1000, limit.count, f"{now_ms}:{_HIT_PREFIX}{next(_hit_numbers):x}"])

    async def retry_after(self, limit: Limit, subject: str) -> int:
        """Record one hit for ``subject``; 0 if it fits, else the seconds until one would."""
        hit = self.hit(limit, subject)
        return wait_seconds(await self._script(keys=[hit.key], args=hit.args))

    async def check(self, limit: Limit, subject: str, *, code: str = "rate_limited", what: str | None = None) -> None:
        """Record one hit, or raise ``RateLimited`` (``refusal``)."""
        wait = await self.retry_after(limit, subject)
        if wait:
            raise refusal(limit, wait, code=code, what=what)
