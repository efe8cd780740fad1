"""An event's staff: the organizer invites by username, the user accepts or declines, the
organizer lists and removes (docs/events.md, "Staff")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.events import staff, views
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .checkin_schemas import USER_ID, StaffInviteIn, EventStaffListSchema, EventStaffMemberSchema
from .schemas import EVENT_ID

routes = Routes("events")


@routes.get("/api/events/staff-invitations", summary="The event staff invitations waiting for your answer",
            response=EventStaffListSchema)
async def my_invitations(request: web.Request) -> web.Response:
    found = await staff.invitations(request.app[PLATFORM], caller(request))
    return json_response(EventStaffListSchema, {"items": [views.staff_member(row) for row in found]})


@routes.get("/api/events/{event_id}/staff", summary="An event's staff, invited and active", ids=(EVENT_ID,),
            response=EventStaffListSchema, errors=(403,))
async def list_staff(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """The organizer and the event's managers (403 `not_event_staff`)."""
    found = await staff.staff_of(request.app[PLATFORM], caller(request), event_id)
    return json_response(EventStaffListSchema, {"items": [views.staff_member(row) for row in found]})


@routes.post("/api/events/{event_id}/staff", summary="Invite a user to help at your event", ids=(EVENT_ID,),
             body=StaffInviteIn, response=EventStaffMemberSchema, status=201, other_statuses=(200,), errors=(403, 409))
async def invite(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer only (403 `not_event_organizer`). The user is told (notification
    `staff_invited`) and is staff once they accept. Someone invited or on the staff already
    answers 200 as they are; an unknown username (or a user who blocked you) is 404
    `user_not_found`, yourself 422 `cannot_invite_self`."""
    member, invited = await staff.invite(request.app[PLATFORM], caller(request), event_id, body["username"],
                                         body["role"])
    return json_response(EventStaffMemberSchema, views.staff_member(member), 201 if invited else 200)


@routes.post("/api/events/{event_id}/staff/accept", summary="Accept an invitation to an event's staff",
             ids=(EVENT_ID,), response=EventStaffMemberSchema)
async def accept(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """404 `invitation_not_found` without an invitation; accepting again answers the same."""
    member = await staff.accept(request.app[PLATFORM], caller(request), event_id)
    return json_response(EventStaffMemberSchema, views.staff_member(member))


@routes.post("/api/events/{event_id}/staff/decline", summary="Decline an invitation to an event's staff",
             ids=(EVENT_ID,), status=204)
async def decline(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """404 `invitation_not_found` without an invitation waiting (once accepted, leave with DELETE)."""
    await staff.decline(request.app[PLATFORM], caller(request), event_id)
    return web.Response(status=204)


@routes.delete("/api/events/{event_id}/staff/{user_id}", summary="Remove someone from an event's staff, or leave it",
               ids=(EVENT_ID, USER_ID), status=204, errors=(403,))
async def remove(request: web.Request, *, event_id: uuid.UUID, user_id: uuid.UUID) -> web.Response:
    """The organizer removes anyone (an invitation too); a member removes only themself (403
    `not_event_organizer`); 404 `staff_not_found`."""
    await staff.remove(request.app[PLATFORM], caller(request), event_id, user_id)
    return web.Response(status=204)
