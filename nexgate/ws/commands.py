"""The gateway's own commands of ``/ws`` (an area's are in its manifest, ``nexgate/area.py``)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from ..domain.auth import sessions
from ..errors import Forbidden
from .connection import Connection
from .protocol import Command

if TYPE_CHECKING:
    from .gateway import Gateway


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


async def renew(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """On an open connection: a fresh access token of the same session keeps it open."""
    caller = await sessions.authenticate(gateway.platform, frame["token"], connection.ip)
    if caller.session_id != connection.caller.session_id:
        raise Forbidden("The token belongs to another session; open a new connection for it", code="session_mismatch")
    connection.caller = caller
    connection.expire_at(caller.expires_at)
    return {"expires_at": int(caller.expires_at)}


async def ping(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    return {"time": time.time()}


async def subscribe(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    topic = frame["topic"]
    if topic not in connection.topics:
        await gateway.topics.authorize(gateway.platform, connection.caller, topic)
        await gateway.hub.join_topic(connection, topic)
    return {"topic": topic}


async def unsubscribe(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    await gateway.hub.leave_topic(connection, frame["topic"])
    return {"topic": frame["topic"]}


AUTH = Command("auth", AuthFields(), renew)
COMMANDS = (
    AUTH,
    Command("ping", NoFields(), ping),
    Command("subscribe", TopicFields(), subscribe),
    Command("unsubscribe", TopicFields(), unsubscribe),
)
