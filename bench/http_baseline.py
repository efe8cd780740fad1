"""What Nexgate's HTTP stack costs: a bare aiohttp app and Nexgate's real app under the same
load in the same run, on two paths: ``GET /health/live`` (every middleware, no I/O) and the
authenticated ``GET /api/users/me`` (the path every area's reads take: the token, the session's
live copy in Redis, one PostgreSQL row), each at every ``--concurrency``.

``python -m bench.http_baseline [--rounds N] [--duration S] [--concurrency N[,N...]] [--warmup S]
[--paths P[,P...]] [--generator wrk|python]``

It makes its own databases and Redis prefix (dropped afterwards) and writes one user with a
device and a session into them as ``bench.ws`` does (no Argon2). The bare app (``bench.bare``)
does exactly the I/O of ``/api/users/me``: one Redis ``HMGET`` of that session, one row of that
user, JSON out. Each case (path and concurrency) is ``--rounds`` short rounds, each loading both
servers in turn, the order alternating (bare, nexgate; nexgate, bare; ...: ABBA), so that drift
on a shared machine falls on both alike. Each round gives a ratio (nexgate/bare); the targets are
decided on the median of the rounds' ratios. Prints one line per round, each case's medians and
spread, whether the targets are met, and last a JSON line with every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

from bench.load import GENERATORS, Figures, bare_server, free_port, load, nexgate_server, running
from bench.messages import _cpu_seconds, _services_cpu
from bench.ws import TOKEN_TTL_S, _server_env, run_in_own_databases, seed
from nexgate.config import Config

PATHS = ("/health/live", "/api/users/me")
AUTHENTICATED = "/api/users/me"
SERVERS = ("bare", "nexgate")
TARGET_RPS_RATIO = 0.8  # of the bare app's, at least (the median of the rounds' ratios)
TARGET_P99_RATIO = 2.0  # of the bare app's, at most (the median of the rounds' ratios)
RATIOS = ("rps", "p50", "p99", "server_cpu")


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


def _paths(text: str) -> list[str]:
    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [value for value in values if value not in PATHS]
    if not values or unknown:
        raise argparse.ArgumentTypeError(f"one or more of {', '.join(PATHS)}, comma-separated")
    return values


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a positive number")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.http_baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=_positive, default=5,
                        help="rounds per case, each loading both servers in turn, ABBA order (default 5)")
    parser.add_argument("--duration", type=float, default=5.0,
                        help="measured seconds per server per round (default 5)")
    parser.add_argument("--concurrency", type=_concurrencies, default=[10, 50],
                        help="keep-alive connections, one case each (default 10,50)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="unmeasured seconds of each server before a case's first round (default 2)")
    parser.add_argument("--paths", type=_paths, default=list(PATHS),
                        help=f"paths to load, comma-separated (default {','.join(PATHS)})")
    parser.add_argument("--generator", choices=GENERATORS, default="wrk", help="load generator (default wrk)")
    return parser


def _load1() -> float:
    return round(os.getloadavg()[0], 2)


async def measure(args: argparse.Namespace, run: str, databases: dict[str, str], prefix: str) -> dict:
    """Start both servers, then load each path at each concurrency in alternating rounds."""
    load_start = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at start: {load_start}", flush=True)
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
        for path in args.paths:
            for concurrency in args.concurrency:
                options = {"headers": headers if path == AUTHENTICATED else None, "concurrency": concurrency,
                           "warmup": 0, "generator": args.generator}
                case_load = _load1()
                if args.warmup > 0:
                    for name in SERVERS:
                        await load(base[name] + path, duration=args.warmup, **options)
                rounds = []
                for number in range(args.rounds):
                    order = SERVERS if number % 2 == 0 else SERVERS[::-1]
                    figures, cpu = {}, {}
                    round_load = _load1()
                    for name in order:
                        before = _cpu_seconds(pids[name]), _services_cpu()
                        figures[name] = await load(base[name] + path, duration=args.duration, **options)
                        cpu[name] = _cpu_per_request(figures[name], pids[name], *before)
                    rounds.append(_round(number, order, round_load, figures, cpu))
                    _say_round(path, concurrency, rounds[-1])
                cases.append(_case(path, concurrency, rounds, case_load))
                _say(cases[-1])
    load_end = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at end: {load_end}", flush=True)
    return {
        "bench": "http_baseline", "generator": args.generator, "rounds": args.rounds, "order": "ABBA",
        "duration_s": args.duration, "warmup_s": args.warmup, "concurrency": args.concurrency,
        "paths": args.paths, "cpus": os.cpu_count(), "load_start": load_start, "load": load_end,
        "token_ttl_s": TOKEN_TTL_S, "cases": cases,
        "errors": sum(case[name]["errors"] for case in cases for name in SERVERS),
        "targets_met": all(case["targets_met"] for case in cases if case["path"] == AUTHENTICATED),
    }


def _ratio(nexgate: float | None, bare: float | None) -> float | None:
    return round(nexgate / bare, 3) if nexgate is not None and bare else None


def _cpu_per_request(figures: Figures, pid: int, server_before: float, services_before: dict[str, float]) -> dict:
    """CPU milliseconds a response cost the server, and PostgreSQL and Redis (all their processes)."""
    services = _services_cpu()
    responses = max(figures.requests, 1)
    return {"server_ms": round(1000 * (_cpu_seconds(pid) - server_before) / responses, 4),
            **{f"{name}_ms": round(1000 * (services[name] - services_before[name]) / responses, 4) for name in services},
            "server_s": round(_cpu_seconds(pid) - server_before, 3)}


def _cpu_text(cpu: dict) -> str:
    return f"CPU a response: server {cpu['server_ms']} ms, PostgreSQL {cpu['postgres_ms']} ms, Redis {cpu['redis_ms']} ms"


def _met(ratio: dict) -> bool:
    return (ratio["rps"] is not None and ratio["rps"] >= TARGET_RPS_RATIO
            and ratio["p99"] is not None and ratio["p99"] <= TARGET_P99_RATIO)


def _round(number: int, order: tuple[str, ...], load1: float, figures: dict[str, Figures], cpu: dict[str, dict]) -> dict:
    bare, nexgate = figures["bare"], figures["nexgate"]
    ratio = {"rps": _ratio(nexgate.rps, bare.rps), "p50": _ratio(nexgate.p50_ms, bare.p50_ms),
             "p99": _ratio(nexgate.p99_ms, bare.p99_ms),
             "server_cpu": _ratio(cpu["nexgate"]["server_ms"], cpu["bare"]["server_ms"])}
    return {"round": number + 1, "order": list(order), "load1": load1,
            **{name: {**figures[name].as_dict(), "cpu": cpu[name]} for name in SERVERS},
            "ratio": ratio, "targets_met": _met(ratio)}


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 3) if known else None


def _pooled(rounds: list[dict], name: str) -> dict:
    """One server's figures over every round of a case: requests, errors and seconds summed, the
    rate over them, each latency percentile the median of the rounds', CPU over all responses."""
    sides = [each[name] for each in rounds]
    requests, seconds = sum(side["requests"] for side in sides), sum(side["seconds"] for side in sides)
    responses = max(requests, 1)
    cpu = {key: round(sum(side["cpu"][key] * max(side["requests"], 1) for side in sides) / responses, 4)
           for key in sides[0]["cpu"] if key.endswith("_ms")}
    return {"requests": requests, "errors": sum(side["errors"] for side in sides), "seconds": round(seconds, 3),
            "rps": round(requests / seconds, 1) if seconds else 0.0,
            "p50_ms": _median([side["p50_ms"] for side in sides]), "p99_ms": _median([side["p99_ms"] for side in sides]),
            "cpu": cpu}


