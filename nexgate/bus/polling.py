"""The loop of a worker that polls a table (the outbox relay, the scheduler): take a batch,
go on at once while batches come full, wait ``poll_interval`` once idle, back off while
PostgreSQL (or the step itself) keeps failing."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

MAX_BACKOFF = 10.0

Step = Callable[[], Awaitable[tuple[int, bool]]]  # → (rows handled, whether all of them went well)


async def poll_forever(step: Step, *, name: str, poll_interval: float, batch_size: int) -> None:
    failures = 0
    while True:
        try:
            handled, complete = await step()
            failures = 0 if complete else failures + 1
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("%s cannot reach PostgreSQL: %s", name, error)
            handled, failures = 0, failures + 1
        if failures:
            await asyncio.sleep(min(MAX_BACKOFF, 0.2 * 2**failures))
        elif handled < batch_size:
            await asyncio.sleep(poll_interval)
