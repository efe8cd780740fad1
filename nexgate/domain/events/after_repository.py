"""An event's life after publishing as its organizer and holders see it (sql/events/after/):
attendees, analytics, days and reminders, reviews and ratings. (Cancelling, refunds and
settlement are money.py's.)"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import all_rows, queries

_sql = queries("events").after


async def now(conn) -> datetime.datetime:
    """The database's time (the transaction's start), what the rows' times are compared with."""
    return await conn.fetchval("SELECT now()")


async def event_row(conn, event_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.event_row(conn, event_id=event_id)


async def event_days(conn, event_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.event_days, conn, event_id=event_id)


async def event_day(conn, event_id: uuid.UUID, day_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.event_day(conn, event_id=event_id, day_id=day_id)


async def holders_of_day(conn, event_id: uuid.UUID, day_id: uuid.UUID, after_id: uuid.UUID,
                         limit: int) -> list[uuid.UUID]:
    """The next ``limit`` holders of a ticket valid that day, by id after ``after_id``."""
    return [row["holder_id"] for row in await all_rows(_sql.holders_of_day, conn, event_id=event_id, day_id=day_id,
                                                       after_id=after_id, limit=limit)]


async def attendees_page(conn, event_id: uuid.UUID, q: str | None, state: str | None,
                         after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.attendees_page, conn, event_id=event_id, q=q, state=state, after_at=after[0],
                          after_id=after[1], limit=limit)


async def views_per_day(conn, event_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.views_per_day, conn, event_id=event_id)


async def sales_per_day(conn, event_id: uuid.UUID, time_zone: str) -> list[asyncpg.Record]:
    return await all_rows(_sql.sales_per_day, conn, event_id=event_id, time_zone=time_zone)


async def checkins_per_hour(conn, event_id: uuid.UUID, time_zone: str) -> list[asyncpg.Record]:
    return await all_rows(_sql.checkins_per_hour, conn, event_id=event_id, time_zone=time_zone)


async def distinct_viewers(conn, event_id: uuid.UUID) -> int:
    return await _sql.distinct_viewers(conn, event_id=event_id)


async def distinct_buyers(conn, event_id: uuid.UUID) -> int:
    return await _sql.distinct_buyers(conn, event_id=event_id)


async def attended(conn, event_id: uuid.UUID, user_id: uuid.UUID, *, online: bool) -> bool:
    return bool(await _sql.attended(conn, event_id=event_id, user_id=user_id, online=online))


async def insert_review(conn, *, id: uuid.UUID, event_id: uuid.UUID, organizer_id: uuid.UUID,
                        reviewer_id: uuid.UUID, rating: int, body: str | None) -> asyncpg.Record | None:
    """The review, or None if the reviewer reviewed this event already."""
    return await _sql.insert_review(conn, id=id, event_id=event_id, organizer_id=organizer_id,
                                    reviewer_id=reviewer_id, rating=rating, body=body)


async def add_to_rating(conn, organizer_id: uuid.UUID, rating: int) -> None:
    await _sql.add_to_rating(conn, organizer_id=organizer_id, rating=rating)


async def organizer_rating(conn, organizer_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.organizer_rating(conn, organizer_id=organizer_id)


async def reviews_page(conn, *, event_id: uuid.UUID | None, organizer_id: uuid.UUID | None,
                       review_id: uuid.UUID | None, hidden: Sequence[uuid.UUID],
                       after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.reviews_page, conn, event_id=event_id, organizer_id=organizer_id, review_id=review_id,
                          hidden_author_ids=list(hidden), after_at=after[0], after_id=after[1], limit=limit)
