"""The messages area's events on the bus (docs/bus.md, "Event catalogue"); what it pushes
live is in live.py."""
from __future__ import annotations

from ...bus.catalogue import INTEGER, STRING, UUID, declare, event, list_of, nullable

MESSAGE_CREATED = "messages.message.created"
REACTION_ADDED = "messages.reaction.added"
CONVERSATION_CREATED = "messages.conversation.created"
MEMBER_ADDED = "messages.member.added"
MEMBER_REMOVED = "messages.member.removed"

_MEMBERSHIP = {"conversation_id": UUID, "by": UUID, "user_ids": list_of(UUID)}

EVENTS = declare("messages", [
    event(MESSAGE_CREATED, "a message was sent or forwarded", message_id=UUID, conversation_id=UUID, seq=INTEGER,
          sender_id=UUID, type=STRING, preview=STRING, product_id=nullable(UUID), product_name=nullable(STRING),
          recipient_ids=list_of(UUID)),
    event(REACTION_ADDED, "someone reacted to another member's message", message_id=UUID, conversation_id=UUID,
          user_id=UUID, emoji=STRING, sender_id=UUID),
    event(CONVERSATION_CREATED, "a one-to-one conversation was first started, or a group made", conversation_id=UUID,
          created_by=UUID, member_ids=list_of(UUID)),
    event(MEMBER_ADDED, "members joined a group", **_MEMBERSHIP),
    event(MEMBER_REMOVED, "members left or were removed from a group", **_MEMBERSHIP),
])
