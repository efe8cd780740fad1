"""What Nexgate's HTTP stack costs: a bare aiohttp app and Nexgate's real app under the same
load in the same run, on two paths: ``GET /health/live`` (every middleware, no I/O) and the
authenticated ``GET /api/users/me`` (the path every area's reads take: the token, the session's
live copy in Redis, one PostgreSQL row), each at every ``--concurrency``.

``python -m bench.http_baseline [--duration S] [--concurrency N[,N...]] [--warmup S] [--generator wrk|python]``

It makes its own databases and Redis prefix (dropped afterwards) and writes one user with a
device and a session into them as ``bench.ws`` does (no Argon2). The bare app (``bench.bare``)
does exactly the I/O of ``/api/users/me``: one Redis ``HMGET`` of that session, one row of that
user, JSON out. Prints one line per server and case, their ratios (nexgate/bare), whether the
targets are met, and last a JSON line with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from bench.load import GENERATORS, Figures, bare_server, free_port, load, nexgate_server, running
from bench.messages import _cpu_seconds, _services_cpu
from bench.ws import TOKEN_TTL_S, _server_env, run_in_own_databases, seed
from nexgate.config import Config

PATHS = ("/health/live", "/api/users/me")
AUTHENTICATED = "/api/users/me"
TARGET_RPS_RATIO = 0.8  # of the bare app's, at least
TARGET_P99_RATIO = 2.0  # of the bare app's, at most


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    summary = run_in_own_databases("http_baseline", measure, args)
    if summary is None:
        return 1
    print(json.dumps(summary), flush=True)
    return 1 if summary["errors"] else 0


def _concurrencies(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("one or more positive numbers, comma-separated")
    return values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.http_baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per case (default 10)")
    parser.add_argument("--concurrency", type=_concurrencies, default=[10, 50],
                        help="keep-alive connections, one case each (default 10,50)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each case (default 2)")
    parser.add_argument("--generator", choices=GENERATORS, default="wrk", help="load generator (default wrk)")
    return parser


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    """Start both servers, then load each path of each in turn with identical settings."""
    config = Config.from_env(database_url=databases["core"], notify_database_url=databases["notify"], redis_prefix=prefix)
    seeded = await seed(config, run, sessions=1, users=1)
    session_key = f"{prefix}:auth:session:{seeded.session_ids[0]}"
    bare_port, nexgate_port = free_port(), free_port()
    bare = bare_server(bare_port, "--database-url", databases["core"], "--redis-url", config.redis_url,
                       "--session-key", session_key, "--user-id", seeded.user_ids[0],
                       "--pool-size", str(config.db_pool_max))
    env = {**_server_env(run, databases, prefix), "NEXGATE_LOG_LEVEL": os.environ.get("NEXGATE_LOG_LEVEL", "INFO")}
    base = {"bare": f"http://127.0.0.1:{bare_port}", "nexgate": f"http://127.0.0.1:{nexgate_port}"}
    headers = {"Authorization": f"Bearer {seeded.tokens[0]}"}
    cases = []
    async with running(bare, f"{base['bare']}/health/live") as bare_process, \
            running(nexgate_server(nexgate_port), f"{base['nexgate']}/health/live", env=env) as nexgate_process:
        pids = {"bare": bare_process.pid, "nexgate": nexgate_process.pid}
        for path in PATHS:
            for concurrency in args.concurrency:
                figures, cpu = {}, {}
                for name in ("bare", "nexgate"):
                    options = {"headers": headers if path == AUTHENTICATED else None, "concurrency": concurrency,
                               "warmup": 0, "generator": args.generator}
                    if args.warmup > 0:
                        await load(base[name] + path, duration=args.warmup, **options)
                    before = _cpu_seconds(pids[name]), _services_cpu()
                    figures[name] = await load(base[name] + path, duration=args.duration, **options)
                    cpu[name] = _cpu_per_request(figures[name], pids[name], *before)
                    print(f"{path:<14} c={concurrency:<4} {name:<8} {figures[name].line()}  {_cpu_text(cpu[name])}",
                          flush=True)
                cases.append(_case(path, concurrency, figures, cpu))
                _say(cases[-1])
    return {
        "bench": "http_baseline", "generator": args.generator, "duration_s": args.duration, "warmup_s": args.warmup,
        "concurrency": args.concurrency, "cpus": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()],
        "token_ttl_s": TOKEN_TTL_S, "cases": cases,
        "errors": sum(case[name]["errors"] for case in cases for name in ("bare", "nexgate")),
        "targets_met": all(case["targets_met"] for case in cases if case["path"] == AUTHENTICATED),
    }


def _ratio(nexgate: float | None, bare: float | None) -> float | None:
    return round(nexgate / bare, 3) if nexgate is not None and bare else None


def _cpu_per_request(figures: Figures, pid: int, server_before: float, services_before: dict[str, float]) -> dict:
    """CPU milliseconds a response cost the server, and PostgreSQL and Redis (all their processes)."""
    services = _services_cpu()
    responses = max(figures.requests, 1)
    return {"server_ms": round(1000 * (_cpu_seconds(pid) - server_before) / responses, 4),
            **{f"{name}_ms": round(1000 * (services[name] - services_before[name]) / responses, 4) for name in services}}


def _cpu_text(cpu: dict) -> str:
    return f"CPU a response: server {cpu['server_ms']} ms, PostgreSQL {cpu['postgres_ms']} ms, Redis {cpu['redis_ms']} ms"


def _case(path: str, concurrency: int, figures: dict[str, Figures], cpu: dict[str, dict]) -> dict:
    bare, nexgate = figures["bare"], figures["nexgate"]
    ratio = {"rps": _ratio(nexgate.rps, bare.rps), "p50": _ratio(nexgate.p50_ms, bare.p50_ms),
             "p99": _ratio(nexgate.p99_ms, bare.p99_ms)}
    met = (ratio["rps"] is not None and ratio["rps"] >= TARGET_RPS_RATIO
           and ratio["p99"] is not None and ratio["p99"] <= TARGET_P99_RATIO)
    ratio["server_cpu"] = _ratio(cpu["nexgate"]["server_ms"], cpu["bare"]["server_ms"])
    return {"path": path, "concurrency": concurrency, "bare": {**bare.as_dict(), "cpu": cpu["bare"]},
            "nexgate": {**nexgate.as_dict(), "cpu": cpu["nexgate"]}, "ratio": ratio, "targets_met": met}


def _say(case: dict) -> None:
    ratio = case["ratio"]
    line = (f"{case['path']:<14} c={case['concurrency']:<4} nexgate/bare: throughput {ratio['rps']}, "
            f"p50 latency {ratio['p50']}, p99 latency {ratio['p99']}, server CPU a response {ratio['server_cpu']}")
    if case["path"] == AUTHENTICATED:
        verdict = "met" if case["targets_met"] else "MISSED"
        line += f" (targets: throughput >= {TARGET_RPS_RATIO}, p99 <= {TARGET_P99_RATIO}x: {verdict})"
    print(line, flush=True)
    for name in ("bare", "nexgate"):
        if case[name]["errors"]:
            print(f"warning: {name} had {case[name]['errors']} errors on {case['path']}; not comparable", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
