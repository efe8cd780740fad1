"""Making an event and changing it (docs/events.md, "Making an event", "Ticket types and
availability").

A user has at most one draft (``events_one_draft``): asking for a new one answers the one they
have. Its steps (``completeness.STEPS``) are each saved on their own, a step's fields replaced by
what is sent and each checked as it is saved; ``publish`` checks the whole (422
``event_incomplete`` naming every missing or bad field). The organizer edits a published or
unpublished event with the same steps; it stays complete. A published event's change is
``events.event.changed`` naming what changed (``schedule``, ``place`` and ``streaming_link`` are
what its ticket holders are told of), and a change of what its ticket types have left is
``events.availability.changed`` (the event's live topic). A published event is unpublished only
before any sale (409 ``event_has_sales``). Every change holds the event's row, and the rows of
the ticket types it touches, for its transaction; a quantity is never set below what is
committed (the conditional UPDATE, whatever a sale did in between).
"""
from __future__ import annotations

import datetime
import functools
import uuid
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ... import bus
from ...errors import Conflict, DomainError, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..media import attachments
from . import access, completeness, pages, timeline
from . import events_repository as repository
from .events import AVAILABILITY_CHANGED, EVENT_CHANGED, EVENT_PUBLISHED, EVENT_UNPUBLISHED
from .events_repository import Day, Event, TicketType

EDITABLE_STATES = ("draft", "published", "unpublished")
DEFAULT_TIME_ZONE = "Africa/Nairobi"
MAX_DAYS = 30
MAX_DAY_LENGTH = datetime.timedelta(hours=24)
MAX_TICKET_TYPES = 20
MAX_PRICE = 10**12  # minor units
TICKET_KINDS = ("free", "paid", "vip", "early_bird")
MEDIA_PURPOSE = "event"
# What a published event's ticket holders are told of when it changes.
NOTIFIED_CHANGES = ("schedule", "place", "streaming_link")


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone name, or None."""
    if name not in _zones():
        return "Not an IANA time zone name (such as Africa/Nairobi or Africa/Dar_es_Salaam)."
    return None


def _conflict_not_editable(event: Event) -> Conflict:
    return Conflict(f"A {event.state} event cannot be changed", code="event_not_editable",
                    details={"state": event.state})


# the draft

async def create_draft(platform: Platform, caller: Caller) -> tuple[pages.EventView, bool]:
    """The caller's draft, made now (True) or the one they had (False)."""
    async with platform.core.transaction("events.draft_create") as conn:
        event = await repository.insert_draft(conn, uuid.uuid4(), caller.user_id)
        created = event is not None
        if event is None:
            event = await repository.draft_of(conn, caller.user_id)
        return await pages.organizer_view(platform, conn, event.id), created


async def discard_draft(platform: Platform, caller: Caller, event_id: uuid.UUID) -> None:
    """Throw a draft away (409 ``event_not_draft`` for anything published once)."""
    async with platform.core.transaction("events.draft_discard") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id, lock=True)
        if event.state != "draft":
            raise Conflict("Only a draft can be thrown away; unpublish or cancel the event instead",
                           code="event_not_draft", details={"state": event.state})
        await repository.delete_draft(conn, event_id)


# one change: the transaction every step and edit goes through

Apply = Callable[[Any, Event], Awaitable[tuple[list[str], list[uuid.UUID]]]]


async def _change(platform: Platform, caller: Caller, event_id: uuid.UUID, name: str, apply: Apply) -> pages.EventView:
    """Run ``apply(conn, event)`` (it answers the changed fields and the ticket types whose
    availability changed) on the locked event; a published or unpublished event must stay complete."""
    async with platform.core.transaction(f"events.{name}") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id, lock=True)
        if event.state not in EDITABLE_STATES:
            raise _conflict_not_editable(event)
        changed, availability = await apply(conn, event)
        if event.state != "draft" and changed:
            found = await _problems(conn, event_id)
            if found:
                raise Invalid.fields("body", completeness.flat(found), code="event_incomplete",
                                     message="A published event keeps every step complete")
        if changed:
            await repository.touch_event(conn, event_id)
        if event.state == "published":
            fresh = await repository.event_by_id(conn, event_id)
            if "schedule" in changed:
                await timeline.schedule(conn, event_id)  # the end and the reminders move with the days
            if changed:
                await bus.emit(conn, EVENT_CHANGED, {"event_id": str(event_id), "organizer_id": str(event.organizer_id),
                                                     "title": fresh.title, "fields": changed})
            if availability:
                await emit_availability(conn, event_id, availability)
        return await pages.organizer_view(platform, conn, event_id)


