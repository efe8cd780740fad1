"""Devices that hold a WebSocket of their own, not a user's (a self check-in kiosk).

A device kind comes from an area's manifest (``Area.devices``): its name, the domain function
that turns the secret the device was given into its identity (raising ``Unauthorized`` for a
secret that names nothing, or a pairing that was revoked), and the only commands its connection
may run (besides ``ping``). The device authenticates with ``{"type": "auth", "device": {"kind":
"kiosk", "secret": "..."}}`` instead of a token; its connection has no user, no stream and no
presence: it receives only its own session's topic, ``<kind>:<id>``, which no one can subscribe
to, and ``realtime.end_device_session`` ends it on every server process (docs/websocket.md,
"Devices").
"""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from ..platform import Platform


@dataclasses.dataclass(frozen=True)
class DeviceIdentity:
    """Who a device's connection is: its kind and id, and what its ``ready`` frame tells it."""

    kind: str
    id: uuid.UUID
    ready: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    @property
    def topic(self) -> str:
        """Its own session's channel: what the server tells this device alone."""
        return device_topic(self.kind, self.id)


def device_topic(kind: str, device_id: uuid.UUID | str) -> str:
    return f"{kind}:{device_id}"


Authenticate = Callable[[Platform, str], Awaitable[DeviceIdentity]]


@dataclasses.dataclass(frozen=True)
class DeviceKind:
    name: str  # the auth frame's device.kind
    authenticate: Authenticate  # (platform, secret) -> its identity, or Unauthorized
    commands: tuple[str, ...]  # what its connection may run besides ping
