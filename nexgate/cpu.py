"""The process pool for CPU-bound work (hashing, image decoding, signing).

Nothing CPU-heavy runs on the event loop: ``await cpu.run(pool, fn, *args)`` sends it to
another process. Processes are spawned, not forked, so they never inherit the loop,
sockets or locks of the server.
"""
from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def create_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


async def run(pool: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