async def emit_availability(conn, event_id: uuid.UUID, ticket_type_ids: Sequence[uuid.UUID]) -> None:
    """Tell the event's topic that what these ticket types have left changed (through the outbox)."""
    await bus.emit(conn, AVAILABILITY_CHANGED, {"event_id": str(event_id),
                                                "ticket_type_ids": [str(i) for i in dict.fromkeys(ticket_type_ids)]})


async def _problems(conn, event_id: uuid.UUID, *, now: datetime.datetime | None = None) -> dict:
    event = await repository.event_by_id(conn, event_id)
    days = (await repository.days_of_events(conn, [event_id]))[event_id]
    types = (await repository.ticket_types_of_events(conn, [event_id]))[event_id]
    type_days = await repository.ticket_type_days(conn, [t.id for t in types])
    return completeness.problems(event, days, types, type_days, now=now)


def _text(value: str | None) -> str | None:
    return value if value is None or value.strip() else None


# basics

async def save_basics(platform: Platform, caller: Caller, event_id: uuid.UUID, body: Mapping[str, Any]) -> pages.EventView:
    """Title, description, category and cover (the caller's own ready image uploaded for events)."""
    async def apply(conn, event: Event):
        values = {"title": body.get("title"), "description": _text(body.get("description")),
                  "category_id": body.get("category_id"), "cover_media_id": body.get("cover_media_id")}
        if values["category_id"] is not None and await repository.category_by_id(conn, values["category_id"]) is None:
            raise Invalid.fields("body", {"category_id": "No such category (GET /api/events/categories lists them)."})
        if values["cover_media_id"] is not None and values["cover_media_id"] != event.cover_media_id:
            await _attach_cover(conn, caller, values["cover_media_id"])
        await repository.save_basics(conn, event.id, **values)
        names = {"title": "title", "description": "description", "category_id": "category", "cover_media_id": "cover"}
        changed = [label for column, label in names.items() if getattr(event, column) != values[column]]
        return changed, []
    return await _change(platform, caller, event_id, "basics_save", apply)


async def _attach_cover(conn, caller: Caller, media_id: uuid.UUID) -> None:
    try:
        found = await attachments.attach(conn, owner_id=caller.user_id, media_ids=[media_id], purpose=MEDIA_PURPOSE)
    except DomainError as refused:
        raise type(refused).fields("body", {"cover_media_id": refused.message}, message=refused.message,
                                   code=refused.code, **refused.details) from refused
    if found[0].kind != "image":
        raise Invalid.fields("body", {"cover_media_id": "A cover is an image."}, code="cover_not_image")


# schedule

