"""The application factory: ``create_app(config)`` is used by ``serve``, ``worker``,
the tests and the benchmarks alike."""
from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlsplit

import aiohttp
import aiohttp_cors
from aiohttp import web

from . import cpu, openapi, workers
from .ws import gateway
from .bus import Broker
from .config import Config, default_public_url_problem, redacted_url
from .db import Database, ensure_migrated
from .domain.auth.keys import Keyring
from .areas import AREAS
from .handlers import docs, health
from .handlers.routing import Routes
from .keys import (
    BROKER, CONFIG, CORE_DB, CPU_POOL, KEYRING, MAILER, METRICS, NOTIFY_DB, OPENAPI, PAYMENT_PROVIDERS, PLATFORM,
    FCM, PUSH, REDIS, SMS, STORAGE, WORKER_TASKS,
)
from .metrics import Metrics
from .middlewares import http_middleware
from .platform import DependencyUnavailable, Platform
from .protocol import App
from .providers.email import SmtpMailer
from .providers.email_sandbox import SmtpSandbox
from .providers.payment_providers import PaymentProviders, sandboxes_for
from .providers.sms import TIMEOUT as SMS_TIMEOUT, SmsClient
from .providers.sms_sandbox import SmsSandbox
from .providers.fcm import FcmClient, ServiceAccount, ServiceAccountInvalid
from .providers.fcm_sandbox import FcmSandbox
from .providers.webpush import WebPushClient
from .providers.webpush_sandbox import WebPushSandbox
from .ratelimit import RateLimiter
from .realtime import Realtime
from .redis import Redis
from .storage import create_storage

log = logging.getLogger(__name__)


def create_app(
    config: Config, *, worker_names: Sequence[str] = (), cpu_pool: ProcessPoolExecutor | None = None
) -> web.Application:
    """The app; ``cpu_pool``, when given, is a process pool its caller made and shuts down, used
    instead of one of ``config.cpu_workers`` processes of its own (the tests share one among
    their apps: spawning the processes and importing what they run takes a second of CPU)."""
    metrics = Metrics()
    app = App(
        client_max_size=config.max_body_bytes,
        middlewares=[
            http_middleware(metrics, config.body_timeout_s),
        ],
    )
    app[CONFIG] = config
    app[METRICS] = metrics
    app.cleanup_ctx.extend(
        [
            _database(CORE_DB, "core", config.database_url),
            _database(NOTIFY_DB, "notify", config.notify_database_url),
            _redis,
            _broker,
            _cpu_pool(cpu_pool),
            _smtp_sandbox,
            _mailer,
            _sms_sandbox,
            _sms,
            _push_sandbox,
            _push,
            _fcm_sandbox,
            _fcm,
            _payment_sandboxes,
            _payment_providers,
            _keyring,
            _storage,
            _platform,
            _workers(worker_names),
        ]
    )
    routes = all_routes()
    for area_routes in routes:
        area_routes.add_to(app)
    gateway.setup(app, AREAS)
    docs.add_static(app)
    # Built the first time it is asked for (``app[OPENAPI]()``): apispec takes a tenth of a second of
    # CPU, which a worker process, and nearly every app the tests start, would spend for nothing.
    app[OPENAPI] = functools.cache(functools.partial(openapi.build, routes, config.public_url))
    _setup_cors(app, config.cors_origins)
    return app


def all_routes() -> tuple[Routes, ...]:
    """The platform's own routes (health, docs), then every area's."""
    return (health.routes, docs.routes, *(routes for area in AREAS for routes in area.routes))


def serve_options(config: Config) -> dict:
    """How ``web.run_app`` serves the app (``nexgate serve``, and the benchmarks that serve it)."""
    return {
        "host": config.host, "port": config.port, "access_log": None, "shutdown_timeout": 10, "print": None,
        # aiohttp rounds every timeout longer than this up to a whole second, WebSocket pings
        # included: every connection whose ping came due within the same second pinged in one
        # loop iteration, a burst every second (333 pings, then their pongs, at 10,000 sockets
        # and 30 s) that was the tail of live delivery (bench/README.md). Pings stay spread.
        "timeout_ceil_threshold": config.ws_heartbeat_s + 1,
    }


def tune_for_serving(app: web.Application) -> web.Application:
    """What ``serve`` adds to the app: garbage collection tuned once start-up is done, and a
    warning when the URLs it hands out cannot reach it."""
    app.on_startup.extend([_warn_of_default_public_url, tune_gc])
    return app


async def _warn_of_default_public_url(app: web.Application) -> None:
    problem = default_public_url_problem(app[CONFIG])
    if problem:
        log.warning(problem)


