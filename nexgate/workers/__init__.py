"""Workers: the outbox relay and one RabbitMQ consumer group per module.

``python -m nexgate worker NAME`` runs one; ``serve --workers all`` runs them all inside
the server process.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from ..bus.consumer import Consumer, ConsumerGroup, declare_group_queues
from ..bus.relay import OutboxRelay
from ..platform import Platform
from . import email, media, sms, trust

log = logging.getLogger(__name__)

RELAY = "outbox-relay"
CONSUMER_GROUPS: dict[str, Callable[[Platform], ConsumerGroup]] = {
    "email": email.consumer_group,
    "sms": sms.consumer_group,
    "trust": trust.consumer_group,
    "media": media.consumer_group,
}
NAMES = (RELAY, *CONSUMER_GROUPS)
RESTART_DELAY = 1.0


class Worker(Protocol):
    name: str

    async def run(self) -> None: ...


class UnknownWorker(ValueError):
    pass


def parse_names(spec: str) -> list[str]:
    """``all``, ``none`` or a comma-separated list of worker names."""
    if spec == "all":
        return list(NAMES)
    if spec in ("none", ""):
        return []
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        raise UnknownWorker(f"unknown worker(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
    return names


async def declare_topology(platform: Platform) -> None:
    """Declare every consumer group's queues and bindings, whichever workers run here, so
    that no event the relay publishes finds its group's queue missing and is dropped."""
    for factory in CONSUMER_GROUPS.values():
        group = factory(platform)
        await declare_group_queues(platform.broker, group.name, group.routing_keys)


def build(platform: Platform, name: str) -> Worker:
    if name == RELAY:
        return OutboxRelay(platform.core, platform.broker, poll_interval=platform.config.outbox_poll_ms / 1000)
    group = CONSUMER_GROUPS[name](platform)
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
