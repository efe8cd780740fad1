"""An event's attendees and figures, for its organizer and its managers (docs/events.md,
"Attendees", "Analytics").

Attendees: one row per ticket (a holder with two tickets is two rows), oldest first, with the
holder, the ticket type, the ticket's state and, for each day its type admits, whether and when
it was checked in (at which gate, by which method); searched by the holder's username or name or
the ticket's code. The CSV export is the same rows, streamed page by page.

Analytics: unique viewers of the page per day (``event_views``), tickets sold and their revenue
per ticket type per day (integer minor units of the event's currency; a ticket is counted on
the day it was first issued, not again when transferred, and not once cancelled or refunded),
check-ins per day of the event and hour (0-23, in the event's time zone), and the conversion of
viewers to buyers (distinct buyers of tickets still counted / distinct viewers, in basis points:
10000 is every viewer bought).
"""
from __future__ import annotations

import csv
import datetime
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson

from ...pagination import OLDEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from . import access
from . import after_repository as repository

STAFF_ROLES = ("manager",)
CSV_PAGE = 500
CSV_COLUMNS = ("ticket_id", "code", "state", "ticket_type", "holder_username", "holder_name", "price", "currency",
               "issued_at")


async def _event(conn, caller: Caller, event_id: uuid.UUID):
    return await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=STAFF_ROLES)


def _load(conn, event_id, q, state):
    return lambda after, n: _rows(conn, event_id, q, state, after, n)


async def _rows(conn, event_id, q, state, after, limit) -> list:
    return await repository.attendees_page(conn, event_id, q, state, after, limit)


def _position(row) -> tuple[datetime.datetime, uuid.UUID]:
    return row["issued_at"], row["id"]


async def attendees(platform: Platform, caller: Caller, event_id: uuid.UUID, *, q: str | None, state: str | None,
                    cursor: str | None, limit: int) -> Page:
    async with platform.core.connection() as conn:
        await _event(conn, caller, event_id)
        return await fetch(OLDEST_FIRST, cursor, limit, _load(conn, event_id, q or None, state), _position)


def attendee_view(row) -> dict[str, Any]:
    days = row["days"] if isinstance(row["days"], list) else orjson.loads(row["days"])
    return {
        "ticket_id": row["id"], "code": row["code"], "state": row["state"], "price": row["price"],
        "issued_at": row["issued_at"], "order_id": row["order_id"],
        "ticket_type": {"id": row["ticket_type_id"], "name": row["ticket_type_name"]},
        "holder": {"id": row["holder_id"], "username": row["username"], "display_name": row["display_name"]},
        "days": [{"day_id": day["day_id"], "number": day["number"], "checked_in": day["checked_in_at"] is not None,
                  "checked_in_at": _instant(day["checked_in_at"]), "gate": day["gate"], "method": day["method"]}
                 for day in days],
    }


async def csv_export(platform: Platform, caller: Caller, event_id: uuid.UUID, *, q: str | None = None,
                     state: str | None = None) -> tuple[str, AsyncIterator[bytes]]:
    """(a file name, the CSV's chunks): the access check is made before the first chunk, so a
    refusal is an ordinary error answer; then one header line and one line per ticket, a page at
    a time (each page its own read), the columns of ``CSV_COLUMNS`` then one per day of the
    event (``day_<n>_checked_in_at``, empty when not checked in that day)."""
    async with platform.core.connection() as conn:
        event = await _event(conn, caller, event_id)
        day_numbers = [row["number"] for row in await repository.event_days(conn, event_id)]
    currency = event.currency

    async def chunks() -> AsyncIterator[bytes]:
        yield _line([*CSV_COLUMNS, *(f"day_{n}_checked_in_at" for n in day_numbers)])
        after = OLDEST_FIRST.start
        while True:
            async with platform.core.connection() as conn:
                page = await _rows(conn, event_id, q or None, state, after, CSV_PAGE)
            if not page:
                return
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            for row in page:
                checked = {day["number"]: day["checked_in_at"] for day in attendee_view(row)["days"]}
                writer.writerow([row["id"], row["code"], row["state"], row["ticket_type_name"], row["username"],
                                 row["display_name"], row["price"], currency, row["issued_at"].isoformat(),
                                 *(_csv_instant(checked.get(n)) for n in day_numbers)])
            yield out.getvalue().encode()
            if len(page) < CSV_PAGE:
                return
            after = _position(page[-1])

    return f"attendees-{event_id}.csv", chunks()


def _instant(value: str | None) -> datetime.datetime | None:
    return None if value is None else datetime.datetime.fromisoformat(value)


def _csv_instant(value: datetime.datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _line(values) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue().encode()


async def analytics(platform: Platform, caller: Caller, event_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.connection() as conn:
        event = await _event(conn, caller, event_id)
        zone = event.time_zone
        views = [{"day": row["day"], "viewers": row["viewers"]}
                 for row in await repository.views_per_day(conn, event_id)]
        sales = [{"day": row["day"], "ticket_type_id": row["ticket_type_id"],
                  "ticket_type_name": row["ticket_type_name"], "tickets": row["tickets"], "revenue": row["revenue"]}
                 for row in await repository.sales_per_day(conn, event_id, zone)]
        checkins = [{"day_id": row["day_id"], "number": row["number"], "hour": row["hour"],
                     "checkins": row["checkins"]}
                    for row in await repository.checkins_per_hour(conn, event_id, zone)]
        viewers = await repository.distinct_viewers(conn, event_id)
        buyers = await repository.distinct_buyers(conn, event_id)
    by_type: dict[uuid.UUID, dict[str, Any]] = {}
    for sale in sales:
        kind = by_type.setdefault(sale["ticket_type_id"], {"ticket_type_id": sale["ticket_type_id"],
                                                           "ticket_type_name": sale["ticket_type_name"],
                                                           "tickets": 0, "revenue": 0})
        kind["tickets"] += sale["tickets"]
        kind["revenue"] += sale["revenue"]
    return {
        "event_id": event_id, "time_zone": zone, "currency": event.currency,
        "views": {"unique_viewers": viewers, "per_day": views},
        "sales": {"tickets": sum(s["tickets"] for s in sales), "revenue": sum(s["revenue"] for s in sales),
                  "per_ticket_type": list(by_type.values()), "per_day": sales},
        "checkins": {"total": sum(c["checkins"] for c in checkins), "per_hour": checkins},
        "conversion": {"viewers": viewers, "buyers": buyers,
                       "basis_points": buyers * 10_000 // viewers if viewers else None},
    }
