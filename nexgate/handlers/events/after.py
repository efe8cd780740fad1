"""An event's life after it is on sale: the organizer's cancellation, the attendees list and its
CSV export, the analytics, reviews of the organizer and the organizer's rating, and the
operators' decision on money held (docs/events.md, "Attendees", "Analytics", "Reviews of the
organizer", "Money")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.events import attendees, money, reviews
from ...errors import NotFound
from ...keys import PLATFORM
from ...pagination import Page, PageQuery
from ..routing import OPTIONAL, PathId, Routes, caller, json_response, viewer
from .after_schemas import (AnalyticsSchema, AttendeePageSchema, AttendeesCsvQuery, AttendeesQuery, CancelIn,
                            CancelledSchema, DecidedSchema, DecisionIn, EventReviewIn, EventReviewPageSchema,
                            EventReviewSchema, OrganizerRatingSchema, SettlementPageSchema, SettlementsQuery)

routes = Routes("events")
OPERATORS = ("moderator", "admin")

EVENT_ID = PathId("event_id", lambda raw: money.event_not_found())
ORGANIZER_ID = PathId("user_id", lambda raw: NotFound("No such organizer", code="organizer_not_found"))


@routes.post("/api/events/{event_id}/cancel", summary="Cancel your event", ids=(EVENT_ID,), body=CancelIn,
             body_optional=True, response=CancelledSchema, errors=(403, 404, 409))
async def cancel_event(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer only. Every valid ticket is revoked, every unpaid order cancelled, every
    holder told (`event_cancelled`), and every paid order refunded in full to its buyer, in
    batches by the worker (`settlement` becomes `refunded`). A draft or a completed event is 409
    `event_not_cancellable`; cancelling again answers as the first time did, with nothing more done."""
    done = await money.cancel(request.app[PLATFORM], caller(request), event_id, reason=body["reason"])
    return json_response(CancelledSchema, done)


@routes.get("/api/events/{event_id}/attendees", summary="Your event's attendees", ids=(EVENT_ID,),
            query=AttendeesQuery, response=AttendeePageSchema, errors=(403, 404))
