"""The SQL of events, their days and ticket types (``sql/events/events.sql``). It runs queries
and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from ...sql import all_rows, queries

_sql = queries("events")


def _from(cls, row: asyncpg.Record | None):
    return None if row is None else cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class Category:
    id: uuid.UUID
    slug: str
    name: str
    name_sw: str | None
    position: int


@dataclasses.dataclass(frozen=True)
class Event:
    id: uuid.UUID
    organizer_id: uuid.UUID
    state: str  # draft, published, unpublished, cancelled, completed
    title: str | None
    description: str | None
    category_id: uuid.UUID | None
    cover_media_id: uuid.UUID | None
    format: str | None  # in_person or online
    time_zone: str
    venue_name: str | None
    venue_address: dict[str, Any] | None
    latitude: Decimal | None
    longitude: Decimal | None
    streaming_url: str | None
    currency: str
    steps_done: list[str]
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    published_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    cancel_reason: str | None
    completed_at: datetime.datetime | None
    settlement: str
    settle_after: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


@dataclasses.dataclass(frozen=True)
class Day:
    id: uuid.UUID
    event_id: uuid.UUID
    number: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    doors_open: datetime.timedelta  # check-in opens this long before it starts
    title: str | None


@dataclasses.dataclass(frozen=True)
class TicketType:
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    description: str | None
    kind: str  # free, paid, vip, early_bird
    price: int
    quantity: int
    committed: int
    per_order_limit: int
    sales_start_at: datetime.datetime | None
    sales_end_at: datetime.datetime | None
    visibility: str  # public or hidden
    position: int
    archived_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @property
    def available(self) -> int:
        return max(self.quantity - self.committed, 0)


@dataclasses.dataclass(frozen=True)
class OrganizerCard:
    id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None


async def categories(conn) -> list[Category]:
    return [_from(Category, row) for row in await all_rows(_sql.event_categories, conn)]


async def category_by_id(conn, category_id: uuid.UUID) -> Category | None:
    return _from(Category, await _sql.event_category_by_id(conn, id=category_id))


async def insert_draft(conn, event_id: uuid.UUID, organizer_id: uuid.UUID) -> Event | None:
    """The new draft, or None when the organizer has one already."""
    return _from(Event, await _sql.insert_draft(conn, id=event_id, organizer_id=organizer_id))


async def draft_of(conn, organizer_id: uuid.UUID) -> Event | None:
    return _from(Event, await _sql.draft_of(conn, organizer_id=organizer_id))


async def event_by_id(conn, event_id: uuid.UUID) -> Event | None:
    return _from(Event, await _sql.event_by_id(conn, id=event_id))


async def lock_event(conn, event_id: uuid.UUID) -> Event | None:
    return _from(Event, await _sql.lock_event(conn, id=event_id))


async def events_by_ids(conn, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Event]:
    rows = await all_rows(_sql.events_by_ids, conn, ids=list(event_ids))
    return {row["id"]: _from(Event, row) for row in rows}


async def save_basics(conn, event_id: uuid.UUID, *, title, description, category_id, cover_media_id) -> None:
    await _sql.save_basics(conn, id=event_id, title=title, description=description, category_id=category_id,
                           cover_media_id=cover_media_id, step="basics")


async def save_schedule(conn, event_id: uuid.UUID, *, time_zone: str) -> None:
    await _sql.save_schedule(conn, id=event_id, time_zone=time_zone, step="schedule")


async def save_place(conn, event_id: uuid.UUID, **fields) -> None:
    await _sql.save_place(conn, id=event_id, step="place", **fields)


async def save_tickets_step(conn, event_id: uuid.UUID, *, currency: str) -> None:
    await _sql.save_tickets_step(conn, id=event_id, currency=currency, step="tickets")


async def touch_event(conn, event_id: uuid.UUID) -> None:
    await _sql.touch_event(conn, id=event_id)


async def set_event_state(conn, event_id: uuid.UUID, state: str) -> Event:
    return _from(Event, await _sql.set_event_state(conn, id=event_id, state=state))


async def events_of_organizer_page(conn, organizer_id: uuid.UUID, states: Sequence[str], before: tuple,
                                   limit: int) -> list[Event]:
    rows = await all_rows(_sql.events_of_organizer_page, conn, organizer_id=organizer_id, states=list(states),
                          before_at=before[0], before_id=before[1], limit=limit)
    return [_from(Event, row) for row in rows]


async def staff_role_of(conn, event_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    return await _sql.staff_role_of(conn, event_id=event_id, user_id=user_id)


async def holds_valid_ticket(conn, event_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await _sql.holds_valid_ticket(conn, event_id=event_id, user_id=user_id)


async def event_has_sales(conn, event_id: uuid.UUID) -> bool:
    return await _sql.event_has_sales(conn, event_id=event_id)


async def valid_ticket_holders(conn, event_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["holder_id"] for row in await all_rows(_sql.valid_ticket_holders, conn, event_id=event_id)]


# days

async def days_of_events(conn, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Day]]:
    found: dict[uuid.UUID, list[Day]] = {event_id: [] for event_id in event_ids}
    for row in await all_rows(_sql.days_of_events, conn, event_ids=list(event_ids)):
        found[row["event_id"]].append(_from(Day, row))
    return found


async def upsert_day(conn, *, id: uuid.UUID, event_id: uuid.UUID, number: int, starts_at, ends_at, doors_open,
                     title) -> None:
    await _sql.upsert_day(conn, id=id, event_id=event_id, number=number, starts_at=starts_at, ends_at=ends_at,
                          doors_open=doors_open, title=title)


async def delete_days_after(conn, event_id: uuid.UUID, number: int) -> None:
    await _sql.delete_days_after(conn, event_id=event_id, number=number)


# ticket types

async def ticket_types_of_events(conn, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[TicketType]]:
    found: dict[uuid.UUID, list[TicketType]] = {event_id: [] for event_id in event_ids}
    for row in await all_rows(_sql.ticket_types_of_events, conn, event_ids=list(event_ids)):
        found[row["event_id"]].append(_from(TicketType, row))
    return found


async def ticket_types_by_ids(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TicketType]:
    return {row["id"]: _from(TicketType, row) for row in await all_rows(_sql.ticket_types_by_ids, conn, ids=list(ids))}


async def lock_ticket_type(conn, ticket_type_id: uuid.UUID) -> TicketType | None:
    return _from(TicketType, await _sql.lock_ticket_type(conn, id=ticket_type_id))


async def insert_ticket_type(conn, **fields) -> None:
    await _sql.insert_ticket_type(conn, **fields)


async def update_ticket_type(conn, **fields) -> bool:
    """False, nothing written, when the new quantity is below what is committed."""
    return await _sql.update_ticket_type(conn, **fields) is not None


async def delete_ticket_types_except(conn, event_id: uuid.UUID, keep: Sequence[uuid.UUID]) -> None:
    await _sql.delete_ticket_types_except(conn, event_id=event_id, keep=list(keep))


async def ticket_type_days(conn, ticket_type_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[uuid.UUID, int]]]:
    """Each ticket type's days as (day id, number), in day order."""
    found: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for row in await all_rows(_sql.ticket_type_days, conn, ticket_type_ids=list(ticket_type_ids)):
        found[row["ticket_type_id"]].append((row["day_id"], row["number"]))
    return {ticket_type_id: found.get(ticket_type_id, []) for ticket_type_id in ticket_type_ids}


