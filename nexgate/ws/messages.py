"""The direct-message commands of ``/ws``: the same domain functions as the REST routes."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from ..domain.messages import conversations, sending
from ..handlers.messages.schemas import MessageSendFrameSchema
from .connection import Connection
from .protocol import command

if TYPE_CHECKING:
    from .gateway import Gateway


class PositionFields(Schema):
    conversation_id = fields.UUID(required=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=0))


class ReadFields(Schema):
    conversation_id = fields.UUID(required=True)
    seq = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class TypingFields(Schema):
    conversation_id = fields.UUID(required=True)
    typing = fields.Boolean(load_default=True)


@command("message.send", MessageSendFrameSchema)
async def send(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a message; the ack carries the stored message (``duplicate``: the client id was
    already used, and this is the message it sent)."""
    conversation_id = frame.pop("conversation_id")
    sent = await sending.send(gateway.platform, connection.caller, conversation_id, **frame)
    return {"message": sent.message, "duplicate": not sent.created}  # the REST shape, serialised by the frame


@command("message.delivered", PositionFields)
async def delivered(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """This device received the conversation's messages up to ``seq``."""
    seq = await conversations.mark_delivered(gateway.platform, connection.caller, frame["conversation_id"], frame["seq"])
    return {"seq": seq}


@command("message.read", ReadFields)
async def read(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    seq = await conversations.mark_read(gateway.platform, connection.caller, frame["conversation_id"], frame["seq"])
    return {"seq": seq}


@command("typing", TypingFields)
async def typing(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    await conversations.typing(gateway.platform, connection.caller, frame["conversation_id"], frame["typing"])
    return {}
