"""Reviews of the organizer (docs/events.md, "Reviews of the organizer"): someone who attended
an event (one of their tickets was checked in on some day, or they hold a valid ticket to an
online event) rates its organizer 1 to 5 with an optional text, once the event has ended, once
per event.

Refusals: an event not visible is 404 ``event_not_found``; one not ended yet (or cancelled) 409
``event_not_ended``; someone who did not attend 403 ``not_attended``; a second review 409
``already_reviewed`` (the unique index on (event, reviewer) keeps it whatever runs at once). The
organizer's rating (``organizer_ratings``: count and sum, exact) is updated in the review's own
transaction; ``events.review.created`` tells the trust worker. Lists are public and leave out
reviews by authors blocked either way with the viewer.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

from ... import bus
from ...errors import Conflict, Forbidden, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from .events import REVIEW_CREATED
from . import access
from . import after_repository as repository

_TOP = NEWEST_FIRST.start


@dataclasses.dataclass(frozen=True)
class Rating:
    organizer_id: uuid.UUID
    username: str
    count: int
    total: int

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


async def create(platform: Platform, caller: Caller, event_id: uuid.UUID, *, rating: int,
                 text: str | None = None) -> dict[str, Any]:
    review_id = uuid.uuid4()
    async with platform.core.transaction("events.review_create") as conn:
        event = await access.visible_event(conn, caller.user_id, event_id)
        now = await repository.now(conn)
        ended = event.state == "completed" or (
            event.state == "published" and event.ends_at is not None and event.ends_at <= now)
        if not ended:
            raise Conflict("An event can be reviewed once it has ended", code="event_not_ended",
                           details={"state": event.state,
                                    "ends_at": None if event.ends_at is None else event.ends_at.isoformat()})
        if not await repository.attended(conn, event_id, caller.user_id, online=event.format == "online"):
            raise Forbidden("Only someone who attended the event can review its organizer", code="not_attended")
        if await repository.insert_review(conn, id=review_id, event_id=event_id, organizer_id=event.organizer_id,
                                          reviewer_id=caller.user_id, rating=rating, body=text) is None:
            raise Conflict("You reviewed this event already", code="already_reviewed",
                           details={"event_id": str(event_id)})
        await repository.add_to_rating(conn, event.organizer_id, rating)
        await bus.emit(conn, REVIEW_CREATED, {"review_id": str(review_id), "event_id": str(event_id),
                                              "organizer_id": str(event.organizer_id),
                                              "reviewer_id": str(caller.user_id), "rating": rating})
        [found] = await _page(conn, review_id=review_id, after=_TOP, limit=1)
        return found


async def reviews_of_event(platform: Platform, caller: Caller | None, event_id: uuid.UUID, *, cursor: str | None,
                           limit: int) -> Page:
    async with platform.core.connection() as conn:
        await access.visible_event(conn, None if caller is None else caller.user_id, event_id)
        hidden = await visibility.blocked_either_way(conn, None if caller is None else caller.user_id)
        return await fetch(NEWEST_FIRST, cursor, limit, lambda after, n: _page(
            conn, event_id=event_id, hidden=hidden, after=after, limit=n), _position)


async def reviews_of_organizer(platform: Platform, caller: Caller | None, organizer_id: uuid.UUID, *,
                               cursor: str | None, limit: int) -> Page:
    async with platform.core.connection() as conn:
        viewer_id = None if caller is None else caller.user_id
        await _organizer(conn, organizer_id)
        if not visibility.profile_visible(await visibility.relationship_in(conn, viewer_id, organizer_id)):
            raise _no_organizer()
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        return await fetch(NEWEST_FIRST, cursor, limit, lambda after, n: _page(
            conn, organizer_id=organizer_id, hidden=hidden, after=after, limit=n), _position)


async def organizer_rating(platform: Platform, organizer_id: uuid.UUID) -> Rating:
    async with platform.core.connection() as conn:
        return await _organizer(conn, organizer_id)


async def rating_of(conn, organizer_id: uuid.UUID) -> Rating:
    """For other pages (the organizer's page): the rating, exact (count and sum)."""
    return await _organizer(conn, organizer_id)


async def _organizer(conn, organizer_id: uuid.UUID) -> Rating:
    row = await repository.organizer_rating(conn, organizer_id)
    if row is None:
        raise _no_organizer()
    return Rating(row["id"], row["username"], row["review_count"], row["rating_sum"])


def _no_organizer() -> NotFound:
    return NotFound("No such organizer", code="organizer_not_found")


def _position(row) -> tuple[datetime.datetime, uuid.UUID]:
    return row["created_at"], row["id"]


async def _page(conn, *, event_id=None, organizer_id=None, review_id=None, hidden=(), after, limit) -> list:
    return await repository.reviews_page(conn, event_id=event_id, organizer_id=organizer_id, review_id=review_id,
                                         hidden=hidden, after=after, limit=limit)


def review_view(row) -> dict[str, Any]:
    return {"id": row["id"], "event_id": row["event_id"], "event_title": row["event_title"],
            "organizer_id": row["organizer_id"], "rating": row["rating"], "text": row["body"],
            "created_at": row["created_at"],
            "reviewer": {"id": row["reviewer_id"], "username": row["username"], "display_name": row["display_name"],
                         "avatar_media_id": row["avatar_media_id"], "is_verified": row["verified_at"] is not None}}


def rating_view(rating: Rating) -> dict[str, Any]:
    return {"organizer_id": rating.organizer_id, "username": rating.username, "count": rating.count,
            "sum": rating.total, "average": rating.average}
