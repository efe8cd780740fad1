"""What every benchmark shares: start a server in a subprocess and wait until it answers,
then load a URL with N keep-alive connections for a fixed time after a warm-up.

The load generator is Python (aiohttp client) and always works; ``wrk`` (``apt-get install
wrk``) is an optional second generator that costs far less CPU per request.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import os
import re
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
GENERATORS = ("python", "wrk")


class ServerFailed(RuntimeError):
    """A server subprocess exited or did not answer in time; the message holds its output."""


@dataclasses.dataclass(frozen=True)
class Figures:
    requests: int  # responses received during the measured period, whatever their status
    errors: int  # responses with status >= 400, plus requests that got no response
    seconds: float
    rps: float
    p50_ms: float | None
    p99_ms: float | None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def line(self) -> str:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.2f} ms"

        return (
            f"{self.rps:9.0f} req/s  p50 {ms(self.p50_ms)}  p99 {ms(self.p99_ms)}  "
            f"({self.requests} requests in {self.seconds:.1f} s, {self.errors} errors)"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bare_server(port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "bench.bare", "--port", str(port), *options]


def nexgate_server(port: int) -> list[str]:
    """Exactly what an operator runs: ``create_app(Config.from_env(), worker_names=[])`` on uvloop."""
    return [sys.executable, "-m", "nexgate", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "none"]


@contextlib.asynccontextmanager
async def running(
    argv: Sequence[str], url: str | None, *, env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start ``argv`` (from the repository root), wait until ``url`` answers 200 (a process with
    no ``url``, such as ``nexgate worker NAME``, is not waited for), stop it on exit.

    The server's output goes to a temporary file, shown in the error if it fails to start.
    """
    with tempfile.TemporaryFile() as output:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=None if env is None else dict(env), stdout=output, stderr=output
        )
        try:
            if url is not None:
                await _wait_until_answering(process, argv, url, timeout, output)
            yield process
        finally:
            await _stop(process)


async def _wait_until_answering(process, argv: Sequence[str], url: str, timeout: float, output) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while process.returncode is None and time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    output.seek(0)
    said = output.read().decode(errors="replace").strip()[-4000:]
    if process.returncode is None:
        state = f"did not answer within {timeout:.0f} s"
    else:
        state = f"exited with status {process.returncode}"
    raise ServerFailed(f"{' '.join(argv)} {state} ({url}):\n{said}")


async def _stop(process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()


async def load(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    duration: float = 10.0,
    concurrency: int = 50,
    warmup: float = 2.0,
    generator: str = "python",
) -> Figures:
    """GET ``url`` over ``concurrency`` keep-alive connections, each sending its next request
    as soon as the previous response is read; figures cover ``duration`` after ``warmup``."""
    if generator == "wrk":
        return await load_with_wrk(url, headers=headers, duration=duration, concurrency=concurrency, warmup=warmup)
    if generator != "python":
        raise ValueError(f"unknown generator {generator!r}; known: {', '.join(GENERATORS)}")
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        if warmup > 0:
            await _phase(session, url, concurrency, warmup)
        return await _phase(session, url, concurrency, duration)


@dataclasses.dataclass
class _Tally:
    latencies: list[float] = dataclasses.field(default_factory=list)
    errors: int = 0


async def _phase(session: aiohttp.ClientSession, url: str, concurrency: int, seconds: float) -> Figures:
    tally = _Tally()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(_connection(session, url, stop_at, tally) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies = sorted(tally.latencies)
    return Figures(
        requests=len(latencies),
        errors=tally.errors,
        seconds=round(elapsed, 3),
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=_percentile_ms(latencies, 0.50),
        p99_ms=_percentile_ms(latencies, 0.99),
    )


async def _connection(session: aiohttp.ClientSession, url: str, stop_at: float, tally: _Tally) -> None:
    while (started := time.perf_counter()) < stop_at:
        try:
            async with session.get(url) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError):
            tally.errors += 1
            await asyncio.sleep(0.01)  # a dead server must not turn this into a busy loop
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.errors += response.status >= 400


def _percentile_ms(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted latencies in seconds, in milliseconds."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] * 1000, 3)


async def load_with_wrk(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    duration: float = 10.0,
    concurrency: int = 50,
    warmup: float = 2.0,
) -> Figures:
    """The same load and figures as :func:`load`, generated by ``wrk`` (whole seconds only)."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk); the python generator needs nothing")
    threads = max(1, min(concurrency, os.cpu_count() or 1))
    argv = ["wrk", "--latency", "-t", str(threads), "-c", str(concurrency)]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if warmup > 0:
        await _run_wrk([*argv, "-d", f"{max(1, round(warmup))}s", url])
    return _parse_wrk(await _run_wrk([*argv, "-d", f"{max(1, round(duration))}s", url]))


async def _run_wrk(argv: list[str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output = (await process.communicate())[0].decode()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed with status {process.returncode}:\n{output}")
    return output


_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk_seconds(number: str, unit: str) -> float:
    return float(number) * _WRK_UNITS[unit]


def _parse_wrk(output: str) -> Figures:
    def find(pattern: str) -> re.Match | None:
        return re.search(pattern, output, re.MULTILINE)

    def latency_ms(percent: int) -> float | None:
        found = find(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$")
        return round(_wrk_seconds(*found.groups()) * 1000, 3) if found else None

    total = find(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
    rate = find(r"^Requests/sec:\s+([\d.]+)")
    if not total or not rate:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    bad_status = find(r"Non-2xx or 3xx responses: (\d+)")
    socket_errors = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    return Figures(
        requests=int(total.group(1)),
        errors=(int(bad_status.group(1)) if bad_status else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
        seconds=round(_wrk_seconds(total.group(2), total.group(3)), 3),
        rps=round(float(rate.group(1)), 1),
        p50_ms=latency_ms(50),
        p99_ms=latency_ms(99),
    )
