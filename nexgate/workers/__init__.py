"""Workers: the outbox relay, the scheduler of delayed jobs (``bus/scheduler.py``), every area's
RabbitMQ consumer groups (``Area.consumer_groups``) and its other workers (``Area.workers``:
loops over its own tables, as the payments reconciler).

``python -m nexgate worker NAME`` runs one; ``serve --workers all`` runs them all inside
the server process.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Protocol

from ..bus.consumer import Consumer, declare_group_queues
from ..bus.relay import OutboxRelay
from ..bus.scheduler import Scheduler
from ..platform import Platform

if TYPE_CHECKING:
    from ..area import ConsumerGroupFactory, WorkerFactory

log = logging.getLogger(__name__)

RELAY = "outbox-relay"
SCHEDULER = "scheduler"
RESTART_DELAY = 1.0


@functools.cache
def consumer_groups() -> dict[str, ConsumerGroupFactory]:
    """Every area's consumer groups, by worker name."""
    from ..areas import AREAS  # here, not at the top: the areas' manifests import their groups from this package

    groups: dict[str, ConsumerGroupFactory] = {}
    for area in AREAS:
        for name, factory in area.consumer_groups.items():
            if name in groups or name in (RELAY, SCHEDULER):
                raise RuntimeError(f"worker {name!r} is declared twice")
            groups[name] = factory
    return groups


@functools.cache
def area_workers() -> dict[str, WorkerFactory]:
    """Every area's workers that are not consumer groups (``Area.workers``), by name."""
    from ..areas import AREAS

    found: dict[str, WorkerFactory] = {}
    for area in AREAS:
        for name, factory in area.workers.items():
            if name in found or name in consumer_groups() or name in (RELAY, SCHEDULER):
                raise RuntimeError(f"worker {name!r} is declared twice")
            found[name] = factory
    return found


def names() -> tuple[str, ...]:
    """Every worker's name: the relay's, the scheduler's, each consumer group's, then the areas' other workers."""
    return (RELAY, SCHEDULER, *consumer_groups(), *area_workers())


class Worker(Protocol):
    name: str

    async def run(self) -> None: ...


class UnknownWorker(ValueError):
    pass


def parse_names(spec: str) -> list[str]:
    """``all``, ``none`` or a comma-separated list of worker names."""
    if spec == "all":
        return list(names())
    if spec in ("none", ""):
        return []
    chosen = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in names()]
    if unknown:
        raise UnknownWorker(f"unknown worker(s) {', '.join(unknown)}; known: {', '.join(names())}")
    return chosen


async def declare_topology(platform: Platform) -> None:
    """Declare every consumer group's queues and bindings, whichever workers run here, so
    that no event the relay publishes finds its group's queue missing and is dropped."""
    for factory in consumer_groups().values():
        group = factory(platform)
        await declare_group_queues(platform.broker, group.name, group.routing_keys)


def build(platform: Platform, name: str) -> Worker:
    if name == RELAY:
        return OutboxRelay(platform.core, platform.broker, poll_interval=platform.config.outbox_poll_ms / 1000)
    if name == SCHEDULER:
        return Scheduler(platform.core, poll_interval=platform.config.scheduler_poll_ms / 1000)
    if name in area_workers():
        return area_workers()[name](platform)
    group = consumer_groups()[name](platform)
    return Consumer(platform.broker, group, prefetch=group.prefetch or platform.config.bus_prefetch)


async def supervise(worker: Worker) -> None:
    """Run a worker for the life of the process, restarting it if it fails."""
    while True:
        try:
            await worker.run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if asyncio.current_task().cancelling():
                raise  # stopping: aio-pika may report a cancelled call as a channel error
            log.exception("worker %s failed; restarting in %.0f s", worker.name, RESTART_DELAY)
            await asyncio.sleep(RESTART_DELAY)