async def set_ticket_type_days(conn, ticket_type_id: uuid.UUID, day_ids: Sequence[uuid.UUID]) -> None:
    await _sql.clear_ticket_type_days(conn, ticket_type_id=ticket_type_id)
    if day_ids:
        await _sql.add_ticket_type_days(conn, ticket_type_id=ticket_type_id, day_ids=list(day_ids))


# page views

async def record_view(conn, event_id: uuid.UUID, viewer_key: bytes, viewer_id: uuid.UUID | None) -> None:
    await _sql.record_view(conn, event_id=event_id, viewer_key=viewer_key, viewer_id=viewer_id)


async def organizer_cards(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, OrganizerCard]:
    return {row["id"]: _from(OrganizerCard, row)
            for row in await all_rows(_sql.organizer_cards, conn, ids=list(dict.fromkeys(ids)))}


async def archive_ticket_types_except(conn, event_id: uuid.UUID, keep: Sequence[uuid.UUID]) -> None:
    await _sql.archive_ticket_types_except(conn, event_id=event_id, keep=list(keep))


async def next_ticket_type_position(conn, event_id: uuid.UUID) -> int:
    return await _sql.next_ticket_type_position(conn, event_id=event_id)


async def delete_draft(conn, event_id: uuid.UUID) -> None:
    await _sql.delete_draft(conn, id=event_id)


async def search_events(conn, *, after: tuple, limit: int, **filters) -> list[Event]:
    rows = await all_rows(_sql.search_events, conn, after_at=after[0], after_id=after[1], limit=limit,
                          **filters)
    return [_from(Event, row) for row in rows]


async def category_ids_by_refs(conn, refs: Sequence[str]) -> list[uuid.UUID]:
    """The ids of the categories named by id or slug."""
    ids = []
    for category in await categories(conn):
        if str(category.id) in refs or category.slug in refs:
            ids.append(category.id)
    return ids