def _case(path: str, concurrency: int, rounds: list[dict], load1: float) -> dict:
    """A case's verdict is on the medians of its rounds' ratios; ``spread`` is their lowest and highest."""
    ratio = {key: _median([each["ratio"][key] for each in rounds]) for key in RATIOS}
    spread = {}
    for key in RATIOS:
        known = [each["ratio"][key] for each in rounds if each["ratio"][key] is not None]
        spread[key] = [min(known), max(known)] if known else None
    return {"path": path, "concurrency": concurrency, "load1_start": load1, "load1_end": _load1(),
            "bare": _pooled(rounds, "bare"), "nexgate": _pooled(rounds, "nexgate"),
            "ratio": ratio, "spread": spread, "rounds": rounds,
            "rounds_met": sum(each["targets_met"] for each in rounds), "targets_met": _met(ratio)}


def _say_round(path: str, concurrency: int, each: dict) -> None:
    for name in each["order"]:
        side = each[name]
        print(f"{path:<14} c={concurrency:<4} round {each['round']}  {name:<8} {Figures(**{k: v for k, v in side.items() if k != 'cpu'}).line()}"
              f"  {_cpu_text(side['cpu'])}", flush=True)
    ratio = each["ratio"]
    print(f"{path:<14} c={concurrency:<4} round {each['round']}  nexgate/bare: throughput {ratio['rps']}, "
          f"p99 {ratio['p99']}, server CPU {ratio['server_cpu']}  (load {each['load1']})", flush=True)


def _say(case: dict) -> None:
    ratio, spread = case["ratio"], case["spread"]

    def ranged(key: str) -> str:
        return "-" if spread[key] is None else f"{spread[key][0]}-{spread[key][1]}"

    line = (f"{case['path']:<14} c={case['concurrency']:<4} nexgate/bare, median of {len(case['rounds'])} rounds "
            f"(spread): throughput {ratio['rps']} ({ranged('rps')}), p50 latency {ratio['p50']} ({ranged('p50')}), "
            f"p99 latency {ratio['p99']} ({ranged('p99')}), server CPU a response {ratio['server_cpu']} "
            f"({ranged('server_cpu')}); load {case['load1_start']} -> {case['load1_end']}")
    if case["path"] == AUTHENTICATED:
        verdict = "met" if case["targets_met"] else "MISSED"
        line += (f" (targets on the medians: throughput >= {TARGET_RPS_RATIO}, p99 <= {TARGET_P99_RATIO}x: {verdict};"
                 f" {case['rounds_met']}/{len(case['rounds'])} rounds met both)")
    print(line, flush=True)
    for name in SERVERS:
        if case[name]["errors"]:
            print(f"warning: {name} had {case[name]['errors']} errors on {case['path']}; not comparable", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
