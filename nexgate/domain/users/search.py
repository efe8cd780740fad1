"""User search: usernames and display names, by prefix and fuzzily (pg_trgm), the people the
searcher follows first, then the best matches; users blocked either way never appear."""
from __future__ import annotations

import base64
import uuid

from ...errors import Invalid
from ...platform import Platform
from ..auth.caller import Caller
from . import discovery_repository
from .discovery_repository import Found
from .pages import Page

MAX_QUERY = 50
FUZZY_FROM = 3  # shorter queries match prefixes only: trigrams of one or two letters match too much
BRANCH_LIMIT = 500  # matches taken from each source before ranking
# Before every result: ``following`` is 0 or 1.
_START = (2, 0.0, uuid.UUID(int=0))


async def search_users(platform: Platform, caller: Caller, q: str, cursor: str | None, limit: int) -> Page[Found]:
    q = " ".join(q.split())
    if not 1 <= len(q) <= MAX_QUERY:
        raise Invalid.fields("query", {"q": f"Give 1 to {MAX_QUERY} characters to search for."})
    async with platform.core.connection() as conn:
        rows = await discovery_repository.search_users(
            conn, viewer_id=caller.user_id, q=q, fuzzy=len(q) >= FUZZY_FROM, branch_limit=BRANCH_LIMIT,
            after=_decode(cursor), limit=limit + 1)
    items = rows[:limit]
    return Page(items, _encode(items[-1]) if len(rows) > limit else None)


def _encode(found: Found) -> str:
    raw = f"{int(found.following)}|{found.score!r}|{found.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[int, float, uuid.UUID]:
    if cursor is None:
        return _START
    try:
        following, score, user_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        return int(following), float(score), uuid.UUID(user_id)
    except ValueError:
        raise Invalid.fields("query", {"cursor": "Not a cursor this search returned."}) from None
