"""The process's side of live fan-out: which local connections want which Redis channels.

One pub/sub connection per process subscribes to the channel of every user with a device
connected here and of every topic a local connection follows, and hands each message to
those connections (serialised once). A user's stream is read only to catch up: on resume,
and for every connection after the pub/sub connection was lost and came back, since
whatever was published meanwhile never reached this process.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict

import orjson
from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

from ..errors import Invalid
from ..metrics import Metrics
from ..realtime import Realtime, event_frame, parse_position
from .connection import Connection
from .protocol import Close

log = logging.getLogger(__name__)
REPLAY_PAGE = 200
RECONNECT_DELAY_S = 0.5
LISTEN_POLL_S = 1.0


class ResumeTooOld(Exception):
    """The position asked for is older than what the stream keeps."""


class Hub:
    def __init__(self, realtime: Realtime, metrics: Metrics):
        self.realtime = realtime
        self.metrics = metrics
        self.connections: set[Connection] = set()
        self._users: dict[str, set[Connection]] = defaultdict(set)
        self._topics: dict[str, set[Connection]] = defaultdict(set)
        self._channels: dict[bytes, tuple[str, str]] = {}  # channel -> ("u" | "t", user id | topic)
        self._pongs: dict[bytes, asyncio.Future] = {}
        self._pubsub = realtime.redis.client.pubsub()
        self._listener: asyncio.Task | None = None
        self._recovery: asyncio.Task | None = None
        self._stopping = False

    async def start(self) -> None:
        await self._pubsub.subscribe(self.realtime.control_channel)
        self._pubsub.connection.register_connect_callback(self._reconnected)
        self._listener = asyncio.create_task(self._listen(), name="ws-hub-listener")

    async def stop(self) -> None:
        self._stopping = True
        tasks = [task for task in (self._listener, self._recovery) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            # redis-py can swallow a cancellation that lands inside a timed read; the flag
            # then ends the listener at its next poll, and the wait is bounded regardless.
            await asyncio.wait(tasks, timeout=LISTEN_POLL_S * 2)
        with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError, TimeoutError):
            async with asyncio.timeout(LISTEN_POLL_S * 2):
                await self._pubsub.aclose()

    # -- connections ---------------------------------------------------------------------

    async def attach(self, connection: Connection, resume: str | None) -> bool:
        """Start delivering the user's stream to ``connection``; False if ``resume`` is too old.

        The connection holds live events until the stream has been read past the starting
        position, so an event is neither missed nor sent twice across the switch.
        """
        tail = await self._tail(connection.user_id)
        start, resync = tail, False
        if resume is not None:
            try:
                start = await self._resume_point(connection.user_id, resume, tail)
            except ResumeTooOld:
                resync = True
        connection.cursor, connection.position = parse_position(start), start
        self.connections.add(connection)
        self.metrics.websocket_sessions.set(len(self.connections))
        users = self._users[connection.user_id]
        users.add(connection)
        if len(users) == 1:
            await self._subscribe(self.realtime.user_channel(connection.user_id), ("u", connection.user_id))
        return not resync

    async def attach_device(self, connection: Connection) -> None:
        """A device's connection (ws/devices.py): it hears its own topic only."""
        self.connections.add(connection)
        self.metrics.websocket_sessions.set(len(self.connections))
        await self.join_topic(connection, connection.device.topic)

    async def catch_up(self, connection: Connection) -> None:
        """Send what the stream holds after the connection's cursor, then go live."""
        key = self.realtime.stream_key(connection.user_id)
        while True:
            entries = await self.realtime.redis.client.xrange(key, f"({connection.position}", "+", count=REPLAY_PAGE)
            for position, fields in entries:
                text = position.decode()
                await connection.replayed(parse_position(text), text, event_frame(text, fields[b"p"].decode()))
            if len(entries) < REPLAY_PAGE:
                break
        connection.go_live()

    async def detach(self, connection: Connection) -> None:
        if connection not in self.connections:
            return
        self.connections.discard(connection)
        self.metrics.websocket_sessions.set(len(self.connections))
        for topic in list(connection.topics):
            await self.leave_topic(connection, topic)
        users = self._users.get(connection.user_id)
        if users is not None:
            users.discard(connection)
            if not users:
                del self._users[connection.user_id]
                await self._unsubscribe(self.realtime.user_channel(connection.user_id))

    async def join_topic(self, connection: Connection, topic: str) -> None:
        members = self._topics[topic]
        members.add(connection)
        connection.topics.add(topic)
        if len(members) == 1:
            await self._subscribe(self.realtime.topic_channel(topic), ("t", topic))

    async def leave_topic(self, connection: Connection, topic: str) -> None:
        connection.topics.discard(topic)
        members = self._topics.get(topic)
        if members is None:
            return
        members.discard(connection)
        if not members:
            del self._topics[topic]
            await self._unsubscribe(self.realtime.topic_channel(topic))

    async def close_all(self, code: int, reason: str, timeout: float) -> None:
        connections = list(self.connections)
        if connections:
            log.info("closing %d websockets: %s", len(connections), reason)
            await asyncio.wait([asyncio.ensure_future(c.close(code, reason)) for c in connections], timeout=timeout)

    # -- the stream ----------------------------------------------------------------------

    async def _tail(self, user_id: str) -> str:
        last = await self.realtime.redis.client.xrevrange(self.realtime.stream_key(user_id), "+", "-", count=1)
        return last[0][0].decode() if last else "0-0"

    async def _resume_point(self, user_id: str, resume: str, tail: str) -> str:
        try:
            wanted = parse_position(resume)
        except ValueError:
            raise Invalid.fields("auth frame", {"resume": "Not a stream position."},
                                 message="resume must be a position from an earlier event or ready frame") from None
        if wanted > parse_position(tail):
            raise ResumeTooOld  # from a stream that no longer exists (or never did)
        if wanted < parse_position(tail):
            info = await self.realtime.redis.client.xinfo_stream(self.realtime.stream_key(user_id))
            trimmed = info["entries-added"] > info["length"]
            # The entry just before the first one kept is unknown: only a client that saw the
            # first kept entry (or anything later) is sure to have missed nothing trimmed. A
            # stream never trimmed still holds every position it handed out, so one before its
            # first entry is from a stream that expired since (its last events are gone) or made
            # up; only "0-0", where an empty stream starts, comes before them all.
            if wanted < parse_position(info["first-entry"][0]) and (trimmed or wanted > (0, 0)):
                raise ResumeTooOld
        return resume

    # -- pub/sub -------------------------------------------------------------------------

    async def _subscribe(self, channel: str, target: tuple[str, str]) -> None:
        """Subscribe and wait until Redis has done so (a PING behind it has come back)."""
        self._channels[channel.encode()] = target
        await self._pubsub.subscribe(channel)
        await self._barrier()

    async def _unsubscribe(self, channel: str) -> None:
        self._channels.pop(channel.encode(), None)
        with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
            await self._pubsub.unsubscribe(channel)

    async def _barrier(self) -> None:
        token = uuid.uuid4().hex.encode()
        pong = self._pongs[token] = asyncio.get_running_loop().create_future()
        try:
            await self._pubsub.ping(token)
            async with asyncio.timeout(10):
                await pong
        finally:
            self._pongs.pop(token, None)

    async def _listen(self) -> None:
        while not self._stopping:
            try:
                message = await self._pubsub.get_message(timeout=LISTEN_POLL_S)
            except (RedisConnectionError, RedisTimeoutError, OSError) as error:
                log.warning("realtime pub/sub connection lost (%s); reconnecting", error)
                await asyncio.sleep(RECONNECT_DELAY_S)
                continue
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict) -> None:
        kind = message["type"]
        if kind == "pong":
            pong = self._pongs.get(message["data"])
            if pong is not None and not pong.done():
                pong.set_result(None)
            return
        if kind != "message":
            return
        target = self._channels.get(message["channel"])
        if target is None:
            if message["channel"] == self.realtime.control_channel.encode():
                self._control(orjson.loads(message["data"]))
            return
        what, name = target
        if what == "u":
            position, _, payload = message["data"].decode().partition("\n")
            frame = event_frame(position, payload)
            parsed = parse_position(position)
            for connection in tuple(self._users.get(name, ())):
                connection.deliver(parsed, position, frame)
        else:
            skip_user, _, frame = message["data"].decode().partition("\n")
            for connection in tuple(self._topics.get(name, ())):
                if connection.user_id != skip_user:
                    connection.push(frame)

    def _control(self, command: dict) -> None:
        revoked = set(command.get("revoked", ()))
        ended = command.get("end_device")
        if ended is not None:  # realtime.end_device_session: its last frame, then the close
            for connection in tuple(self._topics.get(ended["topic"], ())):
                if connection.device is not None and connection.device.topic == ended["topic"]:
                    connection.push(ended["frame"])
                    connection.abort(ended["code"], ended["reason"], flush=True)
        for connection in tuple(self.connections):
            if connection.session_id in revoked:
                connection.abort(Close.SESSION_REVOKED, "session revoked")

    async def _reconnected(self, _connection) -> None:
        """redis-py re-subscribed after a lost connection: catch every connection up."""
        if self._listener is None:
            return
        for connection in self.connections:
            connection.hold()
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(), name="ws-hub-recovery")

    async def _recover(self) -> None:
        while not self._stopping:
            try:
                await self._barrier()
                for connection in tuple(self.connections):
                    if connection.replaying:
                        await self.catch_up(connection)
                return
            except (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError) as error:
                log.warning("realtime catch-up failed (%s); retrying", error)
                await asyncio.sleep(RECONNECT_DELAY_S)
