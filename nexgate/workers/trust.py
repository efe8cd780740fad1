"""Consumer group ``trust``: records what commerce and events report about sellers and
organizers and recomputes their trust scores (docs/trust.md)."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.users.trust import SOURCES, record_trust_event
from ..platform import Platform

ROUTING_KEYS = tuple(SOURCES)


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await record_trust_event(conn, event)

    return ConsumerGroup(name="trust", routing_keys=ROUTING_KEYS, handle=handle, database=platform.core)
