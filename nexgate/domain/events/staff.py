"""The people an organizer invites to help at one event (docs/events.md, "Staff").

The organizer invites a user by username as ``scanner`` (checks tickets in) or ``manager``
(also sees the check-in dashboard, registers scanners and pairs kiosks); the invitation waits
until the user accepts it (then ``active``) or declines it (then it is gone). The organizer
lists and removes staff; a member may leave. Staff of one event are nobody at another: every
check (``access.event_of_organizer(..., staff_roles=...)``) names the event.
"""
from __future__ import annotations

import uuid
from typing import Any

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..users import profiles, visibility
from . import access
from . import door_repository as repository
from .events import STAFF_INVITED

ROLES = ("scanner", "manager")
MAX_STAFF = 200


async def invite(platform: Platform, caller: Caller, event_id: uuid.UUID, username: str, role: str
                 ) -> tuple[Any, bool]:
    """Invite ``username`` to the event's staff as ``role``; whether this call invited them
    (False: invited or on the staff already, answered as they are)."""
    async with platform.core.transaction("events.staff_invite") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id)
        user = await profiles.find(conn, username)
        if user is None:
            raise NotFound.fields("body", {"username": "No such user."}, message="No such user", code="user_not_found")
        if user.id == caller.user_id:
            raise Invalid.fields("body", {"username": "You organize this event; invite someone else."},
                                 code="cannot_invite_self")
        try:
            visibility.require_profile(await visibility.relationship_in(conn, caller.user_id, user.id))
        except (NotFound, Forbidden) as refused:
            raise type(refused).fields("body", {"username": refused.message}, message=refused.message,
                                       code=refused.code) from None
        existing = await repository.staff_member(conn, event_id, user.id)
        if existing is not None:
            return existing, False
        if len(await repository.staff_of_event(conn, event_id)) >= MAX_STAFF:
            raise Conflict(f"This event has {MAX_STAFF} staff, the most it can have", code="too_many_staff",
                           details={"max": MAX_STAFF})
        await repository.insert_staff(conn, event_id=event_id, user_id=user.id, role=role,
                                      invited_by=caller.user_id)
        await bus.emit(conn, STAFF_INVITED, {"event_id": str(event_id), "organizer_id": str(event.organizer_id),
                                             "user_id": str(user.id), "role": role, "title": event.title or ""})
        return await repository.staff_member(conn, event_id, user.id), True


async def staff_of(platform: Platform, caller: Caller, event_id: uuid.UUID) -> list[Any]:
    """The event's staff, invited and active: for the organizer and its managers."""
    async with platform.core.connection() as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=("manager",))
        return await repository.staff_of_event(conn, event_id)


async def invitations(platform: Platform, caller: Caller) -> list[Any]:
    """The invitations waiting for the caller's answer."""
    async with platform.core.connection() as conn:
        return await repository.staff_invitations_of(conn, caller.user_id)


async def accept(platform: Platform, caller: Caller, event_id: uuid.UUID) -> Any:
    """The invited user joins the event's staff (accepting twice answers the same)."""
    async with platform.core.transaction("events.staff_accept") as conn:
        member = await repository.staff_member(conn, event_id, caller.user_id)
        if member is None:
            raise NotFound("You have no invitation to this event's staff", code="invitation_not_found")
        await repository.accept_staff(conn, event_id, caller.user_id)
        return await repository.staff_member(conn, event_id, caller.user_id)


async def decline(platform: Platform, caller: Caller, event_id: uuid.UUID) -> None:
    """The invited user says no: the invitation is gone (an accepted one: see ``remove``)."""
    async with platform.core.transaction("events.staff_decline") as conn:
        member = await repository.staff_member(conn, event_id, caller.user_id)
        if member is None or member["state"] != "invited":
            raise NotFound("You have no invitation to this event's staff", code="invitation_not_found")
        await repository.delete_staff(conn, event_id, caller.user_id)


async def remove(platform: Platform, caller: Caller, event_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The organizer removes anyone of the staff (or an invitation); a member removes only themself."""
    async with platform.core.transaction("events.staff_remove") as conn:
        if user_id != caller.user_id:
            await access.event_of_organizer(conn, event_id, caller.user_id)
        if await repository.delete_staff(conn, event_id, user_id) is None:
            raise NotFound("No such member of this event's staff", code="staff_not_found")
