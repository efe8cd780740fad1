"""Event search (docs/events.md, "Event pages and search"; spec 003 ``GET /api/events/search``):
published events that have not ended, soonest first, found by words (PostgreSQL full text over
the title, the venue and town, and the description; each word a prefix) and filtered by dates,
place (town, region, country, or near a point), category, price and format. The organizers the
viewer blocked, or who blocked them, are left out inside the query so that pages stay full."""
from __future__ import annotations

import datetime
import re
import uuid

from ...errors import Invalid
from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import events_repository as repository
from . import pages
from .events_repository import Event

MAX_QUERY = 100
MAX_RADIUS_KM = 500.0
DEFAULT_RADIUS_KM = 25.0
SOONEST_FIRST = Keyset("soonest", (datetime.datetime, uuid.UUID),
                       (datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=0)))
_WORD = re.compile(r"\w+")


def tsquery(q: str | None) -> str | None:
    """The words of ``q`` as a tsquery, each a prefix, all required: None without words; 422
    naming ``q`` for one with none or too long."""
    if q is None:
        return None
    q = " ".join(q.split())
    words = _WORD.findall(q.lower())
    if not 1 <= len(q) <= MAX_QUERY or not words:
        raise Invalid.fields("query", {"q": f"Give 1 to {MAX_QUERY} characters of words to search for."})
    return " & ".join(f"{word}:*" for word in words[:10])


def _position(event: Event) -> tuple:
    return event.starts_at, event.id


async def search_events(platform: Platform, caller: Caller | None, *, q: str | None = None,
                        from_at: datetime.datetime | None = None, to_at: datetime.datetime | None = None,
                        city: str | None = None, region: str | None = None, country: str | None = None,
                        lat: float | None = None, lng: float | None = None, radius_km: float | None = None,
                        category: str | None = None, free: bool = False, max_price: int | None = None,
                        currency: str | None = None, format: str | None = None, cursor: str | None = None,
                        limit: int) -> Page[pages.EventCard]:
    problems: dict[str, str] = {}
    if (lat is None) != (lng is None):
        problems["lat" if lat is None else "lng"] = "Searching near a point needs both lat and lng."
    if radius_km is not None and lat is None:
        problems["radius_km"] = "A radius needs lat and lng."
    now = pages.now()
    start = from_at or now
    if to_at is not None and to_at <= start:
        problems["to"] = "Must be after from (or after now)."
    if free and max_price is not None:
        problems["max_price"] = "Free only or a maximum price, not both."
    if max_price is not None and currency is None:
        problems["currency"] = "A maximum price needs the currency it is in."
    if problems:
        raise Invalid.fields("query", problems)
    query = tsquery(q)
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        category_ids = None
        if category is not None:
            category_ids = await repository.category_ids_by_refs(conn, [category])
            if not category_ids:
                raise Invalid.fields("query", {"category": "No such category (GET /api/events/categories)."})
        filters = dict(
            tsquery=query, from_at=start, to_at=to_at, city=_key(city), region=_key(region),
            country=country, near_lat=lat, near_lng=lng,
            radius_km=(radius_km or DEFAULT_RADIUS_KM) if lat is not None else None,
            category_ids=category_ids, free_only=free, max_price=max_price, currency=currency, format=format,
            hidden_owner_ids=await visibility.blocked_either_way(conn, viewer_id))
        page = await fetch(SOONEST_FIRST, cursor, limit,
                           lambda after, n: repository.search_events(conn, after=after, limit=n, **filters), _position)
        return Page(await pages.cards(platform, conn, page.items), page.next_cursor)


def _key(value: str | None) -> str | None:
    return None if value is None or not value.strip() else " ".join(value.split()).lower()
