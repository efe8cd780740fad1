"""``nexgate check``: one line per dependency, reachable or not, and why."""
from __future__ import annotations

import asyncio

import asyncpg

from . import migrations
from .bus import Broker
from .config import Config, redacted_url
from .providers.email import SmtpMailer
from .redis import Redis
from .storage import Storage, create_storage

TIMEOUT = 3.0


async def _postgres(url: str, database: str) -> None:
    connection = await asyncpg.connect(url, timeout=TIMEOUT)
    await connection.close()
    waiting = await asyncio.to_thread(migrations.pending, url, database)
    if waiting:
        raise RuntimeError(f"{len(waiting)} pending migration(s); run `python -m nexgate migrate`")


async def _redis(config: Config) -> None:
    redis = Redis.from_config(config)
    try:
        await redis.ping(TIMEOUT)
    finally:
        await redis.close()


async def _rabbitmq(config: Config) -> None:
    async with asyncio.timeout(TIMEOUT):
        broker = await Broker.connect(config)
    await broker.close()


async def _storage(storage: Storage) -> None:
    try:
        async with asyncio.timeout(TIMEOUT * 4):
            await storage.ping()
    finally:
        await storage.close()


async def check_all(config: Config) -> list[tuple[str, str | None, str]]:
    """(dependency, problem or None, where it was looked for)."""
    storage = create_storage(config, keyring=None)
    checks = [
        ("postgres core", _postgres(config.database_url, "core"), redacted_url(config.database_url)),
        ("postgres notify", _postgres(config.notify_database_url, "notify"), redacted_url(config.notify_database_url)),
        ("redis", _redis(config), redacted_url(config.redis_url)),
        ("rabbitmq", _rabbitmq(config), redacted_url(config.amqp_url)),
        ("smtp", SmtpMailer.from_config(config).ping(TIMEOUT), f"{config.smtp_host}:{config.smtp_port}"),
        ("storage", _storage(storage), storage.where),
    ]
    results = await asyncio.gather(*(check for _, check, _ in checks), return_exceptions=True)
    return [
        (name, None if not isinstance(result, BaseException) else (str(result) or type(result).__name__), where)
        for (name, _, where), result in zip(checks, results)
    ]
