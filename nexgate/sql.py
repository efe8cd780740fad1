"""Named SQL: ``sql/<area>/*.sql`` loaded once through aiosql's asyncpg adapter."""
from __future__ import annotations

import functools
from pathlib import Path

import aiosql
from aiosql.adapters.asyncpg import AsyncPGAdapter
from aiosql.queries import Queries

SQL_ROOT = Path(__file__).resolve().parent.parent / "sql"


class ConnectionAdapter(AsyncPGAdapter):
    """aiosql's asyncpg adapter for callers that always hold a connection (DESIGN.md: a
    repository is handed one). The stock adapter asks ``dir(connection)`` before every query
    to tell a pool from a connection, which cost about 4% of a message send's CPU."""

    async def select(self, conn, query_name, sql, parameters, record_class=None):
        for record in await conn.fetch(sql, *self.maybe_order_params(query_name, parameters)):
            yield record if record_class is None else record_class(**dict(record))

    async def select_one(self, conn, query_name, sql, parameters, record_class=None):
        record = await conn.fetchrow(sql, *self.maybe_order_params(query_name, parameters))
        return record if record is None or record_class is None else record_class(**dict(record))

    async def select_value(self, conn, query_name, sql, parameters):
        return await conn.fetchval(sql, *self.maybe_order_params(query_name, parameters))

    async def insert_update_delete(self, conn, query_name, sql, parameters):
        return await conn.execute(sql, *self.maybe_order_params(query_name, parameters))


async def all_rows(query, conn, **params) -> list:
    """Every row a named select returns, as a list (aiosql's asyncpg selects yield them one by one)."""
    return [row async for row in query(conn, **params)]


@functools.cache
def queries(area: str) -> Queries:
    return aiosql.from_path(SQL_ROOT / area, ConnectionAdapter)
