"""Reminders of an event's day (docs/events.md, "Notifications"): when a reminder job fires
(``events.reminder_time.reached``: 24 hours before the day starts, 1 hour before, and at its
start), the holders of valid tickets admitting to that day are told, in batches of
``HOLDERS_PER_NOTICE`` (``events.holders.reminded``, which the notification service turns into
``event_reminder_24h``, ``event_reminder_1h`` or ``event_starting_soon`` for each holder).

A job is checked against the event as it is when it fires: only a published event's existing
day, and only while the reminder still makes sense: not early (a day moved later whose old job
was firing) and not late (``_until``: a 24-hour reminder fired after the 1-hour one's time says
nothing); a stale job tells nobody.
"""
from __future__ import annotations

import datetime
import uuid

from ... import bus
from . import after_repository as repository
from .events import HOLDERS_REMINDED
from .timeline import REMINDERS

HOLDERS_PER_NOTICE = 500
EARLY = datetime.timedelta(minutes=1)  # a job firing sooner than this before its time is stale
_FIRST = uuid.UUID(int=0)


def _until(day, before: str) -> datetime.datetime:
    """Until when a reminder still makes sense: "tomorrow" until the hour before, "in an hour"
    until the start, "starting now" until the day ends."""
    return {"24h": day["starts_at"] - REMINDERS["1h"], "1h": day["starts_at"], "starting": day["ends_at"]}[before]


async def remind_when_due(conn, event_id: uuid.UUID, day_id: uuid.UUID, before: str) -> int:
    """Tell the day's ticket holders; how many were told (0 for a stale job)."""
    if before not in REMINDERS:
        return 0
    event = await repository.event_row(conn, event_id)
    day = await repository.event_day(conn, event_id, day_id)
    if event is None or day is None or event["state"] != "published":
        return 0
    now = await repository.now(conn)
    due = day["starts_at"] - REMINDERS[before]
    if now < due - EARLY or now >= _until(day, before):
        return 0
    told, after = 0, _FIRST
    while True:
        holders = await repository.holders_of_day(conn, event_id, day_id, after, HOLDERS_PER_NOTICE)
        if not holders:
            return told
        await bus.emit(conn, HOLDERS_REMINDED, {
            "event_id": str(event_id), "organizer_id": str(event["organizer_id"]), "day_id": str(day_id),
            "title": event["title"], "before": before, "starts_at": day["starts_at"].isoformat(),
            "holder_ids": [str(holder) for holder in holders]})
        told += len(holders)
        after = holders[-1]
