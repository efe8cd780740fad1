"""The gateway's own commands of ``/ws`` (an area's are in its manifest, ``nexgate/area.py``)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain.auth import sessions
from ..errors import Forbidden
from .connection import Connection
from .protocol import Command

if TYPE_CHECKING:
    from .gateway import Gateway


class DeviceFields(Schema):
    name = fields.String(validate=validate.Length(1, 60), load_default=None)
    # A device with a session of its own (a kiosk: ws/devices.py) sends its kind and secret instead of a token.
    kind = fields.String(validate=validate.Length(1, 30), load_default=None)
    secret = fields.String(validate=validate.Length(1, 200), load_default=None)

    @validates_schema
    def _kind_with_secret(self, data, **kwargs):
        if (data.get("kind") is None) != (data.get("secret") is None):
            raise ValidationError("A device's kind and secret come together", "secret" if data.get("kind") else "kind")


class AuthFields(Schema):
    token = fields.String(validate=validate.Length(1, 4096), load_default=None)
    device = fields.Nested(DeviceFields, load_default=None)
    resume = fields.String(validate=validate.Length(3, 50), load_default=None)

    @validates_schema
    def _token_or_device(self, data, **kwargs):
        secret = (data.get("device") or {}).get("secret")
        if (data.get("token") is None) == (secret is None):
            raise ValidationError("Send an access token, or a device's kind and secret (not both)", "token")


class NoFields(Schema):
    pass


class TopicFields(Schema):
    topic = fields.String(required=True, validate=validate.Length(3, 200))


async def renew(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """On an open connection: a fresh access token of the same session keeps it open."""
    if frame["token"] is None or connection.caller is None:
        raise Forbidden("Only a user's connection renews its token", code="not_allowed_for_device")
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
