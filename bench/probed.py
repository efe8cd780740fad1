"""Nexgate's real app with a probe of its event loop, for benchmarks that must show the loop
never blocks. ``python -m bench.probed --port P`` serves what ``nexgate serve --workers none``
serves, plus ``GET /bench/loop-lag`` (lag percentiles since the last ``POST /bench/loop-lag``).

The probe sleeps ``INTERVAL`` again and again and records how late each wake-up is: a
handler that held the loop (an Argon2 hash, say) shows up as a late wake-up. It also times
every garbage collection (``gc.callbacks``), the usual cause of a late wake-up that no
handler explains: the same answer has each generation's count and its longest and total pause.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import AsyncIterator

import uvloop
from aiohttp import web

from nexgate import logs
from nexgate.app import create_app, serve_options, tune_for_serving
from nexgate.config import Config

INTERVAL = 0.005
SAMPLES = web.AppKey("loop_lag_samples", list)
class _GcTimer:
    """Each collection's pause, by generation, since the last reset."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.collected = {0: 0, 1: 0, 2: 0}
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)
            self.collected[info["generation"]] += info["collected"]

    def reset(self) -> None:
        for pauses in self.pauses.values():
            pauses.clear()
        self.collected = dict.fromkeys(self.collected, 0)

    def figures(self) -> dict:
        return {str(generation): {"collections": len(pauses), "max_ms": round(1000 * max(pauses, default=0.0), 3),
                                  "total_ms": round(1000 * sum(pauses), 3), "collected": self.collected[generation]}
                for generation, pauses in self.pauses.items()}


GC_TIMER = web.AppKey("gc_timer", _GcTimer)


async def _probe(app: web.Application) -> AsyncIterator[None]:
    samples = app[SAMPLES]

    async def run() -> None:
        while True:  # perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds
            started = time.perf_counter()
            await asyncio.sleep(INTERVAL)
            samples.append(max(0.0, time.perf_counter() - started - INTERVAL))

    task = asyncio.create_task(run(), name="loop-lag-probe")
    gc.callbacks.append(app[GC_TIMER])
    yield
    gc.callbacks.remove(app[GC_TIMER])
    task.cancel()


def _percentile_ms(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    return round(1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)


async def loop_lag(request: web.Request) -> web.Response:
    samples, gc_timer = request.app[SAMPLES], request.app[GC_TIMER]
    if request.method == "POST":
        samples.clear()
        gc_timer.reset()
        return web.json_response({"reset": True})
    ordered = sorted(samples)
    return web.json_response({
        "samples": len(ordered), "p50_ms": _percentile_ms(ordered, 0.5), "p99_ms": _percentile_ms(ordered, 0.99),
        "max_ms": round(1000 * ordered[-1], 3) if ordered else None, "gc": gc_timer.figures(),
    })


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.probed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    config = Config.from_env(host="127.0.0.1", port=args.port)
    logs.configure(config.log_level, config.log_json)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    app = probed_app(config)
    web.run_app(app, **serve_options(config))


def probed_app(config: Config) -> web.Application:
    """Nexgate's app (no workers, as ``nexgate serve --workers none``) with the loop-lag probe."""
    app = tune_for_serving(create_app(config))
    app[SAMPLES] = []
    app[GC_TIMER] = _GcTimer()
    app.cleanup_ctx.append(_probe)
    app.router.add_route("*", "/bench/loop-lag", loop_lag)
    return app


if __name__ == "__main__":
    main()
