"""The wire protocol of ``/ws``: close codes, reply frames and the command registry.

Every client command is registered once, with the marshmallow schema of its fields
(``@command("subscribe", SubscribeFields)``); docs/websocket.md describes the same list and
a test keeps the two in step.
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import marshmallow
import orjson

from ..errors import DomainError, Invalid

if TYPE_CHECKING:
    from .connection import Connection
    from .gateway import Gateway


class Close(enum.IntEnum):
    """Close codes the server uses (docs/websocket.md, "Close codes")."""

    NORMAL = 1000
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    AUTH_REQUIRED = 4001
    AUTH_FAILED = 4002
    SESSION_REVOKED = 4003
    TOKEN_EXPIRED = 4004
    POLICY_VIOLATION = 4008
    TOO_SLOW = 4009


Handler = Callable[["Gateway", "Connection", dict[str, Any]], Awaitable[dict[str, Any] | None]]


@dataclasses.dataclass(frozen=True)
class Command:
    name: str
    fields: marshmallow.Schema
    handler: Handler


COMMANDS: dict[str, Command] = {}


def command(name: str, fields: type[marshmallow.Schema]) -> Callable[[Handler], Handler]:
    """Register ``handler`` for client frames of type ``name``; its reply is the ack's ``data``."""

    def register(handler: Handler) -> Handler:
        if name in COMMANDS:
            raise RuntimeError(f"WebSocket command {name!r} is registered twice")
        COMMANDS[name] = Command(name, fields(), handler)
        return handler

    return register


def decode_frame(text: str) -> tuple[Any, str, dict[str, Any]]:
    """``(id, type, fields)`` of a client frame, or Invalid naming what is wrong with it."""
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise Invalid(f"The frame is not JSON: {error}", code="invalid_frame") from None
    if not isinstance(frame, dict):
        raise Invalid("A frame must be a JSON object", code="invalid_frame")
    frame_id = frame.pop("id", None)
    if not isinstance(frame_id, (str, int)) or isinstance(frame_id, bool) or frame_id == "":
        raise Invalid("Every request frame needs an \"id\" (a string or an integer)", code="invalid_frame",
                      details={"id": "missing or not a string/integer"})
    frame_type = frame.pop("type", None)
    if not isinstance(frame_type, str):
        raise Invalid("A frame needs a \"type\"", code="invalid_frame", details={"type": "missing"})
    return frame_id, frame_type, frame


def validate(command_: Command, fields: dict[str, Any]) -> dict[str, Any]:
    try:
        return command_.fields.load(fields)
    except marshmallow.ValidationError as error:
        raise Invalid(f"The {command_.name} frame has invalid fields", code="invalid_fields",
                      details=error.normalized_messages()) from None


def ack(frame_id: Any, data: dict[str, Any] | None) -> str:
    return frame(type="ack", id=frame_id, data=data or {})


def error(frame_id: Any, failure: DomainError) -> str:
    return frame(type="error", id=frame_id, **failure.envelope())


def frame(**fields: Any) -> str:
    # Non-string keys: marshmallow names a bad list item by its index.
    return orjson.dumps(fields, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
