"""The Redis sliding-window limiter: hits made at once (sharing one round trip) still let
exactly the limit through, and the refused ones are told how long to wait."""
from __future__ import annotations

import asyncio
import uuid

from nexgate.errors import RateLimited
from nexgate.ratelimit import Limit, RateLimiter
from nexgate.redis import Redis


async def test_hits_made_at_once_let_exactly_the_limit_through(config):
    redis = Redis.from_config(config)
    limiter = RateLimiter(redis)
    limit, subject = Limit("test_burst", 5, 60), str(uuid.uuid4())
    outcomes = await asyncio.gather(*(limiter.check(limit, subject) for _ in range(12)), return_exceptions=True)
    refused = [outcome for outcome in outcomes if isinstance(outcome, RateLimited)]
    assert outcomes.count(None) == 5 and len(refused) == 7
    assert all(0 < error.retry_after <= 60 for error in refused)
    other = str(uuid.uuid4())  # another subject's budget is its own
    assert await limiter.retry_after(limit, other) == 0
    await redis.close()
