"""What an area declares in one place: its manifest.

Each area (auth, users, media, messages, notifications, and the ones to come) builds one
``Area`` in ``nexgate/handlers/<area>/__init__.py``, and ``nexgate/areas.py`` lists them.
The app adds every area's REST routes, the gateway serves every area's WebSocket commands
and topic kinds, the workers run every area's consumer groups, the notification service turns
every area's events into its notification types, all by looping over that
list: nothing registers itself by being imported.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from .bus.consumer import ConsumerGroup
from .domain.notifications.registry import NotificationType
from .handlers.routing import Routes
from .platform import Platform
from .ws.devices import DeviceKind
from .ws.protocol import Command
from .ws.topics import TopicKind

ConsumerGroupFactory = Callable[[Platform], ConsumerGroup]
# A worker that is no consumer group (a loop polling its own table, as payments' reconciler):
# built from the platform, it has a ``name`` and ``async run()`` (``workers.Worker``).
WorkerFactory = Callable[[Platform], Any]


@dataclasses.dataclass(frozen=True)
class Area:
    name: str
    routes: tuple[Routes, ...] = ()
    commands: tuple[Command, ...] = ()  # its WebSocket commands (``<area>/ws.py`` beside its REST handlers)
    topics: tuple[TopicKind, ...] = ()  # its live topic kinds, each with the check of who may subscribe
    devices: tuple[DeviceKind, ...] = ()  # devices with a /ws session of their own (a kiosk), not a user's
    consumer_groups: Mapping[str, ConsumerGroupFactory] = dataclasses.field(default_factory=dict)  # by worker name
    workers: Mapping[str, WorkerFactory] = dataclasses.field(default_factory=dict)  # its other workers, by name
    notification_types: tuple[NotificationType, ...] = ()  # what the notification service tells of its events
