"""The WebSocket gateway under load: idle sessions held and what they cost, point-to-point
latency, topic fan-out, and point-to-point across two server processes.

``python -m bench.ws [--sessions N] [--users N] [--p2p-users N] [--rate R] [--duration S]
[--fanout N] [--rounds N] [--clients N]`` (defaults: the sizes of issue 4).

It makes its own databases (``nexgate_bench_<run>_core`` / ``_notify``, dropped afterwards)
and a Redis prefix of its own (deleted afterwards), writes the users, devices and sessions
straight into them and mints their access tokens with the server's own signing key (no
Argon2), then serves Nexgate (``python -m bench.ws serve``: ``nexgate serve --workers none``
plus the loop-lag probe of ``bench.probed`` and ``POST /bench/publish``) and holds the
sessions from ``--clients`` separate load processes (``python -m bench.ws client``). Prints
each phase, then a JSON line with every figure (bench/README.md says what each one means).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import json
import math
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import orjson

from bench.load import ROOT, ServerFailed, free_port, running
from nexgate import migrations
from nexgate.config import Config

TOKEN_TTL_S = 3600  # longer than any run, so no token expires (4004) in the middle of one
P2P_EVENT = "bench.p2p"
FANOUT_EVENT = "bench.fanout"
TARGET_SESSION_KIB = 30
TARGET_P2P_P99_MS = 50
TARGET_FANOUT_S = 1.0


# -- the bench process ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    if argv[:1] == ["client"]:
        return _client_main()
    args = _parser().parse_args(argv)
    if args.users is None:
        args.users = args.sessions
    if not 1 <= args.p2p_users <= min(args.users, args.sessions):
        raise SystemExit("bench.ws: --p2p-users must be between 1 and min(--users, --sessions)")
    if not 1 <= args.fanout <= args.sessions:
        raise SystemExit("bench.ws: --fanout must be between 1 and --sessions")
    _raise_open_files_limit()  # the servers and the load processes inherit it
    summary = run_in_own_databases("bench.ws", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 0 if summary["clean"] else 1


def run_in_own_databases(prog: str, measure, args: argparse.Namespace) -> dict[str, Any] | None:
    """``measure(args, run, databases, prefix)`` on uvloop, with databases, a Redis prefix and a
    RabbitMQ namespace (``nexgate-bench-<run>``, as ``_server_env`` sets it) of the run's own, the
    databases migrated first, all removed afterwards; its summary, or None after saying why it
    failed."""
    import uvloop

    run = uuid.uuid4().hex[:8]
    databases = _bench_databases(Config.from_env(), run)
    prefix = f"nexgate-bench-{run}"
    try:
        for name, url in databases.items():
            migrations.apply(url, name)
        return uvloop.run(measure(args, run, databases, prefix))
    except (ServerFailed, RuntimeError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return None
    finally:
        for url in databases.values():
            migrations.drop_database(url)
        _delete_redis_keys(Config.from_env().redis_url, prefix)
        uvloop.run(delete_bus_namespace(Config.from_env(), f"nexgate-bench-{run}", prog))


async def delete_bus_namespace(config: Config, namespace: str, prog: str) -> None:
    """The exchange and the queues a bench's servers declared under its RabbitMQ namespace."""
    import aio_pika

    from nexgate import workers
    from nexgate.bus.broker import Topology

    topology = Topology(namespace, config.bus_max_attempts, config.bus_retry_base_ms)
    try:
        async with await aio_pika.connect(config.amqp_url, timeout=5) as connection:
            channel = await connection.channel()
            for group in workers.consumer_groups():
                retries = (topology.retry_queue(group, delay) for delay in topology.retry_delays_ms())
                for queue in (topology.queue(group), *retries, topology.dead_queue(group)):
                    await channel.queue_delete(queue)
            await channel.exchange_delete(topology.exchange)
    except (OSError, aio_pika.exceptions.AMQPException) as error:
        print(f"{prog}: RabbitMQ namespace {namespace} left behind ({error!r})", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.ws", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000, help="idle sessions held at once (default 10000)")
    parser.add_argument("--users", type=int, default=None,
                        help="users the sessions belong to, round robin (default: one per session)")
    parser.add_argument("--p2p-users", type=int, default=1000,
                        help="users the point-to-point events go to (default 1000)")
    parser.add_argument("--rate", type=float, default=1000.0, help="point-to-point events per second (default 1000)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds of each point-to-point phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each point-to-point phase")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds the sessions sit idle before RSS is read")
    parser.add_argument("--fanout", type=int, default=5000, help="subscribers of the fan-out topic (default 5000)")
    parser.add_argument("--rounds", type=int, default=5, help="fan-out events, one a second (default 5)")
    parser.add_argument("--clients", type=int, default=2, help="load processes holding the sessions (default 2)")
    parser.add_argument("--connect-concurrency", type=int, default=32,
                        help="sessions each load process opens (or subscribes, or closes) at once (default 32)")
    return parser


def _raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 1_048_576, hard))


