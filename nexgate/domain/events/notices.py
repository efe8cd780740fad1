"""The events area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): a published event's time, place or streaming link changed, told to each
holder of a valid ticket that ``events.event_change.announced`` names."""
from __future__ import annotations

from ..notifications.registry import Each, notification_type
from .events import EVENT_CHANGE_ANNOUNCED

EVENT_CHANGED_NOTICE = notification_type(
    "event_changed", sources=(EVENT_CHANGE_ANNOUNCED,), category="events", recipient="recipient_id",
    each=Each("recipient_ids", as_field="recipient_id"), actor="organizer_id", about=("event", "event_id"),
    params=("title",), important=True, link="nexgate://events/{event_id}",
    in_app={"en": "{title} has changed: check its new date, time or place before you go",
            "sw": "{title} imebadilika: angalia tarehe, muda au mahali papya kabla ya kwenda"})

TYPES = (EVENT_CHANGED_NOTICE,)
