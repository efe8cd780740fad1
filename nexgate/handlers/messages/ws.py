"""The messages area's WebSocket commands and topic kind: the same domain functions as its REST routes."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from ...domain.auth.caller import Caller
from ...domain.messages import conversations, sending
from ...platform import Platform
from ...ws.connection import Connection
from ...ws.protocol import Command
from ...ws.topics import TopicKind, topic_uuid
from .schemas import MessageSendFrameSchema

if TYPE_CHECKING:
    from ...ws.gateway import Gateway


class PositionFields(Schema):
    conversation_id = fields.UUID(required=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=0))


class ReadFields(Schema):
    conversation_id = fields.UUID(required=True)
    seq = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class TypingFields(Schema):
    conversation_id = fields.UUID(required=True)
    typing = fields.Boolean(load_default=True)


async def send(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a message; the ack carries the stored message (``duplicate``: the client id was
    already used, and this is the message it sent)."""
    conversation_id = frame.pop("conversation_id")
    sent = await sending.send(gateway.platform, connection.caller, conversation_id, **frame)
    return {"message": sent.message, "duplicate": not sent.created}  # the view REST answers and the live event carries


async def delivered(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """This device received the conversation's messages up to ``seq``."""
    seq = await conversations.mark_delivered(gateway.platform, connection.caller, frame["conversation_id"], frame["seq"])
    return {"seq": seq}


async def read(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    seq = await conversations.mark_read(gateway.platform, connection.caller, frame["conversation_id"], frame["seq"])
    return {"seq": seq}


async def typing(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    await conversations.typing(gateway.platform, connection.caller, frame["conversation_id"], frame["typing"])
    return {}


async def may_follow_conversation(platform: Platform, caller: Caller, ident: str) -> None:
    """A conversation's typing indicators: its current members only."""
    await conversations.require_active_member(platform, caller, topic_uuid(ident, "conversation", "conversation"))


COMMANDS = (
    Command("message.send", MessageSendFrameSchema(), send),
    Command("message.delivered", PositionFields(), delivered),
    Command("message.read", ReadFields(), read),
    Command("typing", TypingFields(), typing),
)
TOPICS = (TopicKind("conversation", may_follow_conversation),)
