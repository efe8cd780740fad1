"""Making an event: the draft, its steps, publishing, editing, ticket types, unpublishing
(docs/events.md, "Making an event", "Ticket types and availability")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.events import drafts, pages
from ...domain.events.views import event, event_card
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import (EVENT_ID, TICKET_TYPE_ID, EventBasicsIn, EventCardPageSchema, EventSchema, OwnEventsQuery, EventPlaceIn,
                      EventScheduleIn, EventTicketsIn, TicketTypeIn, TicketTypeUpdateIn)

routes = Routes("events")
_STEP_ERRORS = (403, 404, 409)


def _answer(found: pages.EventView, status: int = 200) -> web.Response:
    return json_response(EventSchema, event(found), status)


@routes.post("/api/events/drafts", summary="Start an event (or get back your draft)", response=EventSchema,
             status=201, other_statuses=(200,))
async def create_draft(request: web.Request) -> web.Response:
    """One draft at a time: 201 with a new draft, or 200 with the one you have. Its `draft`
    field lists the steps (basics, schedule, place, tickets), each saved or not, and what each
    still misses."""
    found, created = await drafts.create_draft(request.app[PLATFORM], caller(request))
    return _answer(found, 201 if created else 200)


@routes.get("/api/events/mine", summary="Your events", query=OwnEventsQuery, response=EventCardPageSchema)
async def own_events(request: web.Request, *, query: dict) -> web.Response:
    """Every state (your draft included), or the `state` asked for; newest first, cursor-paged."""
    page = await pages.own_events(request.app[PLATFORM], caller(request), **query)
    return json_response(EventCardPageSchema, page.map(event_card))


@routes.put("/api/events/{event_id}/basics", summary="Save an event's basics: title, description, category, cover",
            ids=(EVENT_ID,), body=EventBasicsIn, response=EventSchema, errors=_STEP_ERRORS)
async def save_basics(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer only (403 `not_event_organizer`). A draft's step may be saved half done
    (what is left out is null); a published event's must stay complete (422 `event_incomplete`).
    An unknown `category_id` is 422 naming it; the cover must be your own ready image uploaded
    with purpose `event`. A cancelled or completed event is 409 `event_not_editable`."""
    return _answer(await drafts.save_basics(request.app[PLATFORM], caller(request), event_id, body))


@routes.put("/api/events/{event_id}/schedule", summary="Save an event's time zone and days", ids=(EVENT_ID,),
            body=EventScheduleIn, response=EventSchema, errors=_STEP_ERRORS)
async def save_schedule(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The days in time order, none overlapping the one before, each at most 24 hours (422
    naming `days.N.starts_at` or `days.N.ends_at`); a time zone that is not an IANA name is 422
    naming `time_zone`. Day N keeps its id when saved again. An event with sales keeps its
    number of days (409 `event_days_sold`). On a published event, a change is told to its ticket
    holders."""
    return _answer(await drafts.save_schedule(request.app[PLATFORM], caller(request), event_id, body))


@routes.put("/api/events/{event_id}/place", summary="Save where an event happens: a venue, or online",
            ids=(EVENT_ID,), body=EventPlaceIn, response=EventSchema, errors=_STEP_ERRORS)
async def save_place(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """`in_person`: venue name, address and coordinates (a latitude without a longitude is 422);
    `online`: an https streaming link, shown only to ticket holders. The other format's fields are
    cleared. On a published event, a change is told to its ticket holders."""
    return _answer(await drafts.save_place(request.app[PLATFORM], caller(request), event_id, body))


@routes.put("/api/events/{event_id}/tickets", summary="Save an event's currency and ticket types",
            ids=(EVENT_ID,), body=EventTicketsIn, response=EventSchema, errors=_STEP_ERRORS)
async def save_tickets(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The whole list. Each bad type is 422 naming `ticket_types.N.<field>` (a free type's price
    is 0, a paid, vip or early bird one's is not; sales end after they start; `days` are day
    numbers the event has). A type left out is removed, unless tickets of it are sold (409
    `ticket_type_sold`); a sold type keeps its kind and price (409 `ticket_type_sold`) and its
    quantity never goes below what is sold or reserved (409 `quantity_below_committed`)."""
    return _answer(await drafts.save_tickets(request.app[PLATFORM], caller(request), event_id, body))


@routes.post("/api/events/{event_id}/ticket-types", summary="Add a ticket type", ids=(EVENT_ID,), body=TicketTypeIn,
             response=EventSchema, status=201, errors=_STEP_ERRORS)
async def add_ticket_type(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """At the end of the list; on a published event it goes on sale at once (its availability
    told live). At most 20 (409 `too_many_ticket_types`)."""
    return _answer(await drafts.add_ticket_type(request.app[PLATFORM], caller(request), event_id, body), 201)


@routes.patch("/api/events/{event_id}/ticket-types/{ticket_type_id}", summary="Change a ticket type",
              ids=(EVENT_ID, TICKET_TYPE_ID), body=TicketTypeUpdateIn, response=EventSchema, errors=_STEP_ERRORS)
async def update_ticket_type(request: web.Request, *, body: dict, event_id: uuid.UUID,
                             ticket_type_id: uuid.UUID) -> web.Response:
    """Only what is sent changes. Raise (or lower) its quantity, never below what is sold or
    reserved (409 `quantity_below_committed`, `details.committed`); its kind and price change
    only before any sale of it (409 `ticket_type_sold`)."""
    found = await drafts.update_ticket_type(request.app[PLATFORM], caller(request), event_id, ticket_type_id, body)
    return _answer(found)


@routes.post("/api/events/{event_id}/publish", summary="Publish an event", ids=(EVENT_ID,), response=EventSchema,
             errors=_STEP_ERRORS)
async def publish(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """A draft or unpublished event, complete: otherwise 422 `event_incomplete` naming every
    missing or bad field in `details.fields` (and by step in `details.steps`); a day that has
    begun already is `days.0.starts_at`. A published event answers unchanged; a cancelled or
    completed one is 409 `event_state_invalid`."""
    return _answer(await drafts.publish(request.app[PLATFORM], caller(request), event_id))


@routes.post("/api/events/{event_id}/unpublish", summary="Take a published event down before any sale",
             ids=(EVENT_ID,), response=EventSchema, errors=_STEP_ERRORS)
async def unpublish(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """Only before any ticket is sold or reserved (409 `event_has_sales`: cancel it instead). It
    stays editable, seen by you and its staff only, and may be published again."""
    return _answer(await drafts.unpublish(request.app[PLATFORM], caller(request), event_id))


@routes.delete("/api/events/{event_id}", summary="Throw your draft away", ids=(EVENT_ID,), status=204,
               errors=_STEP_ERRORS)
async def discard_draft(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """A draft only (409 `event_not_draft`)."""
    await drafts.discard_draft(request.app[PLATFORM], caller(request), event_id)
    return web.Response(status=204)
