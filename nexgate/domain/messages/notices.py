"""The messages area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): a new message, or one about a product, told to each member who did not
mute the conversation (the event lists them) and grouped per conversation; a reaction to your
message, grouped per message. A new message is pushed only to a recipient with no device
connected (``push_when_offline``): one who is online sees it arrive live."""
from __future__ import annotations

from ..notifications.registry import Each, Grouping, notification_type
from .events import MESSAGE_CREATED, REACTION_ADDED

REACTION = notification_type(
    "message_reaction", sources=(REACTION_ADDED,), category="messages", recipient="sender_id", actor="user_id",
    about=("message", "message_id"), params=("emoji",), link="nexgate://conversations/{conversation_id}",
    grouping=Grouping(on="message_id"),
    in_app={"en": "{actor_name} reacted {emoji} to your message", "sw": "{actor_name} ameitikia ujumbe wako kwa {emoji}"},
    in_app_many={"sw": "{actor_name} wameitikia ujumbe wako kwa {emoji}"})

_TO_EACH_RECIPIENT = {"recipient": "recipient_id", "each": Each("recipient_ids", as_field="recipient_id"),
                      "actor": "sender_id", "category": "messages", "push_when_offline": True,
                      "about": ("conversation", "conversation_id"), "grouping": Grouping(on="conversation_id"),
                      "link": "nexgate://conversations/{conversation_id}"}

NEW_MESSAGE = notification_type(
    "new_message", sources=(MESSAGE_CREATED,), when={"type": ("text", "media")}, **_TO_EACH_RECIPIENT,
    in_app={"en": "New message from {actor_name}", "sw": "Ujumbe mpya kutoka kwa {actor_name}"},
    in_app_many={"en": "New messages from {actor_name}", "sw": "Jumbe mpya kutoka kwa {actor_name}"})

PRODUCT_MESSAGE = notification_type(
    "product_message", sources=(MESSAGE_CREATED,), when={"type": "product"}, params=("product_name",),
    **_TO_EACH_RECIPIENT,
    in_app={"en": "{actor_name} messaged you about {product_name}",
            "sw": "{actor_name} amekutumia ujumbe kuhusu {product_name}"},
    in_app_many={"sw": "{actor_name} wamekutumia ujumbe kuhusu {product_name}"})

TYPES = (NEW_MESSAGE, PRODUCT_MESSAGE, REACTION)
