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
from redis.exceptions import NoScriptError

from .config import Config
from .redis import Redis

# Appends the event, keeps the stream capped and alive, and announces "<position>\n<payload>".
# With a dedupe key (the caller's event id), a repeated publish returns the first position.
_PUBLISH = """
if KEYS[3] then
    local seen = redis.call('GET', KEYS[3])
    if seen then return seen end
end
local position = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'p', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], position .. '\\n' .. ARGV[2])
if KEYS[3] then redis.call('SET', KEYS[3], position, 'EX', ARGV[4]) end
return position
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
        self._publish = redis.client.register_script(_PUBLISH)
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
        keys = self._keys(user_id)
        if event_id is not None:
            keys.append(self.redis.key("rt", "published", str(event_id)))
        position = await self._publish(keys=keys, args=self._args(event, data, event_id))
        return position.decode()

    async def publish_to_users(
        self, user_ids: Iterable[uuid.UUID], event: str, data: Mapping[str, Any], *, event_id: uuid.UUID | None = None
    ) -> None:
        """The same event to several users (a group conversation), in one round trip. With
        ``event_id``, publishing it again within an hour reaches each user once."""
        args = self._args(event, data, event_id)
        calls = []
        for user_id in user_ids:
            keys = self._keys(user_id)
            if event_id is not None:
                keys.append(self.redis.key("rt", "published", str(event_id), str(user_id)))
            calls.append([len(keys), *keys, *args])
        if not calls:
            return
        try:
            await self._publish_pipelined(calls)
        except NoScriptError:  # the server lost its scripts (restart, SCRIPT FLUSH): nothing ran
            await self.redis.client.script_load(_PUBLISH)
            await self._publish_pipelined(calls)

    async def _publish_pipelined(self, calls: list[list]) -> None:
        # EVALSHA by hand: a pipeline running a registered Script first asks SCRIPT EXISTS, a
        # round trip of its own on every publish.
        async with self.redis.client.pipeline(transaction=False) as pipe:
            for call in calls:
                pipe.evalsha(self._publish.sha, *call)
            await pipe.execute()

    def _keys(self, user_id: uuid.UUID) -> list[str]:
        return [self.stream_key(user_id), self.user_channel(user_id)]

    def _args(self, event: str, data: Mapping[str, Any], event_id: uuid.UUID | None) -> list:
        # default=str: asyncpg's own UUID type, which orjson does not know, as its text.
        payload = orjson.dumps({"event": event, "id": str(event_id or uuid.uuid4()), "data": data}, default=str).decode()
        return [self.stream_length, payload, self.stream_ttl_s, DEDUPE_TTL_S]

    async def publish_to_topic(self, topic: str, event: str, data: Mapping[str, Any]) -> int:
        """Deliver ``event`` to whoever is subscribed to ``topic`` right now; the processes reached."""
        return await self.redis.client.publish(self.topic_channel(topic), topic_frame(topic, event, data))

    async def sessions_revoked(self, session_ids: Iterable[uuid.UUID]) -> None:
        """Close the WebSockets of revoked sessions on every server process."""
        session_ids = [str(session_id) for session_id in session_ids]
        if session_ids:
            await self.redis.client.publish(self.control_channel, orjson.dumps({"revoked": session_ids}))
