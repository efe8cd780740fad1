"""The events area's manifest (docs/events.md)."""
from ...area import Area
from ...domain.events import events  # noqa: F401  (declares the area's bus events)

AREA = Area(
    "events",
)
