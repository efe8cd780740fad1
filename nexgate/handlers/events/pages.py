"""Event pages: an event, the categories, an organizer's public events (docs/events.md, "Event
pages and search")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.events import pages, search
from ...domain.events.views import category, event, event_card
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, client_ip, json_response, viewer
from .schemas import (EVENT_ID, ORGANIZER_ID, EventCardPageSchema, EventCategoriesSchema, EventSchema,
                      EventSearchQuery)

routes = Routes("events")


@routes.get("/api/events/categories", summary="The event categories", response=EventCategoriesSchema, auth=OPTIONAL)
async def categories(request: web.Request) -> web.Response:
    """No token needed. Each with its English and Swahili names, in their order."""
    found = await pages.categories(request.app[PLATFORM])
    return json_response(EventCategoriesSchema, {"items": [category(c) for c in found]})


@routes.get("/api/events/search", summary="Search events", query=EventSearchQuery, response=EventCardPageSchema,
            auth=OPTIONAL)
async def search_events(request: web.Request, *, query: dict) -> web.Response:
    """No token needed. Published events that have not ended, soonest first, cursor-paged; each
    filter narrows: `q` (words, each a prefix), `from`/`to`, `city`/`region`/`country` (any letter
    case) or `lat`+`lng` (+`radius_km`), `category`, `free` or `max_price`+`currency`, `format`.
    A half-given pair (lat without lng, max_price without currency) is 422 naming what is missing."""
    page = await search.search_events(request.app[PLATFORM], viewer(request), **query)
    return json_response(EventCardPageSchema, page.map(event_card))


@routes.get("/api/events/{event_id}", summary="An event's page", ids=(EVENT_ID,), response=EventSchema,
            errors=(404,), auth=OPTIONAL)
async def get_event(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """No token needed for a published, cancelled or completed event; a draft or unpublished
    one is seen by its organizer and staff only, and an event whose organizer blocked you (or you
    them) is 404 `event_not_found` as one that does not exist. `streaming_url` is shown to the
    organizer, the staff and holders of a valid ticket only; hidden ticket types to the
    organizer and staff only. Each viewer's first view of the day is counted (analytics)."""
    found = await pages.get_event(request.app[PLATFORM], viewer(request), event_id, address=client_ip(request),
                                  user_agent=request.headers.get("User-Agent"))
    return json_response(EventSchema, event(found))


@routes.get("/api/users/{user_id}/events", summary="An organizer's events", ids=(ORGANIZER_ID,), query=PageQuery,
            response=EventCardPageSchema, errors=(404,), auth=OPTIONAL)
async def events_of_organizer(request: web.Request, *, query: dict, user_id: uuid.UUID) -> web.Response:
    """No token needed. Their published, cancelled and completed events, newest first; 404
    `user_not_found` if you may not see their profile."""
    page = await pages.events_of_organizer(request.app[PLATFORM], viewer(request), user_id, **query)
    return json_response(EventCardPageSchema, page.map(event_card))