def _bench_databases(config: Config, run: str) -> dict[str, str]:
    def named(url: str, suffix: str) -> str:
        return urlunsplit(urlsplit(url)._replace(path=f"/nexgate_bench_{run}_{suffix}"))

    return {"core": named(config.database_url, "core"), "notify": named(config.notify_database_url, "notify")}


def _server_env(run: str, databases: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "NEXGATE_DATABASE_URL": databases["core"],
        "NEXGATE_NOTIFY_DATABASE_URL": databases["notify"],
        "NEXGATE_REDIS_PREFIX": prefix,
        "NEXGATE_BUS_NAMESPACE": f"nexgate-bench-{run}",
        "NEXGATE_API_REQUESTS_PER_HOUR": "100000000",  # a bench user makes more REST requests than a person
        "NEXGATE_LOG_LEVEL": os.environ.get("NEXGATE_LOG_LEVEL", "WARNING"),
    }


def _delete_redis_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        batch = []
        for key in client.scan_iter(match=f"{prefix}:*", count=2000):
            batch.append(key)
            if len(batch) >= 2000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
    finally:
        client.close()


@dataclasses.dataclass
class Seeded:
    tokens: list[str]  # one per session
    session_users: list[int]  # the user (index) of each session
    user_ids: list[str]
    star: str  # the user whose presence topic the fan-out uses; it has no session
    seconds: float
    session_ids: list[str]  # one per session


async def seed(config: Config, run: str, sessions: int, users: int) -> Seeded:
    """Users, devices and sessions written straight into the bench database, access tokens
    signed with the server's own key, and each session's live copy in Redis as
    ``sessions.start_session`` leaves it: what a login does, without its Argon2."""
    import asyncpg

    from nexgate.db import Database, init_connection
    from nexgate.domain.auth.caller import Caller
    from nexgate.domain.auth.keys import Keyring
    from nexgate.domain.auth.tokens import issue_access_token
    from nexgate.redis import Redis

    started = time.perf_counter()
    pool = await asyncpg.create_pool(config.database_url, min_size=1, max_size=2, init=init_connection)
    redis = Redis.from_config(config)
    try:
        keyring = Keyring(Database("core", pool))
        await keyring.load()  # creates the signing key the servers will load
        user_ids = [uuid.uuid4() for _ in range(users + 1)]
        names = [f"ws_{run}_{n}" for n in range(users + 1)]
        session_users = [n % users for n in range(sessions)]
        device_ids = [uuid.uuid4() for _ in range(sessions)]
        session_ids = [uuid.uuid4() for _ in range(sessions)]
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
        async with pool.acquire() as conn, conn.transaction():
            await conn.copy_records_to_table(
                "users", columns=["id", "username", "display_name", "email"],
                records=[(u, name, name, f"{name}@bench.example") for u, name in zip(user_ids, names)],
            )
            await conn.copy_records_to_table(
                "auth_devices", columns=["id", "user_id", "fingerprint", "platform", "name"],
                records=[(d, user_ids[u], f"bench-{n}", "web", f"bench {n}")
                         for n, (d, u) in enumerate(zip(device_ids, session_users))],
            )
            await conn.copy_records_to_table(
                "auth_sessions", columns=["id", "user_id", "device_id", "expires_at"],
                records=[(s, user_ids[u], d, expires) for s, d, u in zip(session_ids, device_ids, session_users)],
            )
        tokens = [
            await issue_access_token(keyring, Caller(user_ids[u], names[u], ("user",), s, d), TOKEN_TTL_S)
            for s, d, u in zip(session_ids, device_ids, session_users)
        ]
        now = int(time.time())
        for first in range(0, sessions, 2000):
            async with redis.client.pipeline(transaction=False) as pipe:
                for n in range(first, min(first + 2000, sessions)):
                    key = redis.key("auth", "session", str(session_ids[n]))
                    pipe.hset(key, mapping={"state": "active", "user_id": str(user_ids[session_users[n]]),
                                            "device_id": str(device_ids[n]), "ip": "", "last_seen": now})
                    pipe.expire(key, 2 * TOKEN_TTL_S)
                await pipe.execute()
    finally:
        await redis.close()
        await pool.close()
    return Seeded(tokens, session_users, [str(u) for u in user_ids[:users]], str(user_ids[users]),
                  round(time.perf_counter() - started, 2), [str(s) for s in session_ids])


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _mib(value: int) -> float:
    return round(value / 2**20, 1)


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile, in milliseconds, of sorted seconds."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] * 1000, 3)


