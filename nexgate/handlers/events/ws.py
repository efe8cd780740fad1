"""The events area's topic kind: an event's live availability and page, ``event:<id>``."""
from __future__ import annotations

from ...domain.auth.caller import Caller
from ...domain.events import access
from ...platform import Platform
from ...ws.topics import TopicKind, topic_uuid


async def may_follow_event(platform: Platform, caller: Caller, ident: str) -> None:
    """Whoever may see the event's page (404 ``event_not_found`` otherwise)."""
    await access.require_visible(platform, caller, topic_uuid(ident, "event", "event"))


TOPICS = (TopicKind("event", may_follow_event),)
