"""Authentication under load: logins with real Argon2id in the process pool while the event
loop's lag is measured, then authenticated ``GET /api/users/me`` against the bare-aiohttp
baseline in the same run.

``python -m bench.auth [--duration S] [--concurrency N] [--users N] [--generator python|wrk]``

It makes its own databases (``nexgate_bench_<run>_core`` / ``_notify``, dropped afterwards), a
Redis prefix and a RabbitMQ namespace of its own, and serves Nexgate with the default Argon2
parameters (or those of ``NEXGATE_ARGON2_*``). Prints each phase, then a JSON line with every
figure. The target: loop-lag p99 under 20 ms with 50 concurrent logins.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import uvloop

from bench.load import GENERATORS, Figures, ServerFailed, _percentile_ms, bare_server, free_port, load, running
from nexgate import migrations
from nexgate.config import Config

PASSWORD = "kilimanjaro sunrise 42"
LAG_TARGET_MS = 20.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run = uuid.uuid4().hex[:8]
    databases = _bench_databases(Config.from_env(), run)
    try:
        for name, url in databases.items():
            migrations.apply(url, name)
        summary = uvloop.run(measure(args, run, databases))
    except (ServerFailed, RuntimeError) as error:
        print(f"bench.auth: {error}", file=sys.stderr)
        return 1
    finally:
        for url in databases.values():
            migrations.drop_database(url)
    print(json.dumps(summary), flush=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.auth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per phase (default 10)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--users", type=int, default=50, help="accounts the logins spread over (default 50)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each /me load")
    parser.add_argument("--generator", choices=GENERATORS, default="python", help="load generator for /me")
    return parser


def _bench_databases(config: Config, run: str) -> dict[str, str]:
    def named(url: str, suffix: str) -> str:
        return urlunsplit(urlsplit(url)._replace(path=f"/nexgate_bench_{run}_{suffix}"))

    return {"core": named(config.database_url, "core"), "notify": named(config.notify_database_url, "notify")}


def _server_env(run: str, databases: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "NEXGATE_DATABASE_URL": databases["core"],
        "NEXGATE_NOTIFY_DATABASE_URL": databases["notify"],
        "NEXGATE_REDIS_PREFIX": f"nexgate-bench-{run}",
        "NEXGATE_BUS_NAMESPACE": f"nexgate-bench-{run}",
        "NEXGATE_AUTH_RATE_PER_MINUTE": "100000",  # one client IP makes every request here
        "NEXGATE_API_REQUESTS_PER_HOUR": "100000000",  # and a few users do (the api.requests limit)
        "NEXGATE_LOG_LEVEL": os.environ.get("NEXGATE_LOG_LEVEL", "WARNING"),
    }


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str]) -> dict:
    bare_port, port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    bare_url = f"http://127.0.0.1:{bare_port}/health/live"
    probed = [sys.executable, "-m", "bench.probed", "--port", str(port)]
    async with running(probed, f"{base}/health/live", env=_server_env(run, databases)), running(bare_server(bare_port), bare_url):
        async with aiohttp.ClientSession(base_url=base, timeout=aiohttp.ClientTimeout(total=60)) as session:
            logins = [f"bench_{run}_{n}" for n in range(args.users)]
            registered = await _register_all(session, logins, args.concurrency)
            _say("register", registered["figures"], registered["lag"])
            await session.post("/bench/loop-lag")
            login_figures = await _login_phase(session, logins, args.concurrency, args.duration)
            login_lag = await (await session.get("/bench/loop-lag")).json()
            _say("login", login_figures, login_lag)
            token = registered["token"]

        bare = await load(bare_url, duration=args.duration, concurrency=args.concurrency, warmup=args.warmup,
                          generator=args.generator)
        print(f"bare /health/live   {bare.line()}", flush=True)
        me = await load(f"{base}/api/users/me", headers={"Authorization": f"Bearer {token}"}, duration=args.duration,
                        concurrency=args.concurrency, warmup=args.warmup, generator=args.generator)
        print(f"nexgate /users/me   {me.line()}", flush=True)
    ratio = round(me.rps / bare.rps, 3) if bare.rps else None
    verdict = "meets" if login_lag["p99_ms"] is not None and login_lag["p99_ms"] < LAG_TARGET_MS else "MISSES"
    print(f"authenticated /me vs bare: throughput ratio {ratio}")
    print(f"event-loop lag p99 during {args.concurrency} concurrent logins: {login_lag['p99_ms']} ms "
          f"({verdict} the {LAG_TARGET_MS:.0f} ms target)")
    return {
        "bench": "auth", "cpus": os.cpu_count(), "concurrency": args.concurrency, "duration_s": args.duration,
        "users": args.users, "generator": args.generator,
        "register": {**registered["figures"].as_dict(), "loop_lag": registered["lag"]},
        "login": {**login_figures.as_dict(), "loop_lag": login_lag},
        "bare_health_live": bare.as_dict(), "users_me": me.as_dict(), "users_me_over_bare_rps": ratio,
        "loop_lag_target_met": verdict == "meets",
    }


def _say(phase: str, figures: Figures, lag: dict) -> None:
    print(f"{phase:<19} {figures.line()}  loop lag p50 {lag['p50_ms']} ms p99 {lag['p99_ms']} ms "
          f"max {lag['max_ms']} ms", flush=True)


async def _register_all(session: aiohttp.ClientSession, logins: list[str], concurrency: int) -> dict:
    await session.post("/bench/loop-lag")
    latencies: list[float] = []
    tokens: list[str] = []
    errors = 0
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()

    async def one(username: str) -> None:
        nonlocal errors
        body = {"username": username, "display_name": username, "password": PASSWORD,
                "email": f"{username}@bench.example"}
        async with gate:
            began = time.perf_counter()
            async with session.post("/api/auth/register", json=body) as response:
                payload = await response.json()
            latencies.append(time.perf_counter() - began)
            if response.status != 201:
                errors += 1
                raise RuntimeError(f"registering {username} failed: {response.status} {payload}")
            tokens.append(payload["access_token"])

    await asyncio.gather(*(one(name) for name in logins))
    figures = _figures(latencies, errors, time.perf_counter() - started)
    lag = await (await session.get("/bench/loop-lag")).json()
    return {"figures": figures, "lag": lag, "token": tokens[0]}


async def _login_phase(session: aiohttp.ClientSession, logins: list[str], concurrency: int, seconds: float) -> Figures:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()

    async def client(n: int) -> None:
        nonlocal errors
        body = {"login": logins[n % len(logins)], "password": PASSWORD,
                "device": {"id": f"bench-device-{n}", "platform": "android"}}
        while (began := time.perf_counter()) < stop_at:
            async with session.post("/api/auth/login", json=body) as response:
                await response.read()
            latencies.append(time.perf_counter() - began)
            errors += response.status != 200

    await asyncio.gather(*(client(n) for n in range(concurrency)))
    return _figures(latencies, errors, time.perf_counter() - started)


def _figures(latencies: list[float], errors: int, elapsed: float) -> Figures:
    ordered = sorted(latencies)
    return Figures(requests=len(ordered), errors=errors, seconds=round(elapsed, 3), rps=round(len(ordered) / elapsed, 1),
                   p50_ms=_percentile_ms(ordered, 0.5), p99_ms=_percentile_ms(ordered, 0.99))


if __name__ == "__main__":
    sys.exit(main())
