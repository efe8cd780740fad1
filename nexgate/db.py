"""PostgreSQL: the core and notify pools, their health, and the unit of work."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import orjson
from asyncpg.pool import PoolAcquireContext

from . import migrations
from .config import env_name


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


class Database:
    """One asyncpg pool. Repositories get a connection from ``transaction()`` or ``connection()``."""

    def __init__(self, name: str, pool: asyncpg.Pool):
        self.name = name
        self.pool = pool

    @classmethod
    async def connect(cls, name: str, url: str, *, min_size: int, max_size: int) -> Database:
        pool = await asyncpg.create_pool(
            url, min_size=min_size, max_size=max_size, init=init_connection, reset=keep_session,
            command_timeout=30
        )
        return cls(name, pool)

    def connection(self) -> PoolAcquireContext:
        """``async with database.connection() as conn``: a pooled connection, each statement its
        own transaction."""
        return self.pool.acquire()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as connection, connection.transaction():
            yield connection

    async def ping(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            async with self.pool.acquire() as connection:
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
