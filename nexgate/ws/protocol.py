"""The wire protocol of ``/ws``: close codes, reply frames and what a command is.

Every client command is a ``Command`` with the marshmallow schema of its fields; the gateway's
own are in ``commands.py``, an area's in its manifest (``nexgate/area.py``). docs/websocket.md
describes the same list and a test keeps the two in step.
"""
from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import marshmallow
import orjson

from .. import validation
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
    """A client frame type, the schema of its fields, and the handler whose reply is the ack's ``data``."""

    name: str
    fields: marshmallow.Schema
    handler: Handler


def registry(commands: Iterable[Command]) -> dict[str, Command]:
    """The commands by name; a name declared twice is refused at start-up."""
    by_name: dict[str, Command] = {}
    for command in commands:
        if command.name in by_name:
            raise RuntimeError(f"WebSocket command {command.name!r} is declared twice")
        by_name[command.name] = command
    return by_name


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
    return validation.load(command_.fields, fields, f"{command_.name} frame")


def ack(frame_id: Any, data: dict[str, Any] | None) -> str:
    return frame(type="ack", id=frame_id, data=data or {})


def error(frame_id: Any, failure: DomainError) -> str:
    return frame(type="error", id=frame_id, **failure.envelope())


def frame(**fields: Any) -> str:
    # Non-string keys: marshmallow names a bad list item by its index.
    return orjson.dumps(fields, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
