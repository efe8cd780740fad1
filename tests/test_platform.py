"""What the factory opens for every area: the process pool for CPU-bound work."""
from __future__ import annotations

import os

from nexgate import cpu
from nexgate.keys import PLATFORM


def _worker_pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


async def test_cpu_work_runs_in_another_process(client):
    pool = client.app[PLATFORM].cpu_pool
    pid, square = await cpu.run(pool, _worker_pid_and_square, 12)
    assert square == 144
    assert pid != os.getpid()
