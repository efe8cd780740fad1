"""The payments area's ledger and holds as other areas call them: connections to the test's
core database, a database of its own for tests that break the ledger on purpose, and users."""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import uuid

import asyncpg
import pytest

from nexgate import migrations
from nexgate.config import Config
from nexgate.db import init_connection

_numbers = itertools.count(1)


async def connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    return conn


@pytest.fixture
async def conn(config):
    """A connection to the test's core database (a fixture: import it into the test module)."""
    connection = await connect(config.database_url)
    yield connection
    await connection.close()


@contextlib.asynccontextmanager
async def connections(url: str, n: int):
    """``n`` separate connections, so that concurrent calls are concurrent transactions."""
    opened = [await connect(url) for _ in range(n)]
    try:
        yield opened
    finally:
        for conn in opened:
            await conn.close()


async def new_user(conn: asyncpg.Connection) -> uuid.UUID:
    """A user row as registration leaves it (the auth area's registration runs Argon2 and the
    whole app, which a ledger test has no use for)."""
    user_id, n = uuid.uuid4(), next(_numbers)
    await conn.execute(
        "INSERT INTO users (id, username, display_name, email) VALUES ($1, $2, $3, $4)",
        user_id, f"payer_{uuid.uuid4().hex[:12]}", f"Payer {n}", f"payer{user_id.hex[:12]}@example.co.tz",
    )
    return user_id


@contextlib.contextmanager
def own_database(config: Config):
    """A config whose core database is a new copy of the migrated template, dropped after: for
    a test that tampers with history, which would break every later test's ledger."""
    from urllib.parse import urlsplit, urlunsplit

    from tests.conftest import BASE, _template

    template = _template("core", BASE.database_url)
    url = urlunsplit(urlsplit(config.database_url)._replace(path=f"/{config.database_url.rsplit('/', 1)[1]}_{uuid.uuid4().hex[:6]}"))
    migrations.create_database_if_missing(url, template=template)
    try:
        yield dataclasses.replace(config, database_url=url)
    finally:
        migrations.drop_database(url)