def _latency_figures(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {"received": len(ordered), "p50_ms": _percentile(ordered, 0.5), "p99_ms": _percentile(ordered, 0.99),
            "max_ms": round(ordered[-1] * 1000, 3) if ordered else None}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Server:
    """A ``bench.ws serve`` process: its URL, pid, loop-lag probe and session gauge."""

    def __init__(self, name: str, port: int, process, http: aiohttp.ClientSession):
        self.name, self.port, self.process, self.http = name, port, process, http
        self.url = f"http://127.0.0.1:{port}"

    @property
    def rss(self) -> int:
        return _rss_bytes(self.process.pid)

    async def reset_lag(self) -> None:
        async with self.http.post(f"{self.url}/bench/loop-lag") as response:
            await response.read()

    async def lag(self) -> dict[str, Any]:
        async with self.http.get(f"{self.url}/bench/loop-lag") as response:
            return await response.json()

    async def sessions(self) -> int | None:
        """What the server's ``nexgate_websocket_sessions`` gauge says."""
        async with self.http.get(f"{self.url}/metrics") as response:
            text = await response.text()
        for line in text.splitlines():
            if line.startswith("nexgate_websocket_sessions "):
                return int(float(line.split()[1]))
        return None


def _server_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.ws", "serve", "--port", str(port)]


class LoadProcess:
    """A ``bench.ws client`` process, driven by one JSON command per line on its stdin."""

    def __init__(self, process):
        self.process = process

    @classmethod
    async def start(cls) -> LoadProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.ws", "client", cwd=ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2**26,
        )
        return cls(process)

    async def call(self, cmd: str, **fields: Any) -> dict[str, Any]:
        self.process.stdin.write(orjson.dumps({"cmd": cmd, **fields}) + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"load process {self.process.pid} exited (status {await self.process.wait()})")
        reply = orjson.loads(line)
        if "error" in reply:
            raise RuntimeError(f"load process {self.process.pid} failed {cmd}: {reply['error']}")
        return reply

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(30):
                    await self.call("exit")
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()


async def _each(clients: list[LoadProcess], cmd: str, **fields: Any) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(client.call(cmd, **fields) for client in clients)))


async def _connect(clients: list[LoadProcess], plans: list[list[dict]], concurrency: int, folder: str) -> dict:
    """Open every planned session (``{"url", "token", "label"}``) from its load process."""
    files = []
    for n, plan in enumerate(plans):
        path = os.path.join(folder, f"plan-{n}.json")
        with open(path, "wb") as out:
            out.write(orjson.dumps(plan))
        files.append(path)
    started = time.perf_counter()
    replies = await asyncio.gather(*(
        client.call("connect", file=path, concurrency=concurrency) for client, path in zip(clients, files)
    ))
    errors: dict[str, int] = defaultdict(int)
    for reply in replies:
        for name, count in reply["errors"].items():
            errors[name] += count
    return {"connected": sum(r["connected"] for r in replies), "failed": sum(r["failed"] for r in replies),
            "errors": dict(errors), "seconds": round(time.perf_counter() - started, 2)}


