"""Run ``python -m nexgate ...`` as an operator would, with a test's configuration."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from nexgate.config import Config, env_name

ROOT = Path(__file__).resolve().parent.parent


def environment(config: Config, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXGATE_")}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        env[env_name(field.name)] = ",".join(map(str, value)) if isinstance(value, tuple) else str(value).lower() if isinstance(value, bool) else str(value)
    env.update(extra)
    return env


async def run(config: Config, *args: str, timeout: float = 60, **extra_env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nexgate", *args,
        cwd=ROOT, env=environment(config, **extra_env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, stdout.decode(), stderr.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1 and kept, so that no other process can take the
    port before the server listens on it (``make_client(listening=...)``)."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    return listening


async def serve_until_live(config: Config, port: int, *args: str, timeout: float = 60, **extra_env: str) -> str:
    """Start ``serve`` on ``port``, wait until it answers /health/live (its start-up is done),
    stop it with SIGTERM; what it wrote to stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nexgate", "serve", "--port", str(port), *args,
        cwd=ROOT, env=environment(config, **extra_env),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout), aiohttp.ClientSession() as session:
            while process.returncode is None:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/health/live") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return stderr.decode()
