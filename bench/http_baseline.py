"""What Nexgate's HTTP stack costs: a bare aiohttp app and Nexgate's real app (every
middleware, ``GET /health/live``) under the same load in the same run.

``python -m bench.http_baseline [--duration S] [--concurrency N] [--warmup S] [--generator python|wrk]``

Migrates the databases of the configuration in force (``NEXGATE_*``; by default the developer
databases) as ``python -m nexgate migrate`` does, since Nexgate refuses to serve unmigrated ones.
Prints one line per server, their ratio (nexgate/bare), and last a JSON line with every figure.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys

import uvloop

from bench.load import GENERATORS, ROOT, Figures, bare_server, free_port, load, nexgate_server, running

PATH = "/health/live"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    migrated = subprocess.run([sys.executable, "-m", "nexgate", "migrate"], cwd=ROOT)
    if migrated.returncode != 0:
        return migrated.returncode
    try:
        results = uvloop.run(measure(args))
    except RuntimeError as error:  # ServerFailed, or wrk missing or failing
        print(f"http_baseline: {error}", file=sys.stderr)
        return 1
    report(args, results)
    return 1 if any(figures.errors for figures in results.values()) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.http_baseline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per server (default 10)")
    parser.add_argument("--concurrency", type=int, default=50, help="keep-alive connections (default 50)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each (default 2)")
    parser.add_argument("--generator", choices=GENERATORS, default="python", help="load generator (default python)")
    return parser


async def measure(args: argparse.Namespace) -> dict[str, Figures]:
    """Start both servers, then load each in turn with identical settings."""
    bare_port, nexgate_port = free_port(), free_port()
    bare_url, nexgate_url = f"http://127.0.0.1:{bare_port}{PATH}", f"http://127.0.0.1:{nexgate_port}{PATH}"
    results = {}
    async with running(bare_server(bare_port), bare_url), running(nexgate_server(nexgate_port), nexgate_url):
        for name, url in (("bare", bare_url), ("nexgate", nexgate_url)):
            results[name] = await load(
                url, duration=args.duration, concurrency=args.concurrency, warmup=args.warmup, generator=args.generator
            )
            print(f"{name:<8} {results[name].line()}", flush=True)
    return results


def _ratio(nexgate: float | None, bare: float | None) -> float | None:
    return round(nexgate / bare, 3) if nexgate is not None and bare else None


def report(args: argparse.Namespace, results: dict[str, Figures]) -> None:
    bare, nexgate = results["bare"], results["nexgate"]
    ratio = {
        "rps": _ratio(nexgate.rps, bare.rps),
        "p50": _ratio(nexgate.p50_ms, bare.p50_ms),
        "p99": _ratio(nexgate.p99_ms, bare.p99_ms),
    }
    print(f"nexgate/bare: throughput {ratio['rps']}, p50 latency {ratio['p50']}, p99 latency {ratio['p99']}")
    for name, figures in results.items():
        if figures.errors:
            print(f"warning: {name} had {figures.errors} errors; its figures are not comparable", file=sys.stderr)
    summary = {
        "bench": "http_baseline",
        "path": PATH,
        "generator": args.generator,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "bare": bare.as_dict(),
        "nexgate": nexgate.as_dict(),
        "ratio": ratio,
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    sys.exit(main())
