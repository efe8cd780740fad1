"""The messages area's REST routes: conversations, groups and messages."""
from . import conversations, groups, messages

ROUTES = (conversations.routes, groups.routes, messages.routes)
