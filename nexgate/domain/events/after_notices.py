"""The notification types of an event's reminders and of its cancellation (docs/notifications.md,
docs/events.md "Notifications"): each told to every holder of a valid ticket, from the batches of
holders the events area emits (``events.holders.reminded``: 24 hours and 1 hour before a day
starts and at its start; ``events.cancellation.announced``). The refund itself is told by the
payments area's ``refund_processed`` when the money reaches the buyer's phone."""
from __future__ import annotations

from ..notifications.registry import Each, notification_type
from .events import CANCELLATION_ANNOUNCED, HOLDERS_REMINDED

_TO_HOLDERS = {"category": "events", "about": ("event", "event_id"), "recipient": "holder_id",
               "each": Each("holder_ids", as_field="holder_id"), "link": "nexgate://events/{event_id}"}

EVENT_REMINDER_24H = notification_type(
    "event_reminder_24h", sources=(HOLDERS_REMINDED,), **_TO_HOLDERS, params=("title",), when={"before": "24h"},
    in_app={"en": "Reminder: {title} is tomorrow. Your ticket is in the app",
            "sw": "Ukumbusho: {title} ni kesho. Tiketi yako iko kwenye programu"})

EVENT_REMINDER_1H = notification_type(
    "event_reminder_1h", sources=(HOLDERS_REMINDED,), **_TO_HOLDERS, params=("title",), when={"before": "1h"},
    important=True,
    in_app={"en": "{title} starts in an hour. Have your ticket ready",
            "sw": "{title} inaanza baada ya saa moja. Andaa tiketi yako"})

EVENT_STARTING_SOON = notification_type(
    "event_starting_soon", sources=(HOLDERS_REMINDED,), **_TO_HOLDERS, params=("title",),
    when={"before": "starting"}, important=True,
    in_app={"en": "{title} is starting now",
            "sw": "{title} inaanza sasa"})

EVENT_CANCELLED_NOTICE = notification_type(
    "event_cancelled", sources=(CANCELLATION_ANNOUNCED,), **_TO_HOLDERS, params=("title",), important=True,
    in_app={"en": "{title} was cancelled by its organizer. Your ticket no longer admits you; anything you paid for "
                  "it is on its way back to you",
            "sw": "{title} imeghairiwa na mwandaaji wake. Tiketi yako haitumiki tena; ulichokilipia kinarudishwa "
                  "kwako"})

TYPES = (EVENT_REMINDER_24H, EVENT_REMINDER_1H, EVENT_STARTING_SOON, EVENT_CANCELLED_NOTICE)
