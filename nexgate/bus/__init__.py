"""The event bus (DESIGN.md §5): outbox → relay → RabbitMQ topic exchange → consumer groups.

- ``emit(conn, "area.thing.verb", payload)`` writes an event in the caller's transaction.
- ``OutboxRelay`` publishes committed events and marks them sent.
- ``Consumer`` runs one consumer group: its queue, idempotency, retries, dead letters.
"""
from .broker import Broker, Topology
from .event import Event
from .outbox import emit

__all__ = ["Broker", "Event", "Topology", "emit"]
