"""Waiting for absence without sleeping.

A test that checks "nothing else arrived" publishes a marker to the user's stream after the
action, by the path every live event takes (``platform.realtime`` → Redis → each server
process's pub/sub connection → the hub → the connection's ordered send queue), and reads until
the marker arrives. Redis hands a subscriber connection its messages in the order they were
published, on every channel, and the hub queues a connection's frames in that order (a stream
event held during a replay comes out in stream order, before the marker, which is on the same
stream). So every event or topic frame published before the marker has arrived with it: nothing
is still on its way, and there is no sleep to guess.

What the marker proves depends on when it is published: call the barrier once the action that
might send something has published whatever it would. A REST request or WebSocket command that
publishes does so before it answers; a disconnect publishes after the socket is gone, so wait
with ``sockets_served`` first. A ``ping`` ack proves only that frames queued on that
connection before it were sent, not that events still travelling through Redis have arrived.
"""
from __future__ import annotations

import uuid

from nexgate.client import LiveSession
from nexgate.keys import PLATFORM
from nexgate.realtime import Realtime
from tests.conftest import eventually

MARKER = "test.barrier"


async def settle(server, live: LiveSession, timeout: float = 10.0) -> list[dict]:
    """The event and topic frames that reach ``live`` before a marker published now (the ones
    already waiting in ``live.events`` included), in order; ``[]`` when nothing else was on its
    way. ``server`` is any test client or server of the app (its Redis carries the marker), or
    a ``Realtime`` of the test's own. Markers of other barriers (a user's other devices get
    them too) are dropped on the way."""
    realtime = server if isinstance(server, Realtime) else server.app[PLATFORM].realtime
    token = uuid.uuid4().hex
    await realtime.publish_to_user(live.api.user_id, MARKER, {"token": token})
    frames = []
    while True:
        frame = await live.next_event(timeout)
        if frame.get("event") != MARKER:
            frames.append(frame)
        elif frame["data"]["token"] == token:
            return frames


async def sockets_served(server, count: int, timeout: float = 10.0) -> None:
    """Wait until ``server`` is serving exactly ``count`` WebSockets: a socket the client closed
    counts until the gateway has finished with it (detached it, said it went offline), so what
    a disconnect publishes has been published once this returns."""
    await eventually(lambda: _serving("/ws", server) == count, timeout=timeout)


def _serving(path: str, server) -> int:
    test_server = getattr(server, "server", server)  # a TestClient's, or the TestServer itself
    handlers = test_server.runner.server.connections
    # aiohttp clears a connection's current request only once its handler has returned.
    return sum(1 for handler in handlers
               if (request := getattr(handler, "_current_request", None)) is not None and request.path == path)
