"""The process pool for CPU-bound work (hashing, image decoding, signing).

Nothing CPU-heavy runs on the event loop: ``await cpu.run(pool, fn, *args)`` sends it to
another process. Processes are spawned, not forked, so they never inherit the loop,
sockets or locks of the server.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


# Pool processes run at a lower scheduling priority, so that when hashing saturates the cores
# the kernel still runs the event loop first and its latency stays flat.
WORKER_NICENESS = 10


def create_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
        initializer=os.nice, initargs=(WORKER_NICENESS,),
    )


async def run(pool: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
