"""The SQL of trust events and trust scores (``sql/users/trust.sql``)."""
from __future__ import annotations

import datetime
import uuid

from ...sql import queries

_sql = queries("users")


async def insert_trust_event(conn, *, user_id: uuid.UUID, kind: str, rating: int | None, source_event_id: uuid.UUID,
                             occurred_at: datetime.datetime) -> bool:
    """False if an event from this source was already recorded."""
    return bool(await _sql.insert_trust_event(conn, user_id=user_id, kind=kind, rating=rating,
                                              source_event_id=source_event_id, occurred_at=occurred_at))


async def recompute_trust_score(conn, user_id: uuid.UUID, *, kinds: list[str], weights: list[float],
                                outcomes: list[float], prior_mean: float, prior_weight: float) -> tuple[int | None, int]:
    """Store the user's score from all their events; (previous score, new score)."""
    row = await _sql.recompute_trust_score(conn, user_id=user_id, kinds=kinds, weights=weights, outcomes=outcomes,
                                           prior_mean=prior_mean, prior_weight=prior_weight)
    return row["previous"], row["score"]
