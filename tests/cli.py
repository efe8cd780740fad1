"""Run ``python -m nexgate ...`` as an operator would, with a test's configuration."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from pathlib import Path

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
