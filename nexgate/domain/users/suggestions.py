"""Suggested users: accounts the people you follow follow (ranked by how many of them do), and
people who follow you; never yourself, anyone you follow, asked to follow, muted or blocked,
nor anyone who blocked you."""
from __future__ import annotations

import dataclasses

from ...platform import Platform
from ..auth.caller import Caller
from . import discovery_repository
from .discovery_repository import Suggested

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
# Bounds that keep one request cheap on any graph (docs/trust.md#suggestions): the most recent
# SAMPLE followees are walked, PER_FOLLOWEE of the most recent follows of each.
SAMPLE = 200
PER_FOLLOWEE = 50


@dataclasses.dataclass(frozen=True)
class Suggestion:
    user: Suggested
    reason: str


async def suggestions(platform: Platform, caller: Caller, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    async with platform.core.connection() as conn:
        rows = await discovery_repository.suggested_users(
            conn, viewer_id=caller.user_id, sample=SAMPLE, per_followee=PER_FOLLOWEE, limit=limit)
    return [Suggestion(row, reason(row)) for row in rows]


def reason(row: Suggested) -> str:
    """"follows you", "followed by @a", "followed by @a and 3 others", or both joined."""
    parts = ["follows you"] if row.follows_you else []
    if row.via_count:
        others = row.via_count - 1
        tail = "" if not others else f" and {others} other{'s' if others > 1 else ''}"
        parts.append(f"followed by @{row.via_usernames[0]}{tail}")
    return " · ".join(parts)