async def _paced(rate: float, seconds: float, fire) -> int:
    """Call ``fire(n)`` (a coroutine, not awaited in turn) ``rate`` times a second for
    ``seconds``; the number fired."""
    total = int(rate * seconds)
    tasks: set[asyncio.Task] = set()
    started = time.monotonic()
    n = 0
    while n < total:
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        while n < total and started + n / rate <= now:
            task = asyncio.create_task(fire(n))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
    if tasks:
        await asyncio.gather(*tasks)
    return total


async def _p2p(clients: list[LoadProcess], servers: list[Server], args, publish, expected_per_event) -> dict:
    """Publish events at ``args.rate`` with ``publish(n, warmup)``; latencies per receiving server."""
    await _each(clients, "reset")
    for server in servers:
        await server.reset_lag()
    await _paced(args.rate, args.warmup, lambda n: publish(n, True))
    started = time.monotonic()
    sent = await _paced(args.rate, args.duration, lambda n: publish(n, False))
    elapsed = time.monotonic() - started
    await asyncio.sleep(1.0)  # stragglers
    replies = await _each(clients, "p2p")
    latencies: dict[str, list[float]] = defaultdict(list)
    for reply in replies:
        for label, values in reply["latencies"].items():
            latencies[label].extend(values)
    expected = sum(expected_per_event(n) for n in range(sent))
    received = sum(len(v) for v in latencies.values())
    return {
        "events": sent, "rate": round(sent / elapsed, 1), "deliveries_expected": expected, "deliveries": received,
        "all": _latency_figures([x for values in latencies.values() for x in values]),
        "by_server": {label: _latency_figures(values) for label, values in sorted(latencies.items())},
        "loop_lag": {server.name: await server.lag() for server in servers},
        "dropped_sessions": sum(r["dropped"] for r in replies),
    }


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    from nexgate.realtime import Realtime
    from nexgate.redis import Redis

    summary: dict[str, Any] = {
        "bench": "ws", "cpus": os.cpu_count(), "load_start": _load(), "sessions": args.sessions, "users": args.users,
        "p2p_users": args.p2p_users, "rate": args.rate, "duration_s": args.duration, "fanout": args.fanout,
        "rounds": args.rounds, "clients": args.clients,
    }
    print(f"load average at start: {summary['load_start']}", flush=True)
    config = Config.from_env(
        database_url=databases["core"], notify_database_url=databases["notify"], redis_prefix=prefix
    )
    seeded = await seed(config, run, args.sessions, args.users)
    print(f"seeded {args.users + 1} users and {args.sessions} sessions with their tokens in {seeded.seconds} s",
          flush=True)
    env = _server_env(run, databases, prefix)
    realtime = Realtime(Redis.from_config(config), config)
    clients: list[LoadProcess] = []
    port_a = free_port()
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), connector=aiohttp.TCPConnector(limit=64))
    try:
        async with running(_server_argv(port_a), f"http://127.0.0.1:{port_a}/health/live", env=env) as process_a:
            server_a = Server("A", port_a, process_a, http)
            clients = list(await asyncio.gather(*(LoadProcess.start() for _ in range(args.clients))))
            with tempfile.TemporaryDirectory(prefix="bench-ws-") as folder:
                summary["idle"] = await _idle_phase(args, seeded, server_a, clients, folder)
                summary["p2p"] = await _p2p_phase(args, seeded, server_a, clients, realtime)
                summary["fanout"] = await _fanout_phase(args, seeded, server_a, clients, realtime)
                summary["two_processes"] = await _two_process_phase(args, seeded, server_a, clients, folder, env, http)
    finally:
        await asyncio.gather(*(client.stop() for client in clients))
        await http.close()
        await realtime.redis.close()
    summary["load_end"] = _load()
    print(f"load average at end: {summary['load_end']}", flush=True)
    summary["targets_met"] = {
        "session_kib": summary["idle"]["kib_per_session"] < TARGET_SESSION_KIB,
        "p2p_p99": _below(summary["p2p"]["all"]["p99_ms"], TARGET_P2P_P99_MS),
        "fanout_last": _below(summary["fanout"]["last_ms"]["max"], TARGET_FANOUT_S * 1000),
        "two_processes_p99": _below(summary["two_processes"]["all"]["p99_ms"], TARGET_P2P_P99_MS),
    }
    summary["clean"] = (
        summary["idle"]["failed"] == 0
        and summary["p2p"]["deliveries"] == summary["p2p"]["deliveries_expected"]
        and all(r["received"] == r["subscribers"] for r in summary["fanout"]["rounds_detail"])
        and summary["two_processes"]["deliveries"] == summary["two_processes"]["deliveries_expected"]
    )
    return summary


