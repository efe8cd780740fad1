"""The events area's manifest (docs/events.md): making an event, its pages and search over REST;
the event topic; the workers that publish an event's availability and changes on its topic and
that name its ticket holders when its time or place changes; its notification types."""
from ...area import Area
from ...domain.events import events  # noqa: F401  (declares the area's bus events)
from ...domain.events import notices
from ...workers import events_live, events_notices
from . import making, pages, ws

AREA = Area(
    "events",
    # the fixed paths (/api/events/drafts, /mine, /categories, /search) before /api/events/{event_id}
    routes=(making.routes, pages.routes),
    topics=ws.TOPICS,
    consumer_groups={events_live.NAME: events_live.consumer_group,
                     events_notices.NAME: events_notices.consumer_group},
    notification_types=notices.TYPES,
)
