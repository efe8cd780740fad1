"""Trust scores of sellers and organizers (spec 000): built from recorded trust events."""
from __future__ import annotations

LEVELS = ((80, "excellent"), (60, "good"), (40, "fair"), (0, "low"))


def level_for(score: int | None) -> str:
    """The level shown on a profile; ``new`` until a first trust event has been scored."""
    if score is None:
        return "new"
    return next(name for floor, name in LEVELS if score >= floor)
