"""The baseline server: a bare aiohttp app served as ``python -m nexgate serve`` serves Nexgate
(uvloop, ``web.run_app``, no access log). ``python -m bench.bare --port P [--database-url URL
--redis-url URL --session-key KEY --user-id ID]``.

``GET /health/live`` answers what Nexgate's does. With the database options it also serves
``GET /api/users/me`` doing exactly the I/O of Nexgate's: one Redis ``HMGET`` of the session's
live copy (``--session-key``), one PostgreSQL row of the user (``--user-id``), JSON out; no
middleware, no token check, no schema. Its pool has ``--pool-size`` connections (Nexgate's
``NEXGATE_DB_POOL_MAX``), taken in turn as Nexgate's are (``nexgate.db.Database``): asyncpg's
own queue lets newcomers overtake the waiters, which puts seconds into the tail. Like Nexgate's
(``nexgate.db.keep_session``), it releases a connection without asyncpg's reset, which is a
second round trip (``RESET ALL``, ``UNLISTEN *``, ...) on every release: with it, this app did
two PostgreSQL round trips a request to Nexgate's one.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import uuid
from collections.abc import AsyncIterator

import asyncpg
import orjson
import redis.asyncio as redis_asyncio
import uvloop
from aiohttp import web

USER_ROW = """SELECT id, username, display_name, email, email_verified_at, phone, phone_verified_at,
       password_hash, roles, status, created_at
  FROM users WHERE id = $1"""


async def live(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _default(value):
    if isinstance(value, uuid.UUID | datetime.datetime):
        return str(value)
    raise TypeError(type(value).__name__)


async def _keep(connection: asyncpg.Connection) -> None:
    """Release a connection as it is (no reset round trip), as Nexgate does."""


class UsersMe:
    """``GET /api/users/me`` with nothing around its two round trips."""

    def __init__(self, database_url: str, redis_url: str, session_key: str, user_id: str, pool_size: int):
        self.database_url, self.redis_url, self.pool_size = database_url, redis_url, pool_size
        self.session_key, self.user_id = session_key, uuid.UUID(user_id)
        self.turns = asyncio.Semaphore(pool_size)

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        self.pool = await asyncpg.create_pool(self.database_url, min_size=2, max_size=self.pool_size, reset=_keep)
        self.redis = redis_asyncio.Redis.from_url(self.redis_url)
        yield
        await self.redis.aclose()
        await self.pool.close()

    async def handle(self, request: web.Request) -> web.Response:
        state, _ = await self.redis.hmget(self.session_key, "state", "last_seen")
        if state != b"active":
            return web.json_response({"error": "session"}, status=401)
        async with self.turns, self.pool.acquire() as conn:
            row = await conn.fetchrow(USER_ROW, self.user_id)
        user = {key: row[key] for key in ("id", "username", "display_name", "email", "phone", "roles", "created_at")}
        return web.Response(body=orjson.dumps(user, default=_default), content_type="application/json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--session-key")
    parser.add_argument("--user-id")
    parser.add_argument("--pool-size", type=int, default=10)
    args = parser.parse_args(argv)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    app = web.Application()
    app.router.add_get("/health/live", live)
    if args.database_url:
        users_me = UsersMe(args.database_url, args.redis_url, args.session_key, args.user_id, args.pool_size)
        app.cleanup_ctx.append(users_me.context)
        app.router.add_get("/api/users/me", users_me.handle)
    web.run_app(app, host=args.host, port=args.port, access_log=None, shutdown_timeout=10, print=None)


if __name__ == "__main__":
    main()
