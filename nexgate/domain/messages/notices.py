"""The messages area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): a reaction to your message, grouped per message."""
from __future__ import annotations

from ..notifications.registry import Grouping, notification_type
from .events import REACTION_ADDED

REACTION = notification_type(
    "message_reaction", sources=(REACTION_ADDED,), category="messages", recipient="sender_id", actor="user_id",
    about=("message", "message_id"), params=("emoji",), link="nexgate://conversations/{conversation_id}",
    grouping=Grouping(on="message_id"),
    in_app={"en": "{actor_name} reacted {emoji} to your message", "sw": "{actor_name} ameitikia ujumbe wako kwa {emoji}"},
    in_app_many={"sw": "{actor_name} wameitikia ujumbe wako kwa {emoji}"})

TYPES = (REACTION,)
