"""Run ``python -m nexgate ...`` as an operator would, with a test's configuration: commands in this
process (``run``), ``serve`` and ``worker`` as one of their own (``run_process``, ``serve_until_live``)."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
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


PROCESS_COMMANDS = ("serve", "worker")  # they run until signalled, as a process of their own


async def run(config: Config, *args: str, timeout: float = 60, **extra_env: str) -> tuple[int, str, str]:
    """``python -m nexgate ARGS`` with the test's settings (and ``extra_env``): exit status, stdout,
    stderr. A command other than ``serve`` and ``worker`` runs here, ``nexgate.__main__.main`` in a
    thread (its commands run their own event loop) with its output captured: a new interpreter
    importing the server took 1-8 s a call. ``serve`` and ``worker`` run as ``run_process`` runs
    them; tests/test_startup.py runs ``migrate`` that way too, the entry point whole."""
    if args[0] in PROCESS_COMMANDS:
        return await run_process(config, *args, timeout=timeout, **extra_env)
    return await asyncio.wait_for(asyncio.to_thread(_run_here, environment(config, **extra_env), args), timeout)


def _run_here(env: dict[str, str], args: tuple[str, ...]) -> tuple[int, str, str]:
    from nexgate.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args), env, configure_logging=False)
        except SystemExit as exit:  # argparse refusing the arguments (after saying why on stderr)
            code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
    return code, out.getvalue(), err.getvalue()


async def run_process(config: Config, *args: str, timeout: float = 60, **extra_env: str) -> tuple[int, str, str]:
    """``python -m nexgate ARGS`` as a process of its own, as an operator runs it."""
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


async def dead_letter_listing(config: Config, group: str, event_id) -> str:
    """``deadletters list --group GROUP`` once the event is among them (its output)."""
    from tests.conftest import eventually

    async def listed():
        code, out, _ = await run(config, "deadletters", "list", "--group", group)
        return out if code == 0 and str(event_id) in out else None

    return await eventually(listed, timeout=30, interval=0.5)

