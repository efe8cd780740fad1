"""What an event needs before it is public (docs/events.md, "Making an event"): the steps of a
draft, what each still misses, and the whole check ``publish`` makes.

The steps are ``basics`` (title, description, category; a cover is optional), ``schedule`` (the
time zone and at least one day), ``place`` (the format: a venue with its address and
coordinates for ``in_person``, an https streaming link for ``online``) and ``tickets`` (at least
one ticket type, each admitting at least one day, none on sale after the event ends). A step may
be saved half done; the draft answers what is missing, and ``publish`` answers 422 naming every
missing or bad field. A published or unpublished event stays complete: an edit that would leave
a field missing is refused the same way.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .events_repository import Day, Event, TicketType

STEPS = ("basics", "schedule", "place", "tickets")
MISSING = "Missing."


def problems(event: Event, days: Sequence[Day], ticket_types: Sequence[TicketType],
             type_days: Mapping[uuid.UUID, Sequence[tuple[uuid.UUID, int]]], *,
             now: datetime.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Each step's missing or bad fields (``{step: {field: [messages] or nested}}``), empty steps
    left out. ``now`` (at publishing) also refuses a schedule that has begun."""
    found: dict[str, dict[str, Any]] = {step: {} for step in STEPS}
    basics = found["basics"]
    for name in ("title", "description", "category_id"):
        if getattr(event, name) is None:
            basics[name] = [MISSING]
    schedule = found["schedule"]
    if not days:
        schedule["days"] = ["Add at least one day."]
    elif now is not None and days[0].starts_at <= now:
        schedule["days"] = {"0": {"starts_at": ["This day has begun already: an event is published before it starts."]}}
    place = found["place"]
    if event.format is None:
        place["format"] = [MISSING]
    elif event.format == "in_person":
        for name in ("venue_name", "venue_address", "latitude", "longitude"):
            if getattr(event, name) is None:
                place[name] = [MISSING]
    elif event.streaming_url is None:
        place["streaming_url"] = [MISSING]
    tickets = found["tickets"]
    if not ticket_types:
        tickets["ticket_types"] = ["Add at least one ticket type."]
    else:
        ends = {day.id: day.ends_at for day in days}
        bad: dict[str, dict[str, list[str]]] = {}
        for index, ticket_type in enumerate(ticket_types):
            admitted = [day_id for day_id, _ in type_days.get(ticket_type.id, ())]
            if not admitted:
                bad[str(index)] = {"days": ["Name at least one day this ticket admits."]}
            elif ticket_type.sales_end_at is not None and ticket_type.sales_end_at > max(ends[d] for d in admitted):
                bad[str(index)] = {"sales_end_at": ["Sales end after the last day this ticket admits ends."]}
        if bad:
            tickets["ticket_types"] = bad
    return {step: fields for step, fields in found.items() if fields}


def flat(found: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The problems of every step as one body's fields (what ``Invalid.fields`` names)."""
    return {field: messages for fields in found.values() for field, messages in fields.items()}


def progress(event: Event, found: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What a draft's page shows: each step saved or not and what it misses, and whether it may be published."""
    return {
        "steps": [{"name": step, "saved": step in event.steps_done, "missing": sorted(map(str, found.get(step, {})))}
                  for step in STEPS],
        "ready": not found,
        "problems": flat(found),
    }
