"""The organizer's live check-in dashboard (docs/events.md, "The check-in dashboard").

One view, told two ways: ``snapshot`` (REST) gives the admitted count per day and gate, the
latest admissions and the latest conflicts; the topic ``event:<id>:checkins`` (the organizer
and the event's active managers) carries each admission and each conflict as it is recorded,
with the counts as they stand then, published from the outbox by the ``events_checkins``
worker (``tell_admitted``, ``tell_conflicted``), never by the request's code after its commit.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from ...bus import Event
from ...platform import Platform
from ..auth.caller import Caller
from . import access
from . import door_repository as repository
from .views import admission_view, conflict_view, counts_view
from .events import CHECKIN_CONFLICTED, TICKET_ADMITTED

LATEST = 20
VIEWERS = ("manager",)  # staff who see the dashboard, beside the organizer


def topic(event_id: uuid.UUID | str) -> str:
    return f"event:{event_id}:checkins"


async def may_watch(platform: Platform, caller: Caller, event_id: uuid.UUID) -> None:
    """The organizer and the event's active managers (403 ``not_event_staff``; 404 to those who
    may not see the event)."""
    async with platform.core.connection() as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=VIEWERS)


async def snapshot(platform: Platform, caller: Caller, event_id: uuid.UUID) -> dict[str, Any]:
    """The dashboard as it stands: what the topic's frames then keep up to date."""
    async with platform.core.connection() as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=VIEWERS)
        counts = await repository.checkin_counts(conn, event_id)
        latest = await repository.latest_checkins(conn, event_id, LATEST)
        conflicts = await repository.conflicts(conn, event_id, LATEST)
    return {"event_id": str(event_id), "counts": counts_view(counts),
            "latest": [admission_view(row) for row in latest], "conflicts": [conflict_view(row) for row in conflicts]}


async def conflicts(platform: Platform, caller: Caller, event_id: uuid.UUID, *, limit: int,
                    before: datetime.datetime | None) -> list[dict[str, Any]]:
    """The event's conflicts, newest first (``before``: older than an upload time, to page on)."""
    async with platform.core.connection() as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=VIEWERS)
        return [conflict_view(row) for row in await repository.conflicts(conn, event_id, limit, before)]


async def tell_admitted(platform: Platform, conn, event: Event) -> None:
    """An admission on the dashboard's topic, with the counts as they stand now."""
    payload = event.payload
    row = await repository.checkin(conn, uuid.UUID(payload["ticket_id"]), uuid.UUID(payload["day_id"]))
    if row is None:
        return
    counts = await repository.checkin_counts(conn, row["event_id"])
    await platform.realtime.publish_to_topic(topic(row["event_id"]), TICKET_ADMITTED,
                                             {"admission": admission_view(row), "counts": counts_view(counts)})


async def tell_conflicted(platform: Platform, conn, event: Event) -> None:
    payload = event.payload
    rows = await repository.conflicts(conn, uuid.UUID(payload["event_id"]), LATEST)
    found = next((row for row in rows if str(row["ticket_id"]) == payload["ticket_id"]
                  and str(row["day_id"]) == payload["day_id"] and str(row["scanner_id"]) == payload["scanner_id"]),
                 None)
    if found is not None:
        await platform.realtime.publish_to_topic(topic(payload["event_id"]), CHECKIN_CONFLICTED,
                                                 {"conflict": conflict_view(found)})
