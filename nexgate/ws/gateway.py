"""``/ws``: authenticate a device's socket, then serve its commands and deliver its events.

The protocol is docs/websocket.md. The gateway serves its own commands (``commands.py``)
and every area's commands and topic kinds (their manifests, ``nexgate/area.py``); the
fan-out between processes is ``hub.py``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiohttp import WSMsgType, web
from redis.exceptions import RedisError

from ..area import Area
from ..domain.auth import sessions
from ..domain.users import visibility
from ..errors import DomainError, Forbidden, Internal, Invalid, Unauthorized
from ..handlers.routing import client_ip
from ..keys import PLATFORM
from ..platform import Platform
from . import commands, protocol
from .connection import Connection
from .hub import Hub
from .presence import Presence
from .protocol import Close
from .topics import Topics

log = logging.getLogger(__name__)
PRESENCE_REFRESH_BATCH = 500  # one pipeline of 20,000 commands would hold the event loop for 0.1-0.4 s
class Gateway:
    def __init__(self, platform: Platform, areas: Sequence[Area]):
        self.platform = platform
        self.config = platform.config
        self.commands = protocol.registry([*commands.COMMANDS, *(c for area in areas for c in area.commands)])
        self.topics = Topics(kind for area in areas for kind in area.topics)
        self.devices = {kind.name: kind for area in areas for kind in area.devices}
        self.hub = Hub(platform.realtime, platform.metrics)
        self.presence = Presence(platform.realtime, self.config.presence_ttl_s)
        self._refresher: asyncio.Task | None = None

    async def start(self) -> None:
        await self.hub.start()
        self._refresher = asyncio.create_task(self._refresh_presence(), name="ws-presence-refresh")

    async def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        await self.hub.stop()

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        config = self.config
        ws = web.WebSocketResponse(
            heartbeat=config.ws_heartbeat_s, max_msg_size=config.ws_hard_frame_bytes, compress=False, timeout=2.0
        )
        await ws.prepare(request)
        authenticated = await self._authenticate(ws, request)
        if authenticated is None:
            return ws
        connection, frame_id, resume = authenticated
        try:
            try:
                if connection.device is not None:
                    await self._open_device(connection, frame_id)
                else:
                    await self._open(connection, frame_id, resume)
            except (RedisError, OSError) as error:
                log.warning("websocket %s could not open: %s", connection.id, error)
                connection.abort(Close.INTERNAL_ERROR, "temporarily unavailable; reconnect")
            await self._read(connection)
        finally:
            await self.hub.detach(connection)
            await connection.release()
            if connection.counted_online:
                with contextlib.suppress(Exception):
                    await self.presence.disconnected(connection.user_id, connection.id,
                                                     announce=await self._shows_presence(connection))
        return ws

    async def _authenticate(
        self, ws: web.WebSocketResponse, request: web.Request
    ) -> tuple[Connection, Any, str | None] | None:
        """The connection its first frame authenticates, with that frame's id and resume
        position; None after refusing it and closing the socket."""
        try:
            message = await ws.receive(timeout=self.config.ws_auth_timeout_s)
        except asyncio.TimeoutError:
            await ws.close(code=Close.AUTH_REQUIRED, message=b"no auth frame in time")
            return None
        if message.type != WSMsgType.TEXT:
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return None
            return await _refuse(ws, None, Invalid("The first frame must be an auth text frame", code="auth_required"))
        frame_id = None
        try:
            frame_id, frame_type, fields = protocol.decode_frame(message.data)
            if frame_type != "auth":
                raise Unauthorized("The first frame must be auth, with an access token", code="auth_required")
            fields = protocol.validate(commands.AUTH, fields)
            device_fields = fields["device"] or {}
            if device_fields.get("secret") is not None:
                kind = self.devices.get(device_fields["kind"])
                if kind is None:
                    raise Unauthorized(f"No such device kind {device_fields['kind']!r}; one of {sorted(self.devices)}",
                                       code="device_invalid")
                device = await kind.authenticate(self.platform, device_fields["secret"])
                return Connection(ws, None, device_fields.get("name"), client_ip(request), self.config,
                                  device=device), frame_id, None
            caller = await sessions.authenticate(self.platform, fields["token"], client_ip(request))
        except DomainError as failure:
            return await _refuse(ws, frame_id, failure)
        except (RedisError, OSError) as error:  # the socket is upgraded: no HTTP error page now
            log.warning("websocket authentication failed: %s", error)
            await ws.close(code=Close.INTERNAL_ERROR, message=b"temporarily unavailable; reconnect")
            return None
        device_name = (fields["device"] or {}).get("name")
        return Connection(ws, caller, device_name, client_ip(request), self.config), frame_id, fields["resume"]

    async def _open(self, connection: Connection, frame_id: Any, resume: str | None) -> None:
        """Attach to the hub, count the device online, say ``ready``, replay what was missed,
        then go live."""
        try:
            resumed = await self.hub.attach(connection, resume)
        except DomainError as failure:
            await connection.send(protocol.error(frame_id, failure))
            connection.abort(Close.AUTH_FAILED, failure.message)
            return
        caller = connection.caller
        await self.presence.connected(connection.user_id, connection.id, announce=await self._shows_presence(connection))
        connection.counted_online = True
        await connection.send(protocol.frame(
            type="ready", id=frame_id, session_id=caller.session_id, user_id=caller.user_id,
            device_id=caller.device_id, connection_id=connection.id, position=connection.position,
            resync=resume is not None and not resumed, heartbeat_s=self.config.ws_heartbeat_s,
            expires_at=int(caller.expires_at), limits=self._limits(),
        ))
        await self.hub.catch_up(connection)

    async def _open_device(self, connection: Connection, frame_id: Any) -> None:
        """A device's connection: it joins its own topic and is told ``ready`` with what it is."""
        device = connection.device
        await self.hub.attach_device(connection)
        await connection.send(protocol.frame(
            type="ready", id=frame_id, connection_id=connection.id, device={"kind": device.kind, **device.ready},
            heartbeat_s=self.config.ws_heartbeat_s, limits=self._limits(),
        ))

    async def _shows_presence(self, connection: Connection) -> bool:
        """Whether the user's online changes are announced at all (they may hide them)."""
        return (await visibility.relationship(self.platform, None, connection.caller.user_id)).show_presence

    async def _read(self, connection: Connection) -> None:
        ws = connection.ws
        if connection.closing:  # aborted while opening: its close is already reading the socket
            await connection.closed()
            return
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self._answer(connection, message.data)
            elif message.type == WSMsgType.BINARY:
                await _refuse_frame(connection, None, Invalid(
                    "Binary frames are not part of the protocol; send JSON text frames", code="binary_not_supported"
                ))
            elif message.type == WSMsgType.ERROR:
                log.info("websocket %s failed: %s", connection.id, ws.exception())

    async def _answer(self, connection: Connection, text: str) -> None:
        """Exactly one reply to the frame: its ack, or its error (``internal`` when the command
        failed unexpectedly: logged and counted, and the socket stays open)."""
        frame_id = handler = None
        try:
            if len(text) > self.config.ws_max_frame_bytes:
                raise Invalid(f"Frames are limited to {self.config.ws_max_frame_bytes} bytes", code="frame_too_large",
                              details={"limit": self.config.ws_max_frame_bytes})
            frame_id, frame_type, fields = protocol.decode_frame(text)
            connection.check_rate()
            handler = self.commands.get(frame_type)
            if connection.device is not None and handler is not None and frame_type != "ping" \
                    and frame_type not in self.devices[connection.device.kind].commands:
                raise Forbidden(f"A {connection.device.kind} may send only ping and "
                                f"{', '.join(self.devices[connection.device.kind].commands)}",
                                code="not_allowed_for_device", details={"type": frame_type})
            if handler is None:
                raise Invalid(f"Unknown frame type {frame_type!r}", code="unknown_type",
                              details={"type": frame_type, "known": sorted(self.commands)})
            data = await handler.handler(self, connection, protocol.validate(handler, fields))
        except DomainError as failure:
            await _refuse_frame(connection, frame_id, failure)
            return
        except Exception:
            command = handler.name if handler is not None else "none"
            log.exception("websocket %s: frame %r (%s) failed", connection.id, frame_id, command,
                          extra={"connection_id": connection.id, "frame_id": frame_id, "command": command})
            self.platform.metrics.websocket_command_errors.labels(command).inc()
            await connection.send(protocol.error(frame_id, Internal("the connection id with the frame id")))
            return
        await connection.send(protocol.ack(frame_id, data))

    def _limits(self) -> dict[str, int]:
        config = self.config
        return {
            "max_frame_bytes": config.ws_max_frame_bytes, "frames_per_second": config.ws_frames_per_second,
            "frame_burst": config.ws_frame_burst, "send_queue": config.ws_send_queue,
        }

    async def _refresh_presence(self) -> None:
        interval = max(1.0, self.config.presence_ttl_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                connections = [(c.user_id, c.id) for c in self.hub.connections]
                for start in range(0, len(connections), PRESENCE_REFRESH_BATCH):
                    await self.presence.refresh(connections[start:start + PRESENCE_REFRESH_BATCH])
            except Exception:
                log.exception("refreshing presence failed; retrying in %.0f s", interval)


async def _refuse_frame(connection: Connection, frame_id: Any, failure: DomainError) -> None:
    """The frame's error reply, then its strike: the frame that crosses the abuse limit gets
    its reply before the close (4008)."""
    await connection.send(protocol.error(frame_id, failure))
    connection.strike()


async def _refuse(ws: web.WebSocketResponse, frame_id, failure: DomainError) -> None:
    code = Close.AUTH_REQUIRED if failure.code == "auth_required" else Close.AUTH_FAILED
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_str(protocol.error(frame_id, failure))
        await ws.close(code=code, message=failure.code.encode())
    return None


GATEWAY = web.AppKey("gateway", Gateway)


async def _serve(request: web.Request) -> web.WebSocketResponse:
    return await request.app[GATEWAY].serve(request)


def _gateway_context(areas: Sequence[Area]):
    async def context(app: web.Application) -> AsyncIterator[None]:
        gateway = Gateway(app[PLATFORM], areas)
        await gateway.start()
        app[GATEWAY] = gateway
        yield
        await gateway.stop()

    return context


async def _going_away(app: web.Application) -> None:
    gateway = app.get(GATEWAY)
    if gateway is not None:
        await gateway.hub.close_all(Close.SERVICE_RESTART, "server restarting; reconnect",
                                    timeout=gateway.config.ws_drain_timeout_s)


def setup(app: web.Application, areas: Sequence[Area]) -> None:
    """Serve ``/ws`` from the app (after the platform's cleanup context), with the areas' commands and topics."""
    app.router.add_get("/ws", _serve)
    app.cleanup_ctx.append(_gateway_context(areas))
    app.on_shutdown.append(_going_away)


__all__ = ["GATEWAY", "Gateway", "setup"]
