"""The events area's manifest (docs/events.md): making an event, its pages and search, buying
tickets, the tickets and their signing keys over REST; the event topic; the workers that publish
an event's availability and changes on its topic, that name its ticket holders when its time or
place changes, that pay or cancel ticket orders and that tell buyers and holders live of their
orders and tickets; its notification types. At the door: staff, check-in, scanners and kiosks
over REST, the check-in and kiosk commands over /ws, the check-in dashboard topic, kiosks as
devices with a session of their own, and the worker that feeds the dashboard and ends revoked
kiosks' sessions. After the doors: cancellation, attendees, analytics, reviews of the organizer
and the settlement of its money over REST, and the worker of its timeline (completion,
reminders, release, refunds)."""
from ...area import Area
from ...domain.events import checkin_notices
from ...domain.events import events  # noqa: F401  (declares the area's bus events)
from ...domain.events import after_notices, notices, ticket_notices
from ...workers import events_checkins, events_checkout, events_live, events_notices, events_tickets, events_timeline
from . import after, checkins, devices, keys, making, pages, staff, tickets, ws

AREA = Area(
    "events",
    # the fixed paths (/api/events/drafts, /mine, /categories, /search, /keys, /staff-invitations)
    # before /api/events/{event_id}
    routes=(keys.routes, staff.routes, making.routes, pages.routes, tickets.routes, after.routes, checkins.routes,
            devices.routes),
    commands=ws.COMMANDS,
    topics=ws.TOPICS,
    devices=ws.DEVICES,
    consumer_groups={events_live.NAME: events_live.consumer_group,
                     events_notices.NAME: events_notices.consumer_group,
                     events_checkout.NAME: events_checkout.consumer_group,
                     events_tickets.NAME: events_tickets.consumer_group,
                     events_timeline.NAME: events_timeline.consumer_group,
                     events_checkins.NAME: events_checkins.consumer_group},
    notification_types=notices.TYPES + ticket_notices.TYPES + after_notices.TYPES + checkin_notices.TYPES,
)
