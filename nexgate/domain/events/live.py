"""What an event's page watchers are told on its topic, ``event:<id>`` (docs/events.md,
"Ticket types and availability"; docs/websocket.md), for the ``events_live`` consumer group.

Each frame carries the state when it is published, never the event's payload as it was: a frame
that comes late or twice never shows an older availability or page than the last. The topic is
for whoever may see the page, so a frame carries what anyone sees of it: no streaming link, no
hidden ticket type.
"""
from __future__ import annotations

import uuid

from ...bus import Event
from ...platform import Platform
from . import events_repository as repository
from . import pages, views
from .events import AVAILABILITY_CHANGED, EVENT_CHANGED

# the events the events_live group publishes on the event's topic
EVENT_LIVE = ("events.event.published", EVENT_CHANGED, "events.event.unpublished", "events.event.cancelled",
              "events.event.completed")
TOPIC_LIVE = (AVAILABILITY_CHANGED, *EVENT_LIVE)


def event_topic(event_id: uuid.UUID | str) -> str:
    return f"event:{event_id}"


async def tell_event_watchers(platform: Platform, conn, event: Event) -> None:
    payload = event.payload
    event_id = uuid.UUID(payload["event_id"])
    found = await repository.event_by_id(conn, event_id)
    if found is None:
        return
    if event.type == AVAILABILITY_CHANGED:
        ids = [uuid.UUID(i) for i in payload["ticket_type_ids"]]
        types = await repository.ticket_types_by_ids(conn, ids)
        shown = [types[i] for i in ids if i in types and types[i].event_id == event_id
                 and types[i].archived_at is None and types[i].visibility == "public"]
        days = await repository.ticket_type_days(conn, [t.id for t in shown])
        data = {"event_id": str(event_id),
                "ticket_types": [views.json_ready(views.ticket_type(t, days[t.id], found.currency)) for t in shown],
                "gone_ticket_type_ids": [str(i) for i in ids if i not in {t.id for t in shown}]}
    else:
        view = await pages.public_view(platform, conn, event_id)
        data = {"event": views.json_ready(views.event(view))}
        if event.type == EVENT_CHANGED:
            data["fields"] = payload["fields"]
    await platform.realtime.publish_to_topic(event_topic(event_id), event.type, data)
