"""The users area's WebSocket command and topic kind: presence, under the users area's visibility rule."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from ...domain.auth.caller import Caller
from ...domain.users import visibility
from ...errors import Forbidden
from ...platform import Platform
from ...ws.connection import Connection
from ...ws.protocol import Command
from ...ws.topics import TopicKind, topic_uuid

if TYPE_CHECKING:
    from ...ws.gateway import Gateway

MAX_PRESENCE_QUERY = 100


class PresenceQueryFields(Schema):
    user_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(1, MAX_PRESENCE_QUERY))


async def presence_query(gateway: Gateway, connection: Connection, frame: dict[str, Any]) -> dict[str, Any]:
    """Online state and last seen of the users among ``user_ids`` whose presence the caller may see."""
    viewer = connection.caller.user_id
    visible = [str(u) for u in dict.fromkeys(frame["user_ids"])
               if await visibility.can_see_presence(gateway.platform, viewer, u)]
    states = await gateway.presence.states(visible) if visible else {}
    return {"users": list(states.values())}


async def may_see_presence(platform: Platform, caller: Caller, ident: str) -> None:
    user_id = topic_uuid(ident, "presence", "user")
    if not await visibility.can_see_presence(platform, caller.user_id, user_id):
        raise Forbidden("This user's presence is not visible to you", code="presence_not_visible",
                        details={"user_id": ident})


COMMANDS = (Command("presence.query", PresenceQueryFields(), presence_query),)
TOPICS = (TopicKind("presence", may_see_presence),)
