"""User search: usernames and display names, by prefix and fuzzily (pg_trgm), the people the
searcher follows first, then the best matches; users blocked either way never appear."""
from __future__ import annotations

import uuid

from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ...validation import search_terms
from ..auth.caller import Caller
from . import discovery_repository
from .discovery_repository import Found

MAX_QUERY = 50
FUZZY_FROM = 3  # shorter queries match prefixes only: trigrams of one or two letters match too much
BRANCH_LIMIT = 500  # matches taken from each source before ranking
# The people the searcher follows first (``following`` 1, then 0), then by score, best first.
BY_RANK = Keyset("rank", (int, float, uuid.UUID), (2, 0.0, uuid.UUID(int=0)))


async def search_users(platform: Platform, caller: Caller, q: str, cursor: str | None, limit: int) -> Page[Found]:
    q = search_terms(q, MAX_QUERY)
    async with platform.core.connection() as conn:
        return await fetch(BY_RANK, cursor, limit, lambda after, n: discovery_repository.search_users(
            conn, viewer_id=caller.user_id, q=q, fuzzy=len(q) >= FUZZY_FROM, branch_limit=BRANCH_LIMIT,
            after=after, limit=n), lambda found: (int(found.following), found.score, found.id))