async def list_attendees(request: web.Request, *, query: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer and the event's managers: one item per ticket, oldest first, with its
    holder and its check-in on each day its type admits; `q` searches holders' usernames and
    names and tickets' codes."""
    page = await attendees.attendees(request.app[PLATFORM], caller(request), event_id, **query)
    return json_response(AttendeePageSchema, Page([attendees.attendee_view(row) for row in page.items],
                                                  page.next_cursor))


@routes.get("/api/events/{event_id}/attendees.csv", summary="Your event's attendees as CSV", ids=(EVENT_ID,),
            query=AttendeesCsvQuery, content_type="text/csv", errors=(403, 404))
async def export_attendees(request: web.Request, *, query: dict, event_id: uuid.UUID) -> web.StreamResponse:
    """The organizer and the event's managers: RFC 4180 CSV (UTF-8, CRLF), one header line then
    one line per ticket, streamed: `ticket_id, code, state, ticket_type, holder_username,
    holder_name, price, currency, issued_at`, then `day_<n>_checked_in_at` for each day (empty
    when not checked in)."""
    name, chunks = await attendees.csv_export(request.app[PLATFORM], caller(request), event_id, **query)
    response = web.StreamResponse(headers={"Content-Type": "text/csv; charset=utf-8",
                                           "Content-Disposition": f'attachment; filename="{name}"',
                                           "Cache-Control": "no-store"})
    await response.prepare(request)
    async for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


@routes.get("/api/events/{event_id}/analytics", summary="Your event's figures", ids=(EVENT_ID,),
            response=AnalyticsSchema, errors=(403, 404))
async def event_analytics(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """The organizer and the event's managers: unique page viewers per day, tickets sold and
    revenue per ticket type per day, check-ins per day and hour (the event's time zone), and the
    conversion of viewers to buyers. Whole counts and integer minor units."""
    found = await attendees.analytics(request.app[PLATFORM], caller(request), event_id)
    return json_response(AnalyticsSchema, found)


@routes.post("/api/events/{event_id}/reviews", summary="Review an event's organizer", ids=(EVENT_ID,),
             body=EventReviewIn, response=EventReviewSchema, status=201, errors=(403, 404, 409))
async def create_review(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """By someone who attended (checked in on some day, or held a valid ticket to an online event;
    else 403 `not_attended`), after the event ended (409 `event_not_ended`), once (409
    `already_reviewed`): a rating 1 to 5 and an optional text."""
    found = await reviews.create(request.app[PLATFORM], caller(request), event_id, **body)
    return json_response(EventReviewSchema, reviews.review_view(found), 201)


@routes.get("/api/events/{event_id}/reviews", summary="An event's reviews of its organizer", ids=(EVENT_ID,),
            query=PageQuery, response=EventReviewPageSchema, errors=(404,), auth=OPTIONAL)
async def event_reviews(request: web.Request, *, query: dict, event_id: uuid.UUID) -> web.Response:
    """Newest first; no token needed. Reviews by someone you blocked or who blocked you are left out."""
    page = await reviews.reviews_of_event(request.app[PLATFORM], viewer(request), event_id, **query)
    return json_response(EventReviewPageSchema, Page([reviews.review_view(r) for r in page.items], page.next_cursor))


@routes.get("/api/organizers/{user_id}/reviews", summary="An organizer's reviews, over all their events",
            ids=(ORGANIZER_ID,), query=PageQuery, response=EventReviewPageSchema, errors=(404,),
            auth=OPTIONAL)
async def organizer_reviews(request: web.Request, *, query: dict, user_id: uuid.UUID) -> web.Response:
    """Newest first; no token needed."""
    page = await reviews.reviews_of_organizer(request.app[PLATFORM], viewer(request), user_id, **query)
    return json_response(EventReviewPageSchema, Page([reviews.review_view(r) for r in page.items], page.next_cursor))


@routes.get("/api/organizers/{user_id}/rating", summary="An organizer's rating", ids=(ORGANIZER_ID,),
            response=OrganizerRatingSchema, errors=(404,), auth=OPTIONAL)
async def organizer_rating(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """Exact: the number of reviews and their ratings' sum; the average is sum / count."""
    found = await reviews.organizer_rating(request.app[PLATFORM], user_id)
    return json_response(OrganizerRatingSchema, reviews.rating_view(found))


@routes.get("/api/admin/events/settlements", summary="Events whose money is held for an operator",
            query=SettlementsQuery, response=SettlementPageSchema, roles=OPERATORS)
async def held_settlements(request: web.Request, *, query: dict) -> web.Response:
    """Moderator or admin role. `settlement=held` (the default): the events whose feedback window's
    reviews fell below the threshold, or cancelled events whose refunds a dispute's frozen hold
    stopped, the longest waiting first; `waiting`: those whose window runs."""
    page = await money.held_events(request.app[PLATFORM], **query)
    return json_response(SettlementPageSchema, page)


@routes.post("/api/admin/events/{event_id}/settlement", summary="Release or refund an event's held money",
             ids=(EVENT_ID,), body=DecisionIn, response=DecidedSchema, roles=OPERATORS, errors=(409,))
async def decide_settlement(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """Moderator or admin role. `release`: every paid order's hold to the organizer, net of the
    platform fee; `refund`: every paid order back to its buyer. Only a `held` settlement (else 409
    `settlement_not_held` with `details.settlement`), once; 409 `hold_frozen` while a dispute
    freezes one of its holds (`details.order_ids`), `event_cancelled` releasing a cancelled event's."""
    found = await money.decide(request.app[PLATFORM], caller(request), event_id, **body)
    return json_response(DecidedSchema, found)
