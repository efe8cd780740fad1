"""Who sees an event and who changes it (docs/events.md, "Event pages and search").

An event is seen by its organizer and its active staff (``event_staff``, state ``active``) in
every state. Anyone else, signed in or not, sees it once it is ``published``, ``cancelled`` or
``completed`` and they may see its organizer's profile (no block either way, the users area's
rule); otherwise it is 404 ``event_not_found``, as for one that does not exist. The streaming
link of an online event is shown only to its organizer, its staff and the holders of a valid
ticket. Only the organizer changes an event (403 ``not_event_organizer`` to someone who may see
it), or the staff roles a function names.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from ...errors import Forbidden, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import events_repository as repository
from .events_repository import Event

PUBLIC_STATES = ("published", "cancelled", "completed")
ORGANIZER = "organizer"


def not_found() -> NotFound:
    return NotFound("No such event", code="event_not_found")


async def role_of(conn, event: Event, user_id: uuid.UUID | None) -> str | None:
    """``organizer``, the user's active staff role (``scanner``, ``manager``), or None."""
    if user_id is None:
        return None
    if event.organizer_id == user_id:
        return ORGANIZER
    return await repository.staff_role_of(conn, event.id, user_id)


async def publicly_visible(conn, event: Event, viewer_id: uuid.UUID | None) -> bool:
    """Whether someone who is neither the organizer nor staff sees the event."""
    return event.state in PUBLIC_STATES and visibility.profile_visible(
        await visibility.relationship_in(conn, viewer_id, event.organizer_id))


async def seen_event(conn, viewer_id: uuid.UUID | None, event_id: uuid.UUID, *,
                     lock: bool = False) -> tuple[Event, str | None]:
    """The event and the viewer's role on it, or 404 ``event_not_found`` if they may not see it."""
    event = await (repository.lock_event if lock else repository.event_by_id)(conn, event_id)
    if event is None:
        raise not_found()
    role = await role_of(conn, event, viewer_id)
    if role is None and not await publicly_visible(conn, event, viewer_id):
        raise not_found()
    return event, role


async def visible_event(conn, viewer_id: uuid.UUID | None, event_id: uuid.UUID) -> Event:
    """The event if the viewer (None: anonymous) may see its page, else 404 ``event_not_found``."""
    event, _ = await seen_event(conn, viewer_id, event_id)
    return event


async def event_of_organizer(conn, event_id: uuid.UUID, user_id: uuid.UUID, *, staff_roles: Sequence[str] = (),
                             lock: bool = False) -> Event:
    """The event if ``user_id`` is its organizer, or one of its active staff in ``staff_roles``
    (``scanner``, ``manager``): 404 ``event_not_found`` if they may not even see it, else 403
    ``not_event_organizer``. ``lock`` holds the event's row for the transaction."""
    event, role = await seen_event(conn, user_id, event_id, lock=lock)
    if role != ORGANIZER and role not in staff_roles:
        if staff_roles:
            raise Forbidden("Only the event's organizer or its staff can do this", code="not_event_staff",
                            details={"roles": [ORGANIZER, *staff_roles]})
        raise Forbidden("Only the event's organizer can do this", code="not_event_organizer")
    return event


async def sees_streaming_link(conn, event: Event, viewer_id: uuid.UUID | None, role: str | None) -> bool:
    """The organizer, the event's staff and the holders of a valid ticket see the streaming link."""
    if role is not None:
        return True
    return viewer_id is not None and await repository.holds_valid_ticket(conn, event.id, viewer_id)


async def require_visible(platform: Platform, caller: Caller | None, event_id: uuid.UUID) -> None:
    """404 unless the caller may see the event's page: who may follow its ``event:<id>`` topic."""
    async with platform.core.connection() as conn:
        await visible_event(conn, None if caller is None else caller.user_id, event_id)