def _instant(value: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """An instant: a time without an offset is read in the event's time zone."""
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def check_days(bodies: Sequence[Mapping[str, Any]], time_zone: str) -> list[dict[str, Any]]:
    """The days as instants, in time order without overlapping, each at most a day long: 422
    naming each bad day's field otherwise."""
    zone = zoneinfo.ZoneInfo(time_zone)
    days = [{**body, "starts_at": _instant(body["starts_at"], zone), "ends_at": _instant(body["ends_at"], zone)}
            for body in bodies]
    problems: dict[int, dict[str, list[str]]] = {}
    for index, day in enumerate(days):
        if day["ends_at"] <= day["starts_at"]:
            problems[index] = {"ends_at": ["A day ends after it starts."]}
        elif day["ends_at"] - day["starts_at"] > MAX_DAY_LENGTH:
            problems[index] = {"ends_at": ["A day lasts at most 24 hours: make it several days."]}
        elif index and day["starts_at"] < days[index - 1]["ends_at"]:
            problems[index] = {"starts_at": [f"Starts before day {index} ends: days are in time order and do not "
                                             "overlap."]}
    if problems:
        raise Invalid.fields("body", {"days": problems})
    return days


async def save_schedule(platform: Platform, caller: Caller, event_id: uuid.UUID,
                        body: Mapping[str, Any]) -> pages.EventView:
    """The time zone and the days (one: a one-time event; several: multi-day), each with its
    start, end and when its doors open. Day N keeps its id; ticket types that admitted every day
    admit the new ones too. A sold event keeps at least the days it had (409 ``event_days_sold``)."""
    time_zone = body.get("time_zone") or DEFAULT_TIME_ZONE
    problem = time_zone_problem(time_zone)
    if problem:
        raise Invalid.fields("body", {"time_zone": problem})
    days = check_days(body.get("days", []), time_zone)

    async def apply(conn, event: Event):
        old = (await repository.days_of_events(conn, [event.id]))[event.id]
        if len(days) < len(old) and event.state != "draft" and await repository.event_has_sales(conn, event.id):
            raise Conflict("Tickets of this event are sold: it keeps its days (their times may change, days may be "
                           "added)", code="event_days_sold", details={"days": len(old)})
        types = (await repository.ticket_types_of_events(conn, [event.id]))[event.id]
        type_days = await repository.ticket_type_days(conn, [t.id for t in types])
        old_ids = {day.id for day in old}
        every_day = [t.id for t in types if {d for d, _ in type_days[t.id]} == old_ids]
        ids = {day.number: day.id for day in old}
        for number, day in enumerate(days, start=1):
            await repository.upsert_day(conn, id=ids.get(number, uuid.uuid4()), event_id=event.id, number=number,
                                        starts_at=day["starts_at"], ends_at=day["ends_at"],
                                        doors_open=datetime.timedelta(minutes=day.get("doors_open_minutes", 60)),
                                        title=day.get("title"))
        await repository.delete_days_after(conn, event.id, len(days))
        new = (await repository.days_of_events(conn, [event.id]))[event.id]
        for ticket_type_id in every_day:
            await repository.set_ticket_type_days(conn, ticket_type_id, [day.id for day in new])
        await repository.save_schedule(conn, event.id, time_zone=time_zone)
        same = event.time_zone == time_zone and [_day_key(d) for d in old] == [_day_key(d) for d in new]
        return ([] if same else ["schedule"]), []
    return await _change(platform, caller, event_id, "schedule_save", apply)


def _day_key(day: Day) -> tuple:
    return day.starts_at, day.ends_at, day.doors_open, day.title


# place

async def save_place(platform: Platform, caller: Caller, event_id: uuid.UUID, body: Mapping[str, Any]) -> pages.EventView:
    """The format and where: a venue (name, address, coordinates) in person, a streaming link online."""
    fmt = body.get("format")
    values = {"format": fmt, "venue_name": body.get("venue_name"), "venue_address": body.get("venue_address"),
              "latitude": body.get("latitude"), "longitude": body.get("longitude"),
              "streaming_url": body.get("streaming_url")}
    if (values["latitude"] is None) != (values["longitude"] is None):
        missing = "latitude" if values["latitude"] is None else "longitude"
        raise Invalid.fields("body", {missing: "Coordinates are a latitude and a longitude."})
    if fmt == "in_person":
        values["streaming_url"] = None
    elif fmt == "online":
        values.update(venue_name=None, venue_address=None, latitude=None, longitude=None)

    async def apply(conn, event: Event):
        await repository.save_place(conn, event.id, **values)
        fresh = await repository.event_by_id(conn, event.id)
        changed = []
        if any(getattr(event, name) != getattr(fresh, name)
               for name in ("format", "venue_name", "venue_address", "latitude", "longitude")):
            changed.append("place")
        if event.streaming_url != fresh.streaming_url:
            changed.append("streaming_link")
        return changed, []
    return await _change(platform, caller, event_id, "place_save", apply)


# ticket types

TYPE_FIELDS = ("name", "description", "kind", "price", "quantity", "per_order_limit", "sales_start_at",
               "sales_end_at", "visibility")


def _type_problems(values: Mapping[str, Any], day_numbers: Sequence[int] | None, days: Sequence[Day]) -> dict:
    found: dict[str, list[str]] = {}
    if values["kind"] == "free" and values["price"] != 0:
        found["price"] = ["A free ticket costs 0."]
    elif values["kind"] != "free" and values["price"] <= 0:
        found["price"] = [f"A {values['kind']} ticket has a price (integer minor units): a free one is kind free."]
    if values["sales_start_at"] and values["sales_end_at"] and values["sales_start_at"] >= values["sales_end_at"]:
        found["sales_end_at"] = ["Sales end after they start."]
    if day_numbers is not None:
        unknown = sorted({n for n in day_numbers if not 1 <= n <= len(days)})
        if unknown:
            found["days"] = [f"The event has no day {', '.join(map(str, unknown))} (it has {len(days)})."]
        elif len(set(day_numbers)) != len(day_numbers):
            found["days"] = ["A day is named twice."]
    return found


def _type_values(body: Mapping[str, Any], old: TicketType | None) -> dict[str, Any]:
    base = {name: getattr(old, name) for name in TYPE_FIELDS} if old is not None else {
        "description": None, "price": 0, "per_order_limit": 10, "sales_start_at": None, "sales_end_at": None,
        "visibility": "public"}
    values = {**base, **{name: body[name] for name in TYPE_FIELDS if name in body}}
    if "description" in values:
        values["description"] = _text(values["description"])
    return values


def _sold_guard(old: TicketType, values: Mapping[str, Any]) -> None:
    """A sold type keeps its kind and price (its quantity is the conditional UPDATE's to guard)."""
    if old.committed > 0 and (values["kind"] != old.kind or values["price"] != old.price):
        raise Conflict("Tickets of this type are sold: its kind and price stay", code="ticket_type_sold",
                       details={"ticket_type_id": str(old.id), "committed": old.committed})


def _below(old: TicketType) -> Conflict:
    return Conflict(f"{old.committed} tickets of this type are sold or reserved: the quantity cannot be less",
                    code="quantity_below_committed",
                    details={"ticket_type_id": str(old.id), "committed": old.committed})


async def _write_type(conn, event: Event, old: TicketType | None, values: Mapping[str, Any], position: int,
                      day_ids: Sequence[uuid.UUID] | None) -> uuid.UUID:
    """Insert or update one ticket type (its days too when given); the update is refused if a
    sale came in that its quantity is below."""
    row = {name: values[name] for name in TYPE_FIELDS}
    if old is None:
        ticket_type_id = uuid.uuid4()
        await repository.insert_ticket_type(conn, id=ticket_type_id, event_id=event.id, position=position, **row)
    else:
        ticket_type_id = old.id
        if not await repository.update_ticket_type(conn, id=old.id, position=position, **row):
            raise _below(await repository.lock_ticket_type(conn, old.id))
    if day_ids is not None:
        await repository.set_ticket_type_days(conn, ticket_type_id, day_ids)
    return ticket_type_id


def _days_of(numbers: Sequence[int] | None, days: Sequence[Day]) -> list[uuid.UUID] | None:
    return None if numbers is None else [days[n - 1].id for n in sorted(numbers)]


async def _locked_types(conn, event_id: uuid.UUID) -> dict[uuid.UUID, TicketType]:
    types = (await repository.ticket_types_of_events(conn, [event_id]))[event_id]
    return {ticket_type.id: await repository.lock_ticket_type(conn, ticket_type.id)
            for ticket_type in sorted(types, key=lambda t: t.id)}


def _availability_changed(old: TicketType | None, values: Mapping[str, Any]) -> bool:
    return old is None or old.quantity != values["quantity"] or old.visibility != values["visibility"] or any(
        getattr(old, name) != values[name] for name in ("sales_start_at", "sales_end_at", "price", "per_order_limit"))


async def save_tickets(platform: Platform, caller: Caller, event_id: uuid.UUID,
                       body: Mapping[str, Any]) -> pages.EventView:
    """The currency and the whole list of ticket types: a type sent with its ``id`` is changed,
    one without is added, one left out is removed (409 ``ticket_type_sold`` if tickets of it are
    sold). ``days`` are day numbers (absent: every day)."""
    bodies = body.get("ticket_types", [])
    if len(bodies) > MAX_TICKET_TYPES:
        raise Invalid.fields("body", {"ticket_types": f"At most {MAX_TICKET_TYPES} ticket types."})

    async def apply(conn, event: Event):
        days = (await repository.days_of_events(conn, [event.id]))[event.id]
        current = await _locked_types(conn, event.id)
        currency = body.get("currency") or event.currency
        problems: dict[int, dict[str, Any]] = {}
        planned = []
        for index, type_body in enumerate(bodies):
            old = None
            if type_body.get("id") is not None:
                old = current.get(type_body["id"])
                if old is None:
                    problems[index] = {"id": ["No such ticket type of this event."]}
                    continue
            values = _type_values(type_body, old)
            numbers = type_body.get("days")
            found = _type_problems(values, numbers, days)
            if found:
                problems[index] = found
            planned.append((old, values, numbers if numbers is not None or old is not None else list(
                range(1, len(days) + 1))))
        if problems:
            raise Invalid.fields("body", {"ticket_types": problems})
        kept = {old.id for old, _, _ in planned if old is not None}
        removed = [t for t in current.values() if t.id not in kept]
        sold = [t for t in removed if t.committed > 0]
        if sold:
            raise Conflict("Tickets of a type left out are sold: it stays (lower its quantity to what is sold, or hide "
                           "it)", code="ticket_type_sold",
                           details={"ticket_type_id": str(sold[0].id), "committed": sold[0].committed})
        if currency != event.currency and await repository.event_has_sales(conn, event.id):
            raise Conflict("Tickets of this event are sold: its currency stays", code="currency_locked",
                           details={"currency": event.currency})
        for old, values, _ in planned:
            if old is not None:
                _sold_guard(old, values)
        changed_ids: list[uuid.UUID] = [t.id for t in removed]
        edited = bool(removed)
        if removed:  # deleted, or archived when an order names them
            await repository.delete_ticket_types_except(conn, event.id, list(kept))
            await repository.archive_ticket_types_except(conn, event.id, list(kept))
        for position, (old, values, numbers) in enumerate(planned):
            if old is not None and all(getattr(old, n) == values[n] for n in TYPE_FIELDS) and old.position == position \
                    and numbers is None:
                continue
            ticket_type_id = await _write_type(conn, event, old, values, position, _days_of(numbers, days))
            edited = True
            if _availability_changed(old, values):
                changed_ids.append(ticket_type_id)
        await repository.save_tickets_step(conn, event.id, currency=currency)
        return (["ticket_types"] if edited or currency != event.currency else []), changed_ids
    return await _change(platform, caller, event_id, "tickets_save", apply)


async def add_ticket_type(platform: Platform, caller: Caller, event_id: uuid.UUID,
                          body: Mapping[str, Any]) -> pages.EventView:
    """One more ticket type, at the end of the list (a published event's goes on sale at once)."""
    async def apply(conn, event: Event):
        days = (await repository.days_of_events(conn, [event.id]))[event.id]
        if len((await repository.ticket_types_of_events(conn, [event.id]))[event.id]) >= MAX_TICKET_TYPES:
            raise Conflict(f"An event has at most {MAX_TICKET_TYPES} ticket types", code="too_many_ticket_types",
                           details={"max": MAX_TICKET_TYPES})
        values = _type_values(body, None)
        numbers = body.get("days")
        found = _type_problems(values, numbers, days)
        if found:
            raise Invalid.fields("body", found)
        numbers = numbers if numbers is not None else list(range(1, len(days) + 1))
        position = await repository.next_ticket_type_position(conn, event.id)
        ticket_type_id = await _write_type(conn, event, None, values, position, _days_of(numbers, days))
        return ["ticket_types"], [ticket_type_id]
    return await _change(platform, caller, event_id, "ticket_type_add", apply)


async def update_ticket_type(platform: Platform, caller: Caller, event_id: uuid.UUID, ticket_type_id: uuid.UUID,
                             body: Mapping[str, Any]) -> pages.EventView:
    """Change what is sent of one ticket type: its quantity never below what is sold or reserved
    (409 ``quantity_below_committed``), its kind and price only before any sale of it."""
    async def apply(conn, event: Event):
        days = (await repository.days_of_events(conn, [event.id]))[event.id]
        old = await repository.lock_ticket_type(conn, ticket_type_id)
        if old is None or old.event_id != event.id or old.archived_at is not None:
            raise ticket_type_not_found()
        values = _type_values(body, old)
        numbers = body.get("days")
        found = _type_problems(values, numbers, days)
        if found:
            raise Invalid.fields("body", found)
        _sold_guard(old, values)
        if all(getattr(old, n) == values[n] for n in TYPE_FIELDS) and numbers is None:
            return [], []
        await _write_type(conn, event, old, values, old.position, _days_of(numbers, days))
        return ["ticket_types"], ([old.id] if _availability_changed(old, values) else [])
    return await _change(platform, caller, event_id, "ticket_type_update", apply)


def ticket_type_not_found() -> NotFound:
    return NotFound("No such ticket type of this event", code="ticket_type_not_found")


# publishing

async def publish(platform: Platform, caller: Caller, event_id: uuid.UUID) -> pages.EventView:
    """A complete draft (or unpublished event) made public: 422 ``event_incomplete`` naming every
    missing or bad field otherwise. A published event answers unchanged."""
    async with platform.core.transaction("events.publish") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id, lock=True)
        if event.state == "published":
            return await pages.organizer_view(platform, conn, event_id)
        if event.state not in ("draft", "unpublished"):
            raise Conflict(f"A {event.state} event cannot be published", code="event_state_invalid",
                           details={"state": event.state, "allowed": ["draft", "unpublished"]})
        found = await _problems(conn, event_id, now=pages.now())
        if found:
            raise Invalid.fields("body", completeness.flat(found), code="event_incomplete",
                                 message="The event is not ready to be published: "
                                         + ", ".join(sorted(completeness.flat(found))),
                                 steps={step: sorted(map(str, fields)) for step, fields in found.items()})
        event = await repository.set_event_state(conn, event_id, "published")
        await timeline.schedule(conn, event_id)
        await bus.emit(conn, EVENT_PUBLISHED, {"event_id": str(event_id), "organizer_id": str(event.organizer_id),
                                               "title": event.title})
        return await pages.organizer_view(platform, conn, event_id)


async def unpublish(platform: Platform, caller: Caller, event_id: uuid.UUID) -> pages.EventView:
    """Take a published event down before any sale (409 ``event_has_sales`` after one); it stays
    editable and may be published again. An unpublished event answers unchanged."""
    async with platform.core.transaction("events.unpublish") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id, lock=True)
        if event.state == "unpublished":
            return await pages.organizer_view(platform, conn, event_id)
        if event.state != "published":
            raise Conflict(f"A {event.state} event cannot be unpublished", code="event_state_invalid",
                           details={"state": event.state, "allowed": ["published"]})
        if await repository.event_has_sales(conn, event_id):
            raise Conflict("Tickets of this event are sold: it cannot be unpublished (cancel it instead, which refunds "
                           "them)", code="event_has_sales")
        event = await repository.set_event_state(conn, event_id, "unpublished")
        await timeline.unschedule(conn, event_id)
        await bus.emit(conn, EVENT_UNPUBLISHED, {"event_id": str(event_id), "organizer_id": str(event.organizer_id)})
        return await pages.organizer_view(platform, conn, event_id)
