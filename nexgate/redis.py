"""Redis: one client per process (redis-py's ``redis.asyncio``; see DESIGN.md §11)."""
from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

import hiredis

import redis.asyncio as redis_asyncio
from redis._parsers.base import BaseParser
from redis.commands.core import AsyncScript
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import (
    ConnectionError as RedisConnectionError, NoScriptError, ResponseError, TimeoutError as RedisTimeoutError,
)

from .config import Config

POOL_SIZE = 100
POOL_WAIT_S = 5
SOCKET_TIMEOUT_S = 5  # no reply for this long fails a command
RETRIES = 2  # a command failing on a dropped connection or a timeout is sent again this many times
BACKOFF = ExponentialBackoff(cap=1, base=0.05)
_NOT_ENOUGH = object()  # hiredis's answer while a reply is incomplete


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
            socket_timeout=SOCKET_TIMEOUT_S,
            health_check_interval=15,
            retry=Retry(BACKOFF, retries=RETRIES),
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
        self._trips.close()
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
_RETRIED = (RedisConnectionError, RedisTimeoutError)


class _SharedTrips:
    """Script calls made in the same event-loop iteration reach Redis together, pipelined on a
    connection of their own.

    redis-py spends 150-170 us of CPU on a lone command through the pool (its condition, lock and
    timeouts, a task for each write, the connection's checks; 20-30 us in a pipeline's machinery
    and ``SCRIPT EXISTS``), against a quarter to a third of a millisecond for the bare app's whole
    response (bench/README.md). Here the calls woken in one iteration are written to the trips'
    own connection in one write when that iteration ends, without waiting for the replies of the
    trips before (Redis answers a connection's commands in order), and each reply is handed to its
    caller as it is read: 25 us a lone call, 5 us batched. What the pool gave is kept: a trip
    that meets a dropped connection or no reply within the socket timeout is sent again on a new
    connection after the pool's backoff, up to its retries; a script Redis no longer has (restart,
    ``SCRIPT FLUSH``) is loaded and its calls sent again; an error reply is its call's
    ``ResponseError``. The connection is made by redis-py (the URL's TLS, socket, password and
    database), then read by ``_Link``.
    """

    def __init__(self, client: redis_asyncio.Redis):
        self.client = client
        self._waiting: list[_Call] = []
        self._link: _Link | None = None
        self._opening: asyncio.Lock | None = None
        self._background: set[asyncio.Task] = set()
        self._timeout_s = client.connection_pool.connection_kwargs.get("socket_timeout") or SOCKET_TIMEOUT_S

    async def call(self, script: AsyncScript, keys: list, args: list) -> Any:
        loop = asyncio.get_running_loop()
        result = loop.create_future()
        self._waiting.append((script, keys, args, result))
        if len(self._waiting) == 1:
            loop.call_soon(self._send_waiting)
        return await result

    def _send_waiting(self) -> None:
        calls, self._waiting = self._waiting, []
        link = self._link
        if link is not None and link.open:
            self._send(link, calls, 0)
        else:
            self._later(self._send_later(calls, 0))

    def _later(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _send(self, link: _Link, calls: list[_Call], failures: int) -> None:
        commands = [("EVALSHA", script.sha, len(keys), *keys, *args) for script, keys, args, _ in calls]
        link.send(link.connection.pack_commands(commands), len(commands),
                  lambda replies: self._answered(calls, replies, failures))

    def _answered(self, calls: list[_Call], replies: list | BaseException, failures: int) -> None:
        """Each caller's reply, or the failure of the trip (sent again while retries are left)."""
        if isinstance(replies, BaseException):
            if isinstance(replies, _RETRIED) and failures < RETRIES:
                self._later(self._send_later(calls, failures + 1))
                return
            replies = [replies] * len(calls)
        again = []
        for call, reply in zip(calls, replies):
            result = call[3]
            if result.done():  # the caller was cancelled
                continue
            if isinstance(reply, NoScriptError):
                again.append(call)
            elif isinstance(reply, Exception):
                result.set_exception(reply)
            else:
                result.set_result(reply)
        if again:  # Redis restarted or flushed its scripts: load them and call again
            self._later(self._load_and_send(again, failures))

    async def _send_later(self, calls: list[_Call], failures: int) -> None:
        """The trip once there is a connection, after the backoff of its failures so far."""
        while True:
            try:
                if failures:
                    await asyncio.sleep(BACKOFF.compute(failures))
                link = await self._connected()
            except _RETRIED as error:
                if failures < RETRIES:
                    failures += 1
                    continue
                self._answered(calls, error, failures)
                return
            except Exception as error:  # noqa: BLE001 - each caller gets the failure its trip met
                self._answered(calls, error, RETRIES)
                return
            self._send(link, calls, failures)
            return

    async def _load_and_send(self, calls: list[_Call], failures: int) -> None:
        try:
            for script in {script.sha: script for script, *_ in calls}.values():
                await self.client.script_load(script.script)
        except Exception as error:  # noqa: BLE001
            self._answered(calls, error, RETRIES)
            return
        await self._send_later(calls, failures)

    async def _connected(self) -> _Link:
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._link is None or not self._link.open:
                pool = self.client.connection_pool
                connection = pool.make_connection()
                await connection.connect()
                self._link = _Link(connection, self._timeout_s)
            return self._link

    def close(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None


class _Link(asyncio.Protocol):
    """One connection's replies, handed out in the order their commands were written; no reply
    for ``timeout_s`` while some are awaited fails them all and closes it, as does its loss."""

    def __init__(self, connection, timeout_s: float):
        self.connection = connection  # redis-py's, which made it and packs the commands
        self._timeout_s = timeout_s
        self._reader = hiredis.Reader(replyError=BaseParser.parse_error, notEnoughData=_NOT_ENOUGH)
        self._awaited: collections.deque[tuple[int, list, Callable]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        self._transport = connection._writer.transport
        self.open = True
        self._transport.set_protocol(self)

    def send(self, packed: list[bytes], replies: int, answered: Callable) -> None:
        self._transport.writelines(packed)
        if not self._awaited:
            self._timer = self._loop.call_later(self._timeout_s, self._expired)
        self._awaited.append((replies, [], answered))

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        awaited = self._awaited
        while awaited:
            reply = self._reader.gets()
            if reply is _NOT_ENOUGH:
                return
            expected, replies, answered = awaited[0]
            replies.append(reply)
            if len(replies) == expected:
                awaited.popleft()
                self._timer.cancel()
                if awaited:
                    self._timer = self._loop.call_later(self._timeout_s, self._expired)
                answered(replies)

    def _expired(self) -> None:
        self._fail(RedisTimeoutError(f"Timeout reading from Redis: no reply for {self._timeout_s:g} s"))
        self._transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError(f"Connection to Redis lost: {exc or 'closed by the server'}"))

    def eof_received(self) -> bool:
        return False  # close

    def _fail(self, error: Exception) -> None:
        self.open = False
        if self._timer is not None:
            self._timer.cancel()
        awaited, self._awaited = self._awaited, collections.deque()
        for _, _, answered in awaited:
            answered(error)

    def close(self) -> None:
        self.open = False
        self._transport.close()
