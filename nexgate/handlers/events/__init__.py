"""The events area's manifest (docs/events.md)."""
from ...area import Area
from ...domain.events import events  # noqa: F401  (declares the area's bus events)
from . import making, pages

AREA = Area(
    "events",
    # the fixed paths (/api/events/drafts, /mine, /categories, /search) before /api/events/{event_id}
    routes=(making.routes, pages.routes),
)
