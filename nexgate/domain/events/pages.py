"""Event pages (docs/events.md, "Event pages and search"): an event as its viewer sees it, the
organizer's own list and an organizer's public one, the categories, and the unique page views
of each day (analytics).

A page view is counted once per viewer per day (UTC): a signed-in viewer by their id, an
anonymous one by a hash of their address and user agent. It is one ``INSERT ... ON CONFLICT DO
NOTHING`` on the connection that read the page, outside any transaction; the organizer's and
staff's own views are not counted.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..media import attachments
from ..users import visibility
from . import access, completeness
from . import events_repository as repository
from .events_repository import Category, Day, Event, OrganizerCard, TicketType

OWN_STATES = ("draft", "published", "unpublished", "cancelled", "completed")


@dataclasses.dataclass(frozen=True)
class EventView:
    """An event with what its page shows beside it, for one viewer."""

    event: Event
    organizer: OrganizerCard | None
    category: Category | None
    days: list[Day]
    ticket_types: list[TicketType]  # those the viewer sees: hidden ones only to the organizer and staff
    type_days: Mapping[uuid.UUID, list[tuple[uuid.UUID, int]]]  # each type's (day id, number)
    cover: dict[str, Any] | None  # the cover's media view
    role: str | None  # the viewer's: organizer, scanner, manager or None
    streaming_visible: bool  # the viewer sees the streaming link
    problems: Mapping[str, Mapping[str, Any]] | None  # the organizer's and staff's: what is missing to publish

    @property
    def for_organizer(self) -> bool:
        return self.role is not None


@dataclasses.dataclass(frozen=True)
class EventCard:
    """An event as lists and search show it."""

    event: Event
    organizer: OrganizerCard | None
    category: Category | None
    cover: dict[str, Any] | None
    days: int
    price_from: int | None  # the lowest price of its public ticket types (None: none yet)


async def assemble(platform: Platform, conn, event: Event, *, role: str | None, streaming_visible: bool) -> EventView:
    days = (await repository.days_of_events(conn, [event.id]))[event.id]
    every_type = (await repository.ticket_types_of_events(conn, [event.id]))[event.id]
    types = every_type if role is not None else [t for t in every_type if t.visibility == "public"]
    type_days = await repository.ticket_type_days(conn, [t.id for t in every_type])
    category = None if event.category_id is None else await repository.category_by_id(conn, event.category_id)
    organizer = (await repository.organizer_cards(conn, [event.organizer_id])).get(event.organizer_id)
    cover = None
    if event.cover_media_id is not None:
        cover = (await attachments.attachment_views(platform, [event.cover_media_id])).get(event.cover_media_id)
    found = completeness.problems(event, days, every_type, type_days) if role is not None else None
    return EventView(event, organizer, category, days, types, type_days, cover, role, streaming_visible, found)


async def organizer_view(platform: Platform, conn, event_id: uuid.UUID) -> EventView:
    """The event as its organizer sees it, read on ``conn`` (inside a change's transaction)."""
    event = await repository.event_by_id(conn, event_id)
    return await assemble(platform, conn, event, role=access.ORGANIZER, streaming_visible=True)


async def public_view(platform: Platform, conn, event_id: uuid.UUID) -> EventView | None:
    """The event as anyone who may see it sees it (no streaming link, no hidden ticket types), for
    its topic; None if it is gone."""
    event = await repository.event_by_id(conn, event_id)
    if event is None:
        return None
    return await assemble(platform, conn, event, role=None, streaming_visible=False)


def viewer_key(caller: Caller | None, address: str | None, user_agent: str | None) -> bytes:
    """Who counts as one viewer of a page on one day: a user by id, anyone else by their device."""
    if caller is not None:
        return caller.user_id.bytes
    return hashlib.blake2b(f"{address or ''}\n{user_agent or ''}".encode(), digest_size=16,
                           person=b"nexgate-views").digest()


async def get_event(platform: Platform, caller: Caller | None, event_id: uuid.UUID, *,
                    address: str | None = None, user_agent: str | None = None) -> EventView:
    """The event's page for the caller (None: anonymous), its view counted."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        event, role = await access.seen_event(conn, viewer_id, event_id)
        streaming = await access.sees_streaming_link(conn, event, viewer_id, role)
        found = await assemble(platform, conn, event, role=role, streaming_visible=streaming)
        if role is None and event.state == "published":
            await repository.record_view(conn, event.id, viewer_key(caller, address, user_agent), viewer_id)
        return found


async def categories(platform: Platform) -> list[Category]:
    async with platform.core.connection() as conn:
        return await repository.categories(conn)


async def cards(platform: Platform, conn, events: Sequence[Event]) -> list[EventCard]:
    ids = [event.id for event in events]
    days = await repository.days_of_events(conn, ids)
    types = await repository.ticket_types_of_events(conn, ids)
    organizers = await repository.organizer_cards(conn, [event.organizer_id for event in events])
    found_categories = {category.id: category for category in await repository.categories(conn)}
    covers = [event.cover_media_id for event in events if event.cover_media_id is not None]
    media = await attachments.attachment_views(platform, covers) if covers else {}
    result = []
    for event in events:
        prices = [t.price for t in types[event.id] if t.visibility == "public"]
        result.append(EventCard(event, organizers.get(event.organizer_id), found_categories.get(event.category_id),
                                media.get(event.cover_media_id), len(days[event.id]), min(prices) if prices else None))
    return result


async def own_events(platform: Platform, caller: Caller, *, state: str | None, limit: int,
                     cursor: str | None) -> Page[EventCard]:
    """The caller's events (every state, or the one asked for), newest first."""
    states = list(OWN_STATES) if state is None else [state]
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.events_of_organizer_page(conn, caller.user_id, states, before, n),
                           Event.position)
        return Page(await cards(platform, conn, page.items), page.next_cursor)


async def events_of_organizer(platform: Platform, caller: Caller | None, organizer_id: uuid.UUID, *,
                              limit: int, cursor: str | None) -> Page[EventCard]:
    """An organizer's public events (published, cancelled, completed), newest first: 404
    ``user_not_found`` to someone who may not see their profile."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        if viewer_id != organizer_id and not visibility.profile_visible(
                await visibility.relationship_in(conn, viewer_id, organizer_id)):
            raise NotFound("No such user", code="user_not_found")
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.events_of_organizer_page(
                               conn, organizer_id, list(access.PUBLIC_STATES), before, n),
                           Event.position)
        return Page(await cards(platform, conn, page.items), page.next_cursor)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
