"""The messages area's manifest: conversations, groups and messages over REST, the same over
``/ws``, and a conversation's topic (typing)."""
from ...area import Area
from ...domain.messages import notices
from . import conversations, groups, messages, ws

AREA = Area(
    "messages",
    routes=(conversations.routes, groups.routes, messages.routes),
    commands=ws.COMMANDS,
    topics=ws.TOPICS,
    notification_types=notices.TYPES,
)