def _below(value: float | None, target: float) -> bool:
    return value is not None and value < target


def _verdict(met: bool) -> str:
    return "meets" if met else "MISSES"


def _lag_text(lag: dict) -> str:
    return f"p50 {lag['p50_ms']} ms p99 {lag['p99_ms']} ms max {lag['max_ms']} ms"


async def _idle_phase(args, seeded: Seeded, server: Server, clients: list[LoadProcess], folder: str) -> dict:
    await asyncio.sleep(1.0)
    rss_before = server.rss
    await server.reset_lag()
    plans: list[list[dict]] = [[] for _ in clients]
    for n, token in enumerate(seeded.tokens):
        plans[n % len(clients)].append({"url": server.url, "token": token, "label": server.name})
    opened = await _connect(clients, plans, args.connect_concurrency, folder)
    connect_lag = await server.lag()
    await server.reset_lag()
    await asyncio.sleep(args.idle)
    idle_lag = await server.lag()
    rss_after = server.rss
    counted = await server.sessions()
    dropped = sum(r["dropped"] for r in await _each(clients, "status"))
    per_session = (rss_after - rss_before) / max(1, opened["connected"])
    figures = {
        **opened, "rate": round(opened["connected"] / opened["seconds"], 1) if opened["seconds"] else None,
        "server_gauge": counted, "dropped_sessions": dropped, "rss_before_mib": _mib(rss_before),
        "rss_after_mib": _mib(rss_after), "bytes_per_session": round(per_session),
        "kib_per_session": round(per_session / 1024, 2), "loop_lag_connect": connect_lag, "loop_lag_idle": idle_lag,
    }
    print(f"idle       {opened['connected']}/{args.sessions} sessions connected in {opened['seconds']} s "
          f"({figures['rate']}/s, {opened['failed']} failed {opened['errors'] or ''}); server counts {counted}, "
          f"{dropped} dropped", flush=True)
    print(f"           server RSS {figures['rss_before_mib']} MiB -> {figures['rss_after_mib']} MiB: "
          f"{figures['kib_per_session']} KiB per session ({_verdict(figures['kib_per_session'] < TARGET_SESSION_KIB)} "
          f"the {TARGET_SESSION_KIB} KiB target)", flush=True)
    print(f"           loop lag while connecting {_lag_text(connect_lag)}; idle {_lag_text(idle_lag)}", flush=True)
    return figures


async def _p2p_phase(args, seeded: Seeded, server: Server, clients: list[LoadProcess], realtime) -> dict:
    sessions_of = defaultdict(int)
    for user in seeded.session_users:
        sessions_of[user] += 1
    targets = [uuid.UUID(u) for u in seeded.user_ids[:args.p2p_users]]

    async def publish(n: int, warmup: bool) -> None:
        data = {"sent": time.monotonic(), "seq": n, "w": warmup}
        await realtime.publish_to_user(targets[n % len(targets)], P2P_EVENT, data)

    figures = await _p2p(clients, [server], args, publish, lambda n: sessions_of[n % len(targets)])
    _say_p2p("p2p", f"{figures['events']} events at {figures['rate']}/s to {args.p2p_users} users, "
             "published by the bench process", figures)
    return figures


