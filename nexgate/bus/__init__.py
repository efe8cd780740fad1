"""The event bus (DESIGN.md §5): outbox → relay → RabbitMQ topic exchange → consumer groups.

- ``emit(conn, "area.thing.verb", payload)`` writes an event in the caller's transaction;
  ``pending(...)`` checks one that a repository statement writes itself. Both refuse an event
  that its area did not declare in the catalogue (``catalogue``, ``nexgate/domain/<area>/events.py``).
- ``OutboxRelay`` publishes committed events and marks them sent.
- ``Consumer`` runs one consumer group: its queue, idempotency, retries, dead letters.
"""
from .broker import Broker, Topology
from .event import Event
from .outbox import PendingEvent, emit, emit_many, pending

__all__ = ["Broker", "Event", "PendingEvent", "Topology", "emit", "emit_many", "pending"]
