"""Test infrastructure: per-session databases cloned from a migrated template, per-session
Redis prefix and RabbitMQ namespace, the app under test, SMTP and SMS sandboxes, fault proxies."""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import os
import socket
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import psycopg2
import pytest
import redis as redis_sync
from moto.server import ThreadedMotoServer

from nexgate import bus, migrations, serialization, workers
from nexgate.bus.broker import close_channel
from nexgate.app import create_app
from nexgate.config import Config
from nexgate.providers.email_sandbox import SmtpSandbox
from nexgate.providers.sms_sandbox import SmsSandbox
from tests.support.proxy import TcpProxy

serialization.CHECK = True  # every response's fast dump is compared with marshmallow's own

SESSION = uuid.uuid4().hex[:10]
BASE = Config.from_env()
TEST_GROUPS: set[str] = set(workers.consumer_groups())
STALE_TEMPLATE_AGE_S = 3600


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(migrations.MIGRATIONS_ROOT.rglob("*.sql")):
        digest.update(str(path.relative_to(migrations.MIGRATIONS_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _template(database: str, url: str) -> str:
    """A migrated template database for the current migrations, made once per change."""
    name = f"nexgate_tpl_{database}_{_migrations_fingerprint()}"
    template_url = _with_database(url, name)
    lock = psycopg2.connect(_with_database(url, "postgres"))
    lock.autocommit = True
    try:
        with lock.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
            # Templates of migrations that have since changed. Another work tree's test run may be
            # cloning from a recent one, so only those made over an hour ago go.
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s"
                " AND coalesce(substring(shobj_description(oid, 'pg_database') from 'made at ([0-9]+)')::bigint, 0)"
                " < extract(epoch FROM now()) - %s",
                (f"nexgate_tpl_{database}_%", name, STALE_TEMPLATE_AGE_S),
            )
            for (stale,) in cursor.fetchall():
                migrations.drop_database(_with_database(url, stale))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not cursor.fetchone():
                try:
                    migrations.apply(template_url, database)
                except Exception:
                    migrations.drop_database(template_url)
                    raise
                cursor.execute(f"COMMENT ON DATABASE \"{name}\" IS 'made at {int(time.time())}'")
    finally:
        lock.close()
    return name


@pytest.fixture(scope="session")
def database_urls():
    urls = {}
    for database, base_url in (("core", BASE.database_url), ("notify", BASE.notify_database_url)):
        url = _with_database(base_url, f"nexgate_test_{SESSION}_{database}")
        migrations.create_database_if_missing(url, template=_template(database, base_url))
        urls[database] = url
    yield urls
    for url in urls.values():
        migrations.drop_database(url)


@pytest.fixture(scope="session", autouse=True)
def _clean_redis_and_rabbitmq():
    yield
    client = redis_sync.Redis.from_url(BASE.redis_url)
    keys = list(client.scan_iter(match=f"{redis_prefix()}*", count=1000))
    if keys:
        client.delete(*keys)
    asyncio.run(_delete_rabbitmq_namespace())


def redis_prefix() -> str:
    return f"nexgate-test-{SESSION}"


def bus_namespace() -> str:
    return f"nexgate-test-{SESSION}"


async def _delete_rabbitmq_namespace() -> None:
    connection = await aio_pika.connect(BASE.amqp_url)
    async with connection:
        for group in TEST_GROUPS:
            base = f"{bus_namespace()}.{group}"
            candidates = [base, f"{base}.dead"] + [f"{base}.retry.{50 * 4**n}ms" for n in range(5)]
            for queue in candidates:
                channel = await connection.channel()
                try:
                    await channel.queue_delete(queue)
                except Exception:
                    pass
        channel = await connection.channel()
        await channel.exchange_delete(f"{bus_namespace()}.events")


def _forget_unpublished_events(database_url: str) -> None:
    """Mark published what earlier tests on this database left in the outbox (their apps ran no
    relay), and park their pending payments and disbursements. Those tests are over; left there,
    the next test's relay would deliver them to its workers (its reconciler ask its sandboxes
    about them), and what a test sees would depend on which tests ran before it on its worker."""
    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
            # Their payments, refunds and payouts still pending went to sandboxes that are gone:
            # due no more, so this test's reconciler and disburser pass them by.
            cursor.execute("UPDATE payments SET next_check_at = NULL WHERE status = 'pending'"
                           " AND next_check_at IS NOT NULL")
            cursor.execute("UPDATE payment_disbursements SET next_check_at = NULL WHERE status = 'pending'"
                           " AND next_check_at IS NOT NULL")
    finally:
        connection.close()


async def _forget_queued_events(config: Config, groups: list[str]) -> None:
    """Empty the queues of these consumer groups (the namespace is the session's): what is in
    them now was published by earlier tests, whose consumers were not running."""
    broker = await bus.Broker.connect(config)
    try:
        topology = broker.topology
        for group in groups:
            retries = [topology.retry_queue(group, delay) for delay in topology.retry_delays_ms()]
            for name in (topology.queue(group), topology.dead_queue(group), *retries):
                channel = await broker.connection.channel()
                try:
                    await (await channel.declare_queue(name, passive=True)).purge()
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    pass  # not declared yet in this session
                finally:
                    await close_channel(channel)
    finally:
        await broker.close()


@pytest.fixture
def config(database_urls, tmp_path) -> Config:
    return make_config(database_urls, tmp_path)


def make_config(database_urls, tmp_path) -> Config:
    """A test's configuration: its own Redis prefix and media directory (under ``tmp_path``), the
    session's databases and bus namespace (also for a module's shared app: tests/support/shared_app.py)."""
    _forget_unpublished_events(database_urls["core"])
    return Config.from_env(
        database_url=database_urls["core"],
        notify_database_url=database_urls["notify"],
        redis_prefix=f"{redis_prefix()}-{uuid.uuid4().hex[:8]}",  # each test its own rate limits and sessions
        bus_namespace=bus_namespace(),
        bus_retry_base_ms=50,
        bus_max_attempts=3,
        outbox_poll_ms=20,
        cpu_workers=1,
        log_json=False,
        smtp_port=1,  # nothing listens there: a test that sends mail uses the smtp_sandbox fixture
        sms_api_url="http://127.0.0.1:1",  # likewise for SMS: the sms_sandbox fixture
        sms_username="nexgate-test",
        sms_api_key="nexgate-test-key",
        # Cheap Argon2 parameters, a generous per-IP limit (every test client is 127.0.0.1) and
        # per-user API budget (a test's few users make all its requests). The tests of limits
        # and hashing set their own.
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        argon2_parallelism=1,
        auth_rate_per_minute=100_000,
        api_requests_per_hour=100_000_000,
        cookie_secure=False,
        media_storage="local",  # each test its own media directory; tests of S3 use s3_config
        media_local_dir=str(tmp_path / "media"),
        media_public_url="",
    )


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server, over HTTP on 127.0.0.1 and a free port: its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_config(config, s3_server) -> Config:
    """``config`` with S3 media storage on the moto server, in a bucket of this test's own."""
    return dataclasses.replace(
        config, media_storage="s3", s3_endpoint=s3_server, s3_public_endpoint="", media_public_url="",
        s3_bucket=f"nexgate-test-{uuid.uuid4().hex[:12]}", s3_access_key="nexgate-test", s3_secret_key="nexgate-test-secret",
    )


@pytest.fixture
async def smtp_sandbox(tmp_path):
    sandbox = SmtpSandbox(tmp_path / "mail")
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def sms_sandbox(tmp_path):
    """An Africa's Talking sandbox; ``dataclasses.replace(config, **sms_sandbox.settings())`` points the app at it."""
    sandbox = SmsSandbox(username="nexgate-test", api_key="nexgate-test-key", directory=tmp_path / "sms")
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


class _SharedCpuPool:
    """One process pool of ``cpu_workers=1`` for every app a test session's ``make_client``
    starts: a pool of its own cost each app a spawned process importing the hashing and imaging
    code (a second of CPU) and its shut-down. What runs in it is pure functions of their
    arguments, so no test sees another's work there; a test that broke it gets a new one."""

    def __init__(self):
        self._pool = None

    def get(self):
        if self._pool is None or getattr(self._pool, "_broken", False):
            from nexgate import cpu

            self._pool = cpu.create_pool(1)
        return self._pool

    def shutdown(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def _cpu_pool():
    pool = _SharedCpuPool()
    yield pool
    pool.shutdown()


@pytest.fixture
async def make_client(aiohttp_client, _cpu_pool):
    """Start the real app (``worker_names`` run inside it) and return a test client for it."""

    async def make(config: Config, worker_names=(), listening: socket.socket | None = None):
        """``listening``: a socket already bound (``cli.listening_socket()``) for the test server,
        when its port must be known beforehand (a provider calling back). Picking a free port and
        binding it later let another worker take it in between."""
        groups = [name for name in worker_names if name in TEST_GROUPS]
        if groups:
            await _forget_queued_events(config, groups)
        server = None if listening is None else {"socket_factory": lambda host, port, family: listening}
        app = create_app(config, worker_names=list(worker_names), cpu_pool=_cpu_pool.get())
        return await aiohttp_client(app, server_kwargs=server)

    return make


@pytest.fixture
async def client(make_client, config):
    return await make_client(config)


@pytest.fixture
async def proxy_to():
    """``await proxy_to(url)`` → (proxy, url that goes through it)."""
    proxies: list[TcpProxy] = []

    async def make(url: str):
        parts = urlsplit(url)
        proxy = TcpProxy(parts.hostname, parts.port)
        await proxy.start()
        proxies.append(proxy)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{proxy.port}"
        return proxy, urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))

    yield make
    for proxy in proxies:
        await proxy.stop()


@pytest.fixture
def scratch_catalogue(monkeypatch):
    """Events a test declares are forgotten after it: the catalogue is one per process, and
    tests/test_bus_docs.py compares it with docs/bus.md."""
    from nexgate.bus import catalogue

    monkeypatch.setattr(catalogue, "_DECLARED", dict(catalogue._DECLARED))


async def eventually(check, timeout: float = 10.0, interval: float = 0.05):
    """Poll ``check`` (sync or async) until it returns a truthy value; return that value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


@pytest.fixture
async def signed_in(client):
    """A newly registered user of ``client``: the token response, plus ``headers`` that send its token."""
    from tests.support.auth import signed_in_user

    return await signed_in_user(client)


@pytest.fixture
async def users():
    """Registered users as ``NexgateClient``s (``await users.new(client)``), closed afterwards."""
    from tests.support.live import Users

    made = Users()
    yield made
    await made.close()
