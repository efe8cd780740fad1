"""Redis: one client per process (redis-py's ``redis.asyncio``; see DESIGN.md §11)."""
from __future__ import annotations

import asyncio

import redis.asyncio as redis_asyncio
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from .config import Config

POOL_SIZE = 100
POOL_WAIT_S = 5


class Redis:
    """The client plus the key prefix every key of this deployment carries."""

    def __init__(self, client: redis_asyncio.Redis, prefix: str):
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_config(cls, config: Config) -> Redis:
        # A blocking pool: a burst (thousands of WebSockets reconnecting after a restart) waits
        # for a connection instead of failing with MaxConnectionsError.
        pool = redis_asyncio.BlockingConnectionPool.from_url(
            config.redis_url,
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT_S,
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=15,
            retry=Retry(ExponentialBackoff(cap=1, base=0.05), retries=2),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        return cls(redis_asyncio.Redis.from_pool(pool), config.redis_prefix)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def ping(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
