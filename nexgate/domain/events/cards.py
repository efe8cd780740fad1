"""Event cards for other areas (a post's embeds, docs/social.md "Embeds"): checking that a user
may embed events, and their cards for a viewer, in batch (a fixed number of queries whatever the
count). A card is shown for every event that exists, in its state now (a cancelled event's says
``cancelled``); one the viewer may no longer see (unpublished, or of an organizer blocked either
way) says ``unavailable`` and shows nothing else. Its live changes come on ``event:<id>``."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ...platform import Platform
from ..users import visibility
from . import events_repository as repository
from . import pages
from .access import PUBLIC_STATES
from .views import event_embed_card


async def unembeddable(conn, author_id: uuid.UUID, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The events of these the author may not embed in a post: no such event, not published
    (a draft, unpublished, cancelled or completed), or of an organizer blocked either way."""
    events = await repository.events_by_ids(conn, list(event_ids))
    hidden = set(await visibility.blocked_either_way(conn, author_id))
    return {i for i in event_ids if i not in events or events[i].state != "published"
            or events[i].organizer_id in hidden}


async def embed_cards(platform: Platform, conn, viewer_id: uuid.UUID | None,
                      event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The cards of these events as the viewer sees them, by id."""
    if not event_ids:
        return {}
    events = await repository.events_by_ids(conn, list(event_ids))
    hidden = set(await visibility.blocked_either_way(conn, viewer_id))
    shown = [event for event in events.values() if event.state in PUBLIC_STATES and event.organizer_id not in hidden]
    found = {card.event.id: card for card in await pages.cards(platform, conn, shown)} if shown else {}
    types = await repository.ticket_types_of_events(conn, [event.id for event in shown]) if shown else {}
    return {event_id: event_embed_card(event_id, found.get(event_id),
                                       [t for t in types.get(event_id, []) if t.visibility == "public"])
            for event_id in events}
