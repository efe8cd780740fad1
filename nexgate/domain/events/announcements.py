"""Telling an event's ticket holders that it changed (docs/events.md, "Notifications"), for the
``events_notices`` consumer group: an ``events.event.changed`` that names the schedule, the place
or the streaming link becomes ``events.event_change.announced`` naming the holders of a valid
ticket (the organizer left out), at most ``RECIPIENTS_PER_EVENT`` an event, written in the
delivery's own transaction for the notification service. A change of anything else (a title, a
ticket type) tells no one."""
from __future__ import annotations

import uuid

from ... import bus
from ...bus import Event
from . import events_repository as repository
from .drafts import NOTIFIED_CHANGES
from .events import EVENT_CHANGE_ANNOUNCED, EVENT_CHANGED

RECIPIENTS_PER_EVENT = 500


async def tell_holders(conn, event: Event) -> None:
    if event.type != EVENT_CHANGED:
        return
    payload = event.payload
    told = [name for name in payload["fields"] if name in NOTIFIED_CHANGES]
    if not told:
        return
    organizer_id = uuid.UUID(payload["organizer_id"])
    holders = [holder for holder in await repository.valid_ticket_holders(conn, uuid.UUID(payload["event_id"]))
               if holder != organizer_id]
    for start in range(0, len(holders), RECIPIENTS_PER_EVENT):
        chunk = holders[start:start + RECIPIENTS_PER_EVENT]
        await bus.emit(conn, EVENT_CHANGE_ANNOUNCED, {
            "event_id": payload["event_id"], "organizer_id": payload["organizer_id"], "title": payload["title"],
            "fields": told, "recipient_ids": [str(holder) for holder in chunk]})
