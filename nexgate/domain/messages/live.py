"""What the messages area pushes to devices (docs/websocket.md, "Direct messages"): events on
each member's stream, and typing on the conversation's topic. Always after the change committed.

An event that carries a message carries its view (``views.message_view``), the dict REST
answers and the ``message.send`` ack carries."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ...platform import Platform
from .events import MESSAGE_CREATED
from .repository import Member

# Pushed live only (the bus events of events.py are pushed under their own names too):
MESSAGE_UPDATED = "messages.message.updated"
MESSAGE_DELETED = "messages.message.deleted"
REACTION_REMOVED = "messages.reaction.removed"
CONVERSATION_READ = "messages.conversation.read"
CONVERSATION_DELIVERED = "messages.conversation.delivered"
CONVERSATION_UPDATED = "messages.conversation.updated"
TYPING_CHANGED = "messages.typing.changed"


def topic(conversation_id: uuid.UUID | str) -> str:
    return f"conversation:{conversation_id}"


async def message_created(platform: Platform, members: Iterable[Member], view: dict[str, Any]) -> None:
    """The new message to every device of every member, the sender's included. The event id is
    the message id, so publishing it again (a retried send) delivers it once. Members who muted
    the conversation get it with ``"muted": true``: shown, but no alert."""
    muted = [m.user_id for m in members if m.muted and m.user_id != view["sender_id"]]
    loud = [m.user_id for m in members if m.user_id not in muted]
    for user_ids, flag in ((loud, False), (muted, True)):
        if user_ids:
            await platform.realtime.publish_to_users(
                user_ids, MESSAGE_CREATED, {"message": view, "muted": flag}, event_id=view["id"])


async def message_updated(platform: Platform, members: Iterable[Member], view: dict[str, Any]) -> None:
    """The edited message, as the edit's answer shows it, to every device of every member."""
    await to_members(platform, members, MESSAGE_UPDATED, {"message": view})


async def to_members(platform: Platform, members: Iterable[Member | uuid.UUID], event: str, data: dict[str, Any],
                     *, exclude: uuid.UUID | None = None) -> None:
    user_ids = [m if isinstance(m, uuid.UUID) else m.user_id for m in members]
    user_ids = [user_id for user_id in user_ids if user_id != exclude]
    if user_ids:
        await platform.realtime.publish_to_users(user_ids, event, data)


async def typing(platform: Platform, conversation_id: uuid.UUID, user_id: uuid.UUID, active: bool) -> None:
    await platform.realtime.publish_to_topic(
        topic(conversation_id), TYPING_CHANGED,
        {"conversation_id": str(conversation_id), "user_id": str(user_id), "typing": active}, skip_user=user_id)