async def tune_gc(app: web.Application) -> None:
    # Keeps the collector off the event loop's tail latency (bench/README.md): what exists
    # after start-up is never scanned again, and full collections are rare. With 10,000 sockets
    # (about a million tracked objects) one full collection stops the loop for ~1 s; one needs
    # 1,000 middle-generation collections here (and the objects kept to grow by a quarter), as
    # many allocations as the 10 of 20 x 50,000 before. The young generations stay small, since
    # a collection's pause grows with them: a young one of 50,000 took 170-480 ms, a middle one
    # of a million 4 s, on a busy 2-core machine; of 2,000 and 20,000 they take a few ms.
    gc.freeze()
    gc.set_threshold(2_000, 10, 1_000)


def _database(key: web.AppKey, name: str, url: str):
    async def context(app: web.Application) -> AsyncIterator[None]:
        config = app[CONFIG]
        try:
            database = await Database.connect(
                name, url, min_size=config.db_pool_min, max_size=config.db_pool_max, metrics=app[METRICS],
                slow_transaction_s=config.db_slow_transaction_ms / 1000,
            )
        except Exception as error:
            raise DependencyUnavailable(f"PostgreSQL {name} database at {redacted_url(url)} is unreachable: {error}") from None
        try:
            await ensure_migrated(name, url)
            app[key] = database
            yield
        finally:
            await database.close()

    return context


