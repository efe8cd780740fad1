"""Live delivery to devices: the one interface the rest of the code publishes through.

Each user has a capped Redis Stream of events; its entry ids are the *positions* clients
resume from. Publishing appends to the stream and announces the entry on the user's
pub/sub channel in one Lua script, so every server process that holds a device of the
user hears of it in stream order (docs/websocket.md). Topics (a post's counters, typing,
presence) are ephemeral: pub/sub only, never stored.

Only this module and the gateway (``nexgate/ws``) know these Redis keys.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from .config import Config
from .redis import Redis

# For each user (KEYS in groups of ARGV[5]: stream, channel and, with an event id, a dedupe
# key): append the event, keep the stream capped and alive, and announce
# "<position>\n<payload>"; the positions. With a dedupe key, a repeated publish gives the
# first position and appends nothing. One script for any number of users: one round trip.
_PUBLISH = """
local per = tonumber(ARGV[5])
local positions = {}
for i = 1, #KEYS, per do
    local position = per == 3 and redis.call('GET', KEYS[i + 2])
    if not position then
        position = redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[2])
        redis.call('EXPIRE', KEYS[i], ARGV[3])
        redis.call('PUBLISH', KEYS[i + 1], position .. '\\n' .. ARGV[2])
        if per == 3 then redis.call('SET', KEYS[i + 2], position, 'EX', ARGV[4]) end
    end
    positions[#positions + 1] = position
end
return positions
"""
DEDUPE_TTL_S = 3600


def parse_position(text: str | bytes) -> tuple[int, int]:
    """A stream position ``"<ms>-<seq>"`` as a comparable pair; ValueError if malformed."""
    if isinstance(text, bytes):
        text = text.decode()
    ms, _, seq = text.partition("-")
    if not ms.isdigit() or not seq.isdigit():
        raise ValueError(f"{text!r} is not a stream position")
    return int(ms), int(seq)


def event_frame(position: str, payload: str) -> str:
    """The server frame for a stored event, built without decoding its payload again."""
    return f'{{"type":"event","position":"{position}",{payload[1:]}'


def topic_frame(topic: str, event: str, data: Mapping[str, Any]) -> str:
    return orjson.dumps({"type": "topic", "topic": topic, "event": event, "data": data}).decode()


class Realtime:
    """``publish_to_user`` (stored, resumable) and ``publish_to_topic`` (ephemeral)."""

    def __init__(self, redis: Redis, config: Config):
        self.redis = redis
        self.stream_length = config.realtime_stream_length
        self.stream_ttl_s = config.realtime_stream_ttl_s
        self._publish = redis.script(_PUBLISH)
        self.control_channel = redis.key("rt", "control")

    def stream_key(self, user_id: uuid.UUID | str) -> str:
        return self.redis.key("rt", "stream", str(user_id))

    def user_channel(self, user_id: uuid.UUID | str) -> str:
        return self.redis.key("rt", "u", str(user_id))

    def topic_channel(self, topic: str) -> str:
        return self.redis.key("rt", "t", topic)

    async def publish_to_user(
        self, user_id: uuid.UUID, event: str, data: Mapping[str, Any], *, event_id: uuid.UUID | None = None
    ) -> str:
        """Deliver ``event`` to every device of the user, now or when it resumes; its position.

        Pass the originating event's id when a retry may publish it again (bus consumers): the
        same id within an hour is appended once.
        """
        [position] = await self._publish_to((user_id,), event, data, event_id)
        return position

    async def publish_to_users(
        self, user_ids: Iterable[uuid.UUID], event: str, data: Mapping[str, Any], *, event_id: uuid.UUID | None = None
    ) -> None:
        """The same event to several users (a group conversation), in one round trip. With
        ``event_id``, publishing it again within an hour reaches each user once."""
        await self._publish_to(tuple(user_ids), event, data, event_id)

    async def _publish_to(self, user_ids: tuple[uuid.UUID, ...], event: str, data: Mapping[str, Any],
                          event_id: uuid.UUID | None) -> list[str]:
        if not user_ids:
            return []
        keys = []
        for user_id in user_ids:
            keys += (self.stream_key(user_id), self.user_channel(user_id))
            if event_id is not None:
                keys.append(self.redis.key("rt", "published", str(event_id), str(user_id)))
        # default=str: asyncpg's own UUID type, which orjson does not know, as its text.
        payload = orjson.dumps({"event": event, "id": str(event_id or uuid.uuid4()), "data": data}, default=str).decode()
        positions = await self._publish(keys=keys, args=[
            self.stream_length, payload, self.stream_ttl_s, DEDUPE_TTL_S, 2 if event_id is None else 3])
        return [position.decode() for position in positions]

    async def publish_to_topic(self, topic: str, event: str, data: Mapping[str, Any],
                               *, skip_user: uuid.UUID | None = None) -> int:
        """Deliver ``event`` to whoever is subscribed to ``topic`` right now, except the devices of
        ``skip_user`` (a typer does not hear their own typing); the processes reached. The channel
        carries ``skip_user`` (or nothing), a newline, then the frame."""
        message = f"{skip_user or ''}\n{topic_frame(topic, event, data)}"
        return await self.redis.client.publish(self.topic_channel(topic), message)

    async def end_device_session(self, topic: str, event: str, data: Mapping[str, Any], *, code: int = 4003,
                                 reason: str = "device session ended") -> None:
        """Tell the device whose own topic is ``topic`` (a kiosk, nexgate/ws/devices.py) ``event``,
        then close its socket with ``code``, on whichever server process holds it."""
        await self.redis.client.publish(self.control_channel, orjson.dumps(
            {"end_device": {"topic": topic, "frame": topic_frame(topic, event, data), "code": code,
                            "reason": reason}}, default=str))

    async def sessions_revoked(self, session_ids: Iterable[uuid.UUID]) -> None:
        """Close the WebSockets of revoked sessions on every server process."""
        session_ids = [str(session_id) for session_id in session_ids]
        if session_ids:
            await self.redis.client.publish(self.control_channel, orjson.dumps({"revoked": session_ids}))
