"""The client commands of ``/ws``, each registered with the schema of its fields."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from ..domain.auth import sessions
from ..domain.users import visibility
from ..errors import Forbidden
from . import topics
from .connection import Connection
from .protocol import command

if TYPE_CHECKING:
    from .gateway import Gateway

MAX_PRESENCE_QUERY = 100


class DeviceFields(Schema):
    name = fields.String(validate=validate.Length(1, 60), load_default=None)


class AuthFields(Schema):
    token = fields.String(required=True, validate=validate.Length(1, 4096))
    device = fields.Nested(DeviceFields, load_default=None)
    resume = fields.String(validate=validate.Length(3, 50), load_default=None)


class NoFields(Schema):
    pass


class TopicFields(Schema):
    topic = fields.String(required=True, validate=validate.Length(3, 200))


class PresenceQueryFields(Schema):
    user_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(1, MAX_PRESENCE_QUERY))


@command("auth", AuthFields)
async def renew(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """On an open connection: a fresh access token of the same session keeps it open."""
    caller = await sessions.authenticate(gateway.platform, frame["token"], connection.ip)
    if caller.session_id != connection.caller.session_id:
        raise Forbidden("The token belongs to another session; open a new connection for it", code="session_mismatch")
    connection.caller = caller
    connection.expire_at(caller.expires_at)
    return {"expires_at": int(caller.expires_at)}


@command("ping", NoFields)
async def ping(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    return {"time": time.time()}


@command("subscribe", TopicFields)
async def subscribe(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    topic = frame["topic"]
    if topic not in connection.topics:
        await topics.authorize(gateway.platform, connection.caller, topic)
        await gateway.hub.join_topic(connection, topic)
    return {"topic": topic}


@command("unsubscribe", TopicFields)
async def unsubscribe(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    await gateway.hub.leave_topic(connection, frame["topic"])
    return {"topic": frame["topic"]}


@command("presence.query", PresenceQueryFields)
async def presence_query(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """Online state and last seen of the users among ``user_ids`` whose presence the caller may see."""
    viewer = connection.caller.user_id
    visible = [str(u) for u in dict.fromkeys(frame["user_ids"])
               if await visibility.can_see_presence(gateway.platform, viewer, u)]
    states = await gateway.presence.states(visible) if visible else {}
    return {"users": list(states.values())}