async def _redis(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    redis = Redis.from_config(config)
    try:
        await redis.ping()
    except Exception as error:
        await redis.close()
        raise DependencyUnavailable(f"Redis at {redacted_url(config.redis_url)} is unreachable: {error}") from None
    app[REDIS] = redis
    yield
    await redis.close()


async def _broker(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    try:
        broker = await Broker.connect(config)
    except Exception as error:
        raise DependencyUnavailable(f"RabbitMQ at {redacted_url(config.amqp_url)} is unreachable: {error}") from None
    app[BROKER] = broker
    yield
    await broker.close()


def _cpu_pool(given: ProcessPoolExecutor | None):
    async def context(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            app[CPU_POOL] = given
            yield
            return
        pool = cpu.create_pool(app[CONFIG].cpu_workers)
        app[CPU_POOL] = pool
        yield
        pool.shutdown(wait=True, cancel_futures=True)

    return context


async def _smtp_sandbox(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.smtp_sandbox_dir:
        yield
        return
    sandbox = SmtpSandbox(config.smtp_sandbox_dir, config.smtp_host, config.smtp_port)
    await sandbox.start()
    log.info("SMTP sandbox on %s:%d keeps mail in %s", config.smtp_host, sandbox.port, config.smtp_sandbox_dir)
    yield
    await sandbox.stop()


async def _mailer(app: web.Application) -> AsyncIterator[None]:
    app[MAILER] = SmtpMailer.from_config(app[CONFIG])
    yield


def _listening_at(url: str) -> dict:
    """The host and port a local sandbox serves on, from the URL the server is pointed at."""
    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or (443 if parts.scheme == "https" else 80)}


async def _start_sandbox(sandbox, name: str, variable: str) -> None:
    try:
        await sandbox.start()
    except OSError as error:
        raise DependencyUnavailable(f"{name} sandbox cannot listen on {sandbox.host}:{sandbox.port} ({variable}): "
                                    f"{error}") from None


async def _sms_sandbox(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.sms_sandbox:
        yield
        return
    sandbox = SmsSandbox(username=config.sms_username, api_key=config.sms_api_key,
                         directory=config.sms_sandbox_dir or None, callback_url=config.sms_delivery_reports_url,
                         report_delay_s=1.0, **_listening_at(config.sms_api_url))
    await _start_sandbox(sandbox, "SMS", "NEXGATE_SMS_API_URL")
    log.info("SMS sandbox on %s keeps messages in %s", sandbox.url, config.sms_sandbox_dir or "memory")
    yield
    await sandbox.stop()


async def _sms(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(timeout=SMS_TIMEOUT) as session:
        app[SMS] = SmsClient.from_config(app[CONFIG], session)
        yield


async def _push_sandbox(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.push_sandbox:
        yield
        return
    sandbox = WebPushSandbox(directory=config.push_sandbox_dir or None, **_listening_at(config.push_sandbox_url))
    await _start_sandbox(sandbox, "push", "NEXGATE_PUSH_SANDBOX_URL")
    log.info("Web Push sandbox on %s keeps pushes in %s", sandbox.url, config.push_sandbox_dir or "memory")
    yield
    await sandbox.stop()


async def _push(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.push_vapid_private_key:
        app[PUSH] = None
        yield
        return
    async with aiohttp.ClientSession() as session:  # the client sets its timeout per request
        app[PUSH] = WebPushClient(session, vapid_private_key=config.push_vapid_private_key,
                                  subject=config.push_subject, timeout_s=config.push_timeout_ms / 1000,
                                  ttl_s=config.push_ttl_s)
        yield


async def _fcm_sandbox(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.fcm_sandbox:
        yield
        return
    if not config.fcm_service_account:
        raise DependencyUnavailable("the FCM sandbox needs NEXGATE_FCM_SERVICE_ACCOUNT: where to write its service account")
    sandbox = FcmSandbox(**_listening_at(config.fcm_api_url))
    await _start_sandbox(sandbox, "FCM", "NEXGATE_FCM_API_URL")
    sandbox.service_account(config.fcm_service_account)
    log.info("FCM sandbox on %s; its service account is %s", sandbox.url, config.fcm_service_account)
    yield
    await sandbox.stop()


async def _fcm(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.fcm_service_account:
        app[FCM] = None
        yield
        return
    try:
        account = ServiceAccount.from_file(config.fcm_service_account)
    except ServiceAccountInvalid as error:
        raise DependencyUnavailable(f"NEXGATE_FCM_SERVICE_ACCOUNT={config.fcm_service_account}: {error}") from None
    async with aiohttp.ClientSession() as session:
        app[FCM] = FcmClient(session, account, api_url=config.fcm_api_url, timeout_s=config.push_timeout_ms / 1000)
        yield


async def _payment_sandboxes(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.payments_sandbox:
        yield
        return
    started = []
    try:
        for sandbox, variable in sandboxes_for(config):
            try:
                await sandbox.start()
            except OSError as error:
                where = f"{sandbox.host}:{sandbox.port}"
                raise DependencyUnavailable(f"{sandbox.name} sandbox cannot listen on {where} ({variable}): {error}") from None
            started.append(sandbox)
            log.info("%s sandbox on %s", sandbox.name, sandbox.url)
        yield
    finally:
        for sandbox in reversed(started):
            await sandbox.stop()


async def _payment_providers(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:  # each client sets its own timeout per request
        app[PAYMENT_PROVIDERS] = PaymentProviders.from_config(app[CONFIG], session)
        yield


async def _keyring(app: web.Application) -> AsyncIterator[None]:
    keyring = Keyring(app[CORE_DB])
    await keyring.load()
    app[KEYRING] = keyring
    yield


async def _storage(app: web.Application) -> AsyncIterator[None]:
    storage = create_storage(app[CONFIG], app[KEYRING])
    try:
        await storage.prepare()
    except Exception as error:
        await storage.close()
        raise DependencyUnavailable(f"{storage.where} is unreachable: {_reason(error)}") from None
    app[STORAGE] = storage
    yield
    await storage.close()


def _reason(error: Exception) -> str:
    """The cause of an urllib3 retry failure (minio's), without the request it was retrying."""
    reason = getattr(error, "reason", None) or error
    return " ".join(str(reason).split()) or type(error).__name__


async def _platform(app: web.Application) -> AsyncIterator[None]:
    app[PLATFORM] = Platform(
        config=app[CONFIG],
        metrics=app[METRICS],
        core=app[CORE_DB],
        notify=app[NOTIFY_DB],
        redis=app[REDIS],
        broker=app[BROKER],
        cpu_pool=app[CPU_POOL],
        mailer=app[MAILER],
        sms=app[SMS],
        push=app[PUSH],
        fcm=app[FCM],
        payment_providers=app[PAYMENT_PROVIDERS],
        keyring=app[KEYRING],
        storage=app[STORAGE],
        limiter=RateLimiter(app[REDIS]),
        realtime=Realtime(app[REDIS], app[CONFIG]),
    )
    yield


def _workers(names: Sequence[str]):
    async def context(app: web.Application) -> AsyncIterator[None]:
        await workers.declare_topology(app[PLATFORM])
        tasks = [
            asyncio.create_task(workers.supervise(workers.build(app[PLATFORM], name)), name=f"worker:{name}")
            for name in names
        ]
        app[WORKER_TASKS] = tasks
        if names:
            log.info("running workers: %s", ", ".join(names))
        yield
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)

    return context


def _setup_cors(app: web.Application, origins: Sequence[str]) -> None:
    if not origins:
        return
    options = aiohttp_cors.ResourceOptions(allow_credentials=True, expose_headers="*", allow_headers="*", max_age=600)
    cors = aiohttp_cors.setup(app, defaults={origin: options for origin in origins})
    for route in list(app.router.routes()):
        if not isinstance(route.resource, web.StaticResource):
            cors.add(route)
