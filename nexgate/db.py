"""PostgreSQL: the core and notify pools, their health, and the unit of work."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Callable

import asyncpg
import orjson

from . import migrations
from .config import env_name
from .metrics import Metrics

log = logging.getLogger(__name__)

TRANSACTION_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


class UnmigratedDatabase(RuntimeError):
    pass


async def keep_session(connection: asyncpg.Connection) -> None:
    """Release a connection to the pool as it is. asyncpg's default reset (a ``RESET ALL``,
    ``UNLISTEN *``, ``CLOSE ALL`` and advisory unlock) is a round trip on every release for
    state nothing here leaves behind: no session settings, session advisory locks or LISTEN,
    and cursors live in transactions. asyncpg still rolls back an open transaction before
    calling this."""


async def init_connection(connection: asyncpg.Connection) -> None:
    for json_type in ("json", "jsonb"):
        await connection.set_type_codec(
            json_type, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
        )


class _PooledConnection:
    """A turn at the pool, then one of its connections. A class rather than a generator-based
    context manager: every request takes one, and the generator's machinery was a sixth of it."""

    __slots__ = ("_turns", "_pool", "_acquired")

    def __init__(self, turns: asyncio.Semaphore, pool: asyncpg.Pool):
        self._turns, self._pool = turns, pool

    async def __aenter__(self) -> asyncpg.Connection:
        await self._turns.acquire()
        try:
            self._acquired = self._pool.acquire()
            return await self._acquired.__aenter__()
        except BaseException:
            self._turns.release()
            raise

    async def __aexit__(self, *exc_info) -> None:
        try:
            await self._acquired.__aexit__(*exc_info)
        finally:
            self._turns.release()


class Database:
    """One asyncpg pool. Repositories get a connection from ``transaction(name)`` or ``connection()``.

    Every transaction is named ``<area>.<what>`` (``users.follow``): its duration goes into the
    ``nexgate_db_transaction_duration_seconds`` histogram under that name, and one slower than
    ``slow_transaction_s`` is logged with it."""

    def __init__(
        self, name: str, pool: asyncpg.Pool, *, metrics: Metrics | None = None, slow_transaction_s: float = math.inf
    ):
        self.name = name
        self.pool = pool
        self.metrics = metrics
        self.slow_transaction_s = slow_transaction_s
        self._observers: dict[str, Callable[[float], None]] = {}
        # Turns at the pool in the order they were asked for. asyncpg's own queue lets a newcomer
        # take a just-released connection from under the waiter it woke, which then queues again
        # at the back: with more requests than connections, a few waited seconds (bench/README.md).
        self._turns = asyncio.Semaphore(pool.get_max_size())

    @classmethod
    async def connect(
        cls, name: str, url: str, *, min_size: int, max_size: int, metrics: Metrics | None = None,
        slow_transaction_s: float = math.inf,
    ) -> Database:
        pool = await asyncpg.create_pool(
            url, min_size=min_size, max_size=max_size, init=init_connection, reset=keep_session,
            command_timeout=30
        )
        return cls(name, pool, metrics=metrics, slow_transaction_s=slow_transaction_s)

    def connection(self) -> _PooledConnection:
        """``async with database.connection() as conn``: a pooled connection, each statement its
        own transaction; first come, first served."""
        return _PooledConnection(self._turns, self.pool)

    @contextlib.asynccontextmanager
    async def transaction(self, name: str) -> AsyncIterator[asyncpg.Connection]:
        """``async with database.transaction("users.follow") as conn``: one pooled connection in one
        transaction, committed when the block ends and rolled back if it raises. Its duration is
        timed from asking the pool for the connection (a pool wait shows) to commit or rollback."""
        observe = self._observers.get(name) or self._observer(name)
        started = time.perf_counter()
        try:
            async with self.connection() as connection, connection.transaction():
                yield connection
        finally:
            elapsed = time.perf_counter() - started
            observe(elapsed)
            if elapsed >= self.slow_transaction_s:
                log.warning(
                    "slow transaction %s on the %s database: %.1f ms", name, self.name, 1000 * elapsed,
                    extra={"transaction": name, "database": self.name, "duration_ms": round(1000 * elapsed, 1)},
                )

    def _observer(self, name: str) -> Callable[[float], None]:
        """The histogram child of a transaction name, checked once, the first time it is used."""
        if not TRANSACTION_NAME.fullmatch(name):
            raise ValueError(f"transaction name {name!r} is not <area>.<what> (lower case, dot-separated)")
        observe = self.metrics.transactions.labels(self.name, name).observe if self.metrics else lambda _: None
        self._observers[name] = observe
        return observe

    async def ping(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            async with self.connection() as connection:
                await connection.fetchval("SELECT 1")

    async def close(self) -> None:
        await self.pool.close()


async def ensure_migrated(database: str, url: str) -> None:
    """Refuse to run on a database with pending migrations, naming the fix."""
    try:
        waiting = await asyncio.to_thread(migrations.pending, url, database)
    except Exception as error:  # psycopg2 reports a missing database as OperationalError
        raise UnmigratedDatabase(
            f"{database} database ({env_name('database_url' if database == 'core' else 'notify_database_url')}) "
            f"is not usable: {str(error).strip().splitlines()[0]}; run `python -m nexgate migrate`"
        ) from None
    if waiting:
        raise UnmigratedDatabase(
            f"{database} database has {len(waiting)} pending migration(s) ({', '.join(waiting)}); "
            "run `python -m nexgate migrate`"
        )
