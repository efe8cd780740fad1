"""One device's WebSocket: its caller, its bounded send queue and writer, its stream cursor.

Frames leave in order through a bounded queue that a writer task drains; the task exists
only while frames are waiting, so an idle connection holds no task, future or queue
machinery (tens of thousands of them sit idle: bench/ws.py). Live frames are pushed without
waiting: a client whose queue is full is closed (4009) rather than buffered without bound.
Replayed frames wait for room instead, since replay paces itself.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import uuid

from aiohttp import web

from ..config import Config
from ..domain.auth.caller import Caller
from ..errors import RateLimited
from ..limits import WS_FRAMES
from .devices import DeviceIdentity
from .protocol import Close

log = logging.getLogger(__name__)
STRIKE_WINDOW_S = 60.0
FLUSH_TIMEOUT_S = 2.0  # a closing socket's queued replies get this long to leave


class Connection:
    def __init__(
        self, ws: web.WebSocketResponse, caller: Caller | None, device_name: str | None, ip: str | None, config: Config,
        *, device: DeviceIdentity | None = None,
    ):
        """A user's connection (``caller``), or a device's (``device``: a kiosk, ws/devices.py),
        which has no user, stream, presence or token expiry."""
        self.id = uuid.uuid4().hex
        self.ip = ip
        self.ws = ws
        self.caller = caller
        self.device = device
        self.device_name = device_name
        self.user_id = str(caller.user_id) if caller is not None else device.topic
        self.session_id = str(caller.session_id) if caller is not None else device.topic
        self.topics: set[str] = set()
        self.counted_online = False  # in presence; a socket refused while opening never was
        self.cursor: tuple[int, int] = (0, 0)
        self.position = "0-0"
        self._held: list[tuple[tuple[int, int], str, str]] | None = []  # None once live; a list while replaying
        self._hold_limit = config.ws_send_queue * 4
        self._queue_limit = config.ws_send_queue
        self._queue: collections.deque[str] | None = None  # None while empty: an empty deque costs 760 bytes
        self._writer: asyncio.Task | None = None  # draining the queue; None while it is empty
        self._write_failed = False
        self._room: asyncio.Event | None = None  # made when a sender first waits for room
        self._closer: asyncio.Task | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._limit = _FrameBudget(WS_FRAMES.budget(config).count, config.ws_frame_burst)
        self._max_strikes = config.ws_max_strikes
        self._strikes: list[float] | tuple = ()
        if caller is not None:
            self.expire_at(caller.expires_at)

    # -- sending -------------------------------------------------------------------------

    def push(self, frame: str) -> None:
        """Queue a live frame; a client too far behind is disconnected instead."""
        if self._closer is not None:
            return
        if self._queue is not None and len(self._queue) >= self._queue_limit:
            self.abort(Close.TOO_SLOW, "send queue full: the client is not reading fast enough")
            return
        self._enqueue(frame)

    async def send(self, frame: str) -> None:
        """Queue a frame, waiting for room (replies and replay)."""
        while self._closer is None and self._queue is not None and len(self._queue) >= self._queue_limit:
            if self._room is None:
                self._room = asyncio.Event()
            self._room.clear()
            await self._room.wait()
        if self._closer is None:
            self._enqueue(frame)

    def _enqueue(self, frame: str) -> None:
        if self._queue is None:
            self._queue = collections.deque()
        self._queue.append(frame)
        if self._writer is None and not self._write_failed:
            self._writer = asyncio.create_task(self._write(), name=f"ws-writer:{self.id}")

    def deliver(self, position: tuple[int, int], position_text: str, frame: str) -> None:
        """A live event of the user's stream: held while replaying, dropped if already sent."""
        if self._held is not None:
            self._held.append((position, position_text, frame))
            if len(self._held) > self._hold_limit:
                self.abort(Close.TOO_SLOW, "too many events arrived while catching up")
            return
        if self._advance(position, position_text):
            self.push(frame)

    def _advance(self, position: tuple[int, int], position_text: str) -> bool:
        if position <= self.cursor:
            return False
        self.cursor, self.position = position, position_text
        return True

    async def replayed(self, position: tuple[int, int], position_text: str, frame: str) -> None:
        if self._advance(position, position_text):
            await self.send(frame)

    def hold(self) -> None:
        """Stop live delivery while the stream is read from the cursor (resume, Redis reconnect)."""
        if self._held is None:
            self._held = []

    def go_live(self) -> None:
        """Release what arrived during the replay, skipping what the replay already sent."""
        held, self._held = self._held or [], None
        for position, position_text, frame in held:
            if self._advance(position, position_text):
                self.push(frame)

    @property
    def replaying(self) -> bool:
        return self._held is not None

    async def _write(self) -> None:
        """Send what is queued, in order, then end (the next frame starts a new writer)."""
        queue = self._queue
        try:
            while queue:
                frame = queue.popleft()
                if self._room is not None:
                    self._room.set()
                await self.ws.send_str(frame)
            if queue is self._queue:
                self._queue = None
        except (ConnectionError, RuntimeError) as error:
            self._write_failed = True  # the queue now fills up, and a full one closes (4009)
            log.debug("websocket %s stopped writing: %s", self.id, error)
        finally:
            self._writer = None

    # -- closing -------------------------------------------------------------------------

    def abort(self, code: int, reason: str, *, flush: bool = False) -> None:
        """Close the socket with ``code`` (once), without waiting; with ``flush``, after the
        frames already queued are sent (for up to FLUSH_TIMEOUT_S)."""
        if self._closer is None:
            self._closer = asyncio.create_task(self._close(code, reason, flush), name=f"ws-close:{self.id}")

    async def close(self, code: int, reason: str) -> None:
        self.abort(code, reason)
        await self.closed()

    @property
    def closing(self) -> bool:
        return self._closer is not None

    async def closed(self) -> None:
        await asyncio.shield(self._closer)

    async def _close(self, code: int, reason: str, flush: bool = False) -> None:
        log.info("closing websocket %s of user %s: %d %s", self.id, self.user_id, code, reason)
        writer = self._writer
        if writer is not None:
            if flush:  # nothing joins the queue once closing: the writer ends after the last frame
                with contextlib.suppress(asyncio.TimeoutError, ConnectionError, RuntimeError):
                    await asyncio.wait_for(asyncio.shield(writer), FLUSH_TIMEOUT_S)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await writer
        self._queue = None
        if self._room is not None:
            self._room.set()  # senders waiting for room see the connection closing and give up
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code, message=reason.encode()[:120])

    async def release(self) -> None:
        """After the socket is gone: stop the writer and timers."""
        if self._expiry is not None:
            self._expiry.cancel()
        tasks = [task for task in (self._writer, self._closer) if task is not None]
        if self._writer is not None:
            self._writer.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def expire_at(self, expires_at: float) -> None:
        """Close with 4004 when the access token expires, unless an ``auth`` frame renews it."""
        if self._expiry is not None:
            self._expiry.cancel()
        loop = asyncio.get_running_loop()
        delay = max(0.0, expires_at - time.time())
        self._expiry = loop.call_later(delay, self.abort, Close.TOKEN_EXPIRED, "access token expired")

    # -- abuse ---------------------------------------------------------------------------

    def check_rate(self) -> None:
        retry_after = self._limit.take()
        if retry_after:
            raise RateLimited("Too many frames; slow down", code=WS_FRAMES.code, retry_after=retry_after,
                              details={"limit": WS_FRAMES.name, "retry_after": retry_after})

    def strike(self) -> None:
        """Count a refused frame; too many within a minute close the socket (4008)."""
        now = time.monotonic()
        self._strikes = [t for t in self._strikes if t > now - STRIKE_WINDOW_S] + [now]
        if len(self._strikes) >= self._max_strikes:
            self.abort(Close.POLICY_VIOLATION, "too many refused frames", flush=True)  # after this frame's reply


class _FrameBudget:
    """A token bucket: ``rate`` frames a second, up to ``burst`` at once."""

    __slots__ = ("rate", "burst", "tokens", "updated")

    def __init__(self, rate: int, burst: int):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.updated = time.monotonic()

    def take(self) -> int:
        """0 if a frame may pass now, else the whole seconds until one may."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return max(1, int((1 - self.tokens) / self.rate + 0.999))
