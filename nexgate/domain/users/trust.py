"""Trust scores of sellers and organizers (spec 000): built from recorded trust events.

The commerce and events areas report what happened (an order completed, a dispute lost, an
event cancelled, a review's rating); the ``trust`` consumer group records each report once and
recomputes the subject's score. The formula, its weights and the levels are in docs/trust.md.
"""
from __future__ import annotations

import dataclasses
import logging
import uuid

from ... import bus
from ...bus import Event
from ...errors import Invalid
from . import repository, trust_repository
from .events import TRUST_SCORE_CHANGED

log = logging.getLogger(__name__)

LEVELS = ((80, "excellent"), (60, "good"), (40, "fair"), (0, "low"))
# The prior: a newcomer counts as PRIOR_WEIGHT events of outcome PRIOR_MEAN, so the first few
# events move the score only a little.
PRIOR_MEAN = 0.5
PRIOR_WEIGHT = 10.0


@dataclasses.dataclass(frozen=True)
class Kind:
    weight: float
    outcome: float | None  # 0 (bad) .. 1 (good); None: from the review's rating


KINDS = {
    "order_completed": Kind(1.0, 1.0),
    "order_refunded": Kind(1.0, 0.0),
    "dispute_lost": Kind(4.0, 0.0),
    "review": Kind(2.0, None),
    "event_completed": Kind(3.0, 1.0),
    "event_cancelled": Kind(5.0, 0.0),
}
# The events that feed trust: routing key → (kind, the payload field naming whose trust it is).
SOURCES = {
    "commerce.order.completed": ("order_completed", "seller_id"),
    "commerce.order.refunded": ("order_refunded", "seller_id"),
    "commerce.dispute.lost": ("dispute_lost", "seller_id"),
    "commerce.review.created": ("review", "seller_id"),
    "events.review.created": ("review", "organizer_id"),
    "events.event.completed": ("event_completed", "organizer_id"),
    "events.event.cancelled": ("event_cancelled", "organizer_id"),
}


def level_for(score: int | None) -> str:
    """The level shown on a profile; ``new`` until a first trust event has been scored."""
    if score is None:
        return "new"
    return next(name for floor, name in LEVELS if score >= floor)


async def record_trust_event(conn, event: Event) -> int | None:
    """Record what a trust event says and recompute its subject's score, in the consumer's
    transaction; the new score, or None when nothing changed (a duplicate, or a user who no
    longer exists). A malformed payload raises ``Invalid``: the consumer retries and then parks
    it in the group's dead-letter queue, where an operator sees it."""
    kind, user_id, rating = _parse(event)
    # The lock makes concurrent events of one user recompute one after the other, each seeing
    # the events committed before it.
    if not await repository.lock_users(conn, [user_id]):
        log.warning("trust event %s (%s) names user %s, who does not exist; ignored", event.id, event.type, user_id)
        return None
    if not await trust_repository.insert_trust_event(conn, user_id=user_id, kind=kind, rating=rating,
                                                     source_event_id=event.id, occurred_at=event.occurred_at):
        return None
    previous, score = await trust_repository.recompute_trust_score(
        conn, user_id, kinds=list(KINDS), weights=[k.weight for k in KINDS.values()],
        outcomes=[k.outcome for k in KINDS.values()], prior_mean=PRIOR_MEAN, prior_weight=PRIOR_WEIGHT,
    )
    if score != previous:
        await bus.emit(conn, TRUST_SCORE_CHANGED, {"user_id": str(user_id), "previous_score": previous,
                                                   "score": score, "level": level_for(score)})
    return score


def _parse(event: Event) -> tuple[str, uuid.UUID, int | None]:
    if event.type not in SOURCES:
        raise Invalid(f"{event.type} is not a trust event", details={"type": event.type})
    kind, field = SOURCES[event.type]
    try:
        user_id = uuid.UUID(str(event.payload[field]))
    except (KeyError, ValueError):
        raise Invalid.fields("payload", {field: "Not a user id."}, message=f"{event.type} needs {field}, a user id") from None
    rating = None
    if kind == "review":
        rating = event.payload.get("rating")
        if type(rating) is not int or not 1 <= rating <= 5:
            raise Invalid.fields("payload", {"rating": "Not an integer from 1 to 5."},
                                 message=f"{event.type} needs rating, an integer from 1 to 5")
    return kind, user_id, rating
