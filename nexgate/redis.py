"""Redis: one client per process (redis-py's ``redis.asyncio``; see DESIGN.md §11)."""
from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as redis_asyncio
from redis.commands.core import AsyncScript
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import (
    ConnectionError as RedisConnectionError, NoScriptError, ResponseError, TimeoutError as RedisTimeoutError,
)

from .config import Config

POOL_SIZE = 100
POOL_WAIT_S = 5


class Redis:
    """The client plus the key prefix every key of this deployment carries."""

    def __init__(self, client: redis_asyncio.Redis, prefix: str):
        self.client = client
        self.prefix = prefix
        self._trips = _SharedTrips(client)
        self._scripts: dict[str, SharedTripScript] = {}

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

    def script(self, source: str) -> SharedTripScript:
        """A Lua script for the hot paths: its calls share round trips with the other scripts'
        calls made in the same event-loop iteration. One per source, registered the first time."""
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = SharedTripScript(self.client.register_script(source), self._trips)
        return script

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def ping(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()


class SharedTripScript:
    """A registered Lua script called through its Redis's shared trips (``Redis.script``)."""

    def __init__(self, script: AsyncScript, trips: _SharedTrips):
        self._script = script
        self._trips = trips

    @property
    def sha(self) -> str:
        return self._script.sha

    async def __call__(self, *, keys: list, args: list) -> Any:
        return await self._trips.call(self._script, keys, args)


_Call = tuple[AsyncScript, list, list, asyncio.Future]  # a script, its keys and args, and its caller's answer


class _SharedTrips:
    """Script calls made in the same event-loop iteration reach Redis together.

    redis-py spends about 0.2 ms of CPU on each command it sends, a sixth of a message send,
    and a pipeline's machinery (its command stack, callbacks and ``SCRIPT EXISTS``) more: the
    calls woken in one iteration are written to one pooled connection in one write and their
    replies read in turn, with the pool's retry on a dropped connection, as a pipeline does.
    A lone call goes out when its iteration ends.
    """

    def __init__(self, client: redis_asyncio.Redis):
        self.client = client
        self._waiting: list[_Call] = []
        self._sending: set[asyncio.Task] = set()

    async def call(self, script: AsyncScript, keys: list, args: list) -> Any:
        loop = asyncio.get_running_loop()
        result = loop.create_future()
        self._waiting.append((script, keys, args, result))
        if len(self._waiting) == 1:
            loop.call_soon(self._send_waiting)
        return await result

    def _send_waiting(self) -> None:
        calls, self._waiting = self._waiting, []
        task = asyncio.create_task(self._send(calls))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, calls: list[_Call]) -> None:
        try:
            replies = await self._evalsha_all(calls)
        except Exception as error:  # noqa: BLE001 - each caller gets the failure its call met
            replies = [error] * len(calls)
        for (*_, result), reply in zip(calls, replies):
            if result.done():  # the caller was cancelled
                continue
            if isinstance(reply, Exception):
                result.set_exception(reply)
            else:
                result.set_result(reply)

    async def _evalsha_all(self, calls: list[_Call]) -> list:
        replies = await self._exchange([("EVALSHA", script.sha, len(keys), *keys, *args)
                                        for script, keys, args, _ in calls])
        unknown = {script.sha: script for (script, *_), reply in zip(calls, replies) if isinstance(reply, NoScriptError)}
        if unknown:  # Redis restarted or flushed its scripts: load them and call again
            for script in unknown.values():
                await self.client.script_load(script.script)
            again = [n for n, (script, *_) in enumerate(calls) if script.sha in unknown]
            for n, reply in zip(again, await self._evalsha_all([calls[n] for n in again])):
                replies[n] = reply
        return replies

    async def _exchange(self, commands: list[tuple]) -> list:
        """Each command's reply, an error reply as its ``ResponseError``."""
        pool = self.client.connection_pool
        connection = await pool.get_connection()
        try:
            return await connection.retry.call_with_retry(
                lambda: _send_and_read(connection, commands), lambda _error: connection.disconnect()
            )
        except BaseException:
            await connection.disconnect()  # replies may be left unread on it
            raise
        finally:
            await pool.release(connection)


async def _send_and_read(connection, commands: list[tuple]) -> list:
    await connection.send_packed_command(connection.pack_commands(commands))
    replies = []
    for _ in commands:
        try:
            replies.append(await connection.read_response())
        except ResponseError as error:
            replies.append(error)
    return replies