def _say_p2p(phase: str, what: str, figures: dict) -> None:
    print(f"{phase:<10} {what}: {figures['deliveries']}/{figures['deliveries_expected']} delivered, "
          f"{figures['dropped_sessions']} sessions dropped", flush=True)
    for label, latency in [("all", figures["all"]), *((f"on {k}", v) for k, v in figures["by_server"].items())]:
        if label != "all" and len(figures["by_server"]) == 1:
            continue
        met = _below(latency["p99_ms"], TARGET_P2P_P99_MS)
        print(f"           {label:<5} publish-to-receive p50 {latency['p50_ms']} ms  p99 {latency['p99_ms']} ms  "
              f"max {latency['max_ms']} ms ({_verdict(met)} the {TARGET_P2P_P99_MS} ms p99 target)", flush=True)
    for name, lag in figures["loop_lag"].items():
        print(f"           loop lag of {name} {_lag_text(lag)}", flush=True)


async def _fanout_phase(args, seeded: Seeded, server: Server, clients: list[LoadProcess], realtime) -> dict:
    topic = f"presence:{seeded.star}"
    shares = [args.fanout // len(clients) + (n < args.fanout % len(clients)) for n in range(len(clients))]
    started = time.perf_counter()
    replies = await asyncio.gather(*(c.call("subscribe", topic=topic, count=k, concurrency=args.connect_concurrency)
                                     for c, k in zip(clients, shares)))
    subscribe_s = round(time.perf_counter() - started, 2)
    subscribed = sum(r["subscribed"] for r in replies)
    failed = sum(r["failed"] for r in replies)
    await server.reset_lag()
    rounds = []
    for seq in range(args.rounds):
        await asyncio.sleep(1.0)
        sent = time.monotonic()
        await realtime.publish_to_topic(topic, FANOUT_EVENT, {"sent": sent, "seq": seq})
        deadline = sent + 10.0
        while True:
            await asyncio.sleep(0.25)
            counts = await _each(clients, "fanout_count", seq=seq)
            if sum(r["count"] for r in counts) >= subscribed or time.monotonic() > deadline:
                break
        arrivals = sorted(a for r in await _each(clients, "fanout", seq=seq) for a in r["arrivals"])
        delays = [a - sent for a in arrivals]
        rounds.append({"subscribers": subscribed, "received": len(arrivals),
                       "first_ms": _percentile(delays, 0.0), "p50_ms": _percentile(delays, 0.5),
                       "last_ms": round(delays[-1] * 1000, 3) if delays else None})
    lag = await server.lag()
    lasts = sorted(r["last_ms"] for r in rounds if r["last_ms"] is not None)
    figures = {
        "topic_subscribers": subscribed, "subscribe_failed": failed, "subscribe_s": subscribe_s,
        "last_ms": {"p50": lasts[max(0, math.ceil(len(lasts) / 2) - 1)] if lasts else None,
                    "max": lasts[-1] if lasts else None},
        "rounds_detail": rounds, "loop_lag": lag,
    }
    print(f"fan-out    {subscribed} sessions subscribed to one topic in {subscribe_s} s ({failed} failed); "
          f"{args.rounds} events published 1 s apart", flush=True)
    for n, r in enumerate(rounds):
        print(f"           event {n}: {r['received']}/{r['subscribers']} received, first after {r['first_ms']} ms, "
              f"half after {r['p50_ms']} ms, last after {r['last_ms']} ms", flush=True)
    met = _below(figures["last_ms"]["max"], TARGET_FANOUT_S * 1000)
    print(f"           until the last subscriber has it: p50 {figures['last_ms']['p50']} ms, max "
          f"{figures['last_ms']['max']} ms ({_verdict(met)} the {TARGET_FANOUT_S:.0f} s target); loop lag "
          f"{_lag_text(lag)}", flush=True)
    return figures


async def _two_process_phase(args, seeded: Seeded, server_a: Server, clients: list[LoadProcess], folder: str,
                             env: dict[str, str], http: aiohttp.ClientSession) -> dict:
    started = time.perf_counter()
    await _each(clients, "disconnect", concurrency=args.connect_concurrency)
    disconnect_s = round(time.perf_counter() - started, 2)
    await asyncio.sleep(1.0)
    rss_a_empty = server_a.rss
    port_b = free_port()
    async with running(_server_argv(port_b), f"http://127.0.0.1:{port_b}/health/live", env=env) as process_b:
        server_b = Server("B", port_b, process_b, http)
        plans: list[list[dict]] = [[] for _ in clients]
        for user in range(args.p2p_users):  # session n belongs to user n for n < users
            server = server_a if user % 2 == 0 else server_b
            plans[(user // 2) % len(clients)].append(
                {"url": server.url, "token": seeded.tokens[user], "label": server.name}
            )
        opened = await _connect(clients, plans, args.connect_concurrency, folder)
        targets = seeded.user_ids[:args.p2p_users]

        async def publish(n: int, warmup: bool) -> None:
            body = {"user_id": targets[n % len(targets)], "seq": n, "w": warmup}
            async with http.post(f"{server_a.url}/bench/publish", json=body) as response:
                if response.status != 204:
                    raise RuntimeError(f"POST /bench/publish answered {response.status}: {await response.text()}")

        figures = await _p2p(clients, [server_a, server_b], args, publish, lambda n: 1)
        figures |= {"connected": opened["connected"], "connect_failed": opened["failed"],
                    "disconnect_s": disconnect_s, "rss_a_after_disconnect_mib": _mib(rss_a_empty),
                    "rss_b_mib": _mib(server_b.rss)}
        await _each(clients, "disconnect", concurrency=args.connect_concurrency)
    print(f"(all {args.sessions} sessions closed in {disconnect_s} s; A's RSS then "
          f"{figures['rss_a_after_disconnect_mib']} MiB)", flush=True)
    _say_p2p("2 procs", f"{figures['events']} events at {figures['rate']}/s published by A (POST /bench/publish) to "
             f"{args.p2p_users} users, half connected to A, half to B", figures)
    return figures


# -- the server: bench.probed's app plus a publishing route -----------------------------------


def _serve(argv: list[str]) -> int:
    import uvloop
    from aiohttp import web

    from bench.probed import probed_app
    from nexgate.app import serve_options
    from nexgate import logs
    from nexgate.keys import PLATFORM

    parser = argparse.ArgumentParser(prog="bench.ws serve")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    config = Config.from_env(host="127.0.0.1", port=args.port)
    logs.configure(config.log_level, config.log_json)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())

    async def publish(request: web.Request) -> web.Response:
        """What a REST call that sends someone a message does: publish to that user, here."""
        body = await request.json()
        data = {"sent": time.monotonic(), "seq": body["seq"], "w": body["w"]}
        await request.app[PLATFORM].realtime.publish_to_user(uuid.UUID(body["user_id"]), P2P_EVENT, data)
        return web.Response(status=204)

    app = probed_app(config)
    app.router.add_post("/bench/publish", publish)
    web.run_app(app, **serve_options(config))
    return 0


# -- a load process: holds sessions, timestamps what arrives ---------------------------------


def _client_main() -> int:
    import uvloop

    uvloop.run(_client_loop())
    return 0


async def _client_loop() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    holder = _Holder()
    try:
        while line := await reader.readline():
            command = orjson.loads(line)
            try:
                reply = await holder.handle(command.pop("cmd"), **command)
            except Exception as error:  # reported to the bench process, which stops
                reply = {"error": f"{type(error).__name__}: {error}"}
            out.write(orjson.dumps(reply) + b"\n")
            out.flush()
            if reply.get("exit"):
                break
    finally:
        await holder.close()


class _Holder:
    def __init__(self):
        from nexgate.client import LiveSession

        holder = self

        class BenchLive(LiveSession):
            """Records bench events as they are read, instead of queueing them."""

            label = ""

            def _receive(self, frame: dict[str, Any]) -> None:
                kind = frame.get("type")
                if kind == "event" and frame.get("event") == P2P_EVENT:
                    arrived = time.monotonic()
                    self.position = frame["position"]
                    data = frame["data"]
                    if not data["w"]:
                        holder.latencies[self.label].append(arrived - data["sent"])
                elif kind == "topic" and frame.get("event") == FANOUT_EVENT:
                    holder.arrivals[frame["data"]["seq"]].append(time.monotonic())
                elif kind in ("ack", "error"):
                    super()._receive(frame)
                elif kind == "event":
                    self.position = frame["position"]

        self.live_class = BenchLive
        self.sessions: list = []
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.arrivals: dict[int, list[float]] = defaultdict(list)
        self.http: aiohttp.ClientSession | None = None

    async def handle(self, cmd: str, **fields: Any) -> dict[str, Any]:
        return await getattr(self, f"cmd_{cmd}")(**fields)

    def _dropped(self) -> int:
        return sum(1 for live in self.sessions if live.closes)

    async def cmd_connect(self, file: str, concurrency: int) -> dict[str, Any]:
        from nexgate.client import NexgateClient

        if self.http is None:
            self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        with open(file, "rb") as plan_file:
            plan = orjson.loads(plan_file.read())
        gate = asyncio.Semaphore(concurrency)
        errors: dict[str, int] = defaultdict(int)
        opened: list = [None] * len(plan)

        async def one(n: int, item: dict) -> None:
            api = NexgateClient(item["url"], session=self.http)
            api.tokens = {"access_token": item["token"]}
            live = self.live_class(api, device_name="bench", reconnect=False)
            live.label = item["label"]
            async with gate:
                try:
                    async with asyncio.timeout(60):
                        await live.connect()
                except Exception as error:
                    errors[f"{type(error).__name__}: {error}"[:120]] += 1
                    return
            opened[n] = live

        await asyncio.gather(*(one(n, item) for n, item in enumerate(plan)))
        self.sessions.extend(live for live in opened if live is not None)
        connected = sum(live is not None for live in opened)
        return {"connected": connected, "failed": len(plan) - connected, "errors": dict(errors)}

    async def cmd_status(self) -> dict[str, Any]:
        return {"sessions": len(self.sessions), "dropped": self._dropped()}

    async def cmd_reset(self) -> dict[str, Any]:
        self.latencies.clear()
        self.arrivals.clear()
        return {"dropped": self._dropped()}

    async def cmd_p2p(self) -> dict[str, Any]:
        return {"latencies": dict(self.latencies), "dropped": self._dropped()}

    async def cmd_subscribe(self, topic: str, count: int, concurrency: int) -> dict[str, Any]:
        gate = asyncio.Semaphore(concurrency)
        failed = 0

        async def one(live) -> None:
            nonlocal failed
            async with gate:
                try:
                    async with asyncio.timeout(60):
                        await live.subscribe(topic)
                except Exception:  # an error frame (LiveError), a closed socket, a timeout
                    failed += 1

        chosen = self.sessions[:count]
        await asyncio.gather(*(one(live) for live in chosen))
        return {"subscribed": len(chosen) - failed, "failed": failed}

    async def cmd_fanout_count(self, seq: int) -> dict[str, Any]:
        return {"count": len(self.arrivals.get(seq, ()))}

    async def cmd_fanout(self, seq: int) -> dict[str, Any]:
        return {"arrivals": self.arrivals.get(seq, [])}

    async def cmd_disconnect(self, concurrency: int) -> dict[str, Any]:
        await self._close_sessions(concurrency)
        return {"closed": True}

    async def cmd_exit(self) -> dict[str, Any]:
        return {"exit": True}

    async def _close_sessions(self, concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(live) -> None:
            async with gate:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(15):
                        await live.close()

        sessions, self.sessions = self.sessions, []
        await asyncio.gather(*(one(live) for live in sessions))

    async def close(self) -> None:
        await self._close_sessions(200)
        if self.http is not None:
            await self.http.close()


if __name__ == "__main__":
    sys.exit(main())
