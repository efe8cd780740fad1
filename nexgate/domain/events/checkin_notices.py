"""The door's notification types (nexgate/domain/notifications/registry.py, docs/notifications.md):
a ticket's holder is told each admission (the check-in confirmation), and a user the organizer
invited to an event's staff is told of the invitation."""
from __future__ import annotations

from ..notifications.registry import notification_type
from .events import STAFF_INVITED, TICKET_ADMITTED

CHECKIN_CONFIRMED = notification_type(
    "checkin_confirmed", sources=(TICKET_ADMITTED,), category="events", recipient="holder_id",
    about=("ticket", "ticket_id"), params=("title", "day_number", "gate"), link="nexgate://tickets/{ticket_id}",
    in_app={"en": "You are checked in at {title} (day {day_number}). Enjoy the event",
            "sw": "Umeingia kwenye {title} (siku ya {day_number}). Furahia tukio"})

STAFF_INVITED_NOTICE = notification_type(
    "staff_invited", sources=(STAFF_INVITED,), category="events", recipient="user_id", actor="organizer_id",
    about=("event", "event_id"), params=("title", "role"), link="nexgate://events/{event_id}/staff",
    important=True,
    in_app={"en": "{actor_name} invited you to help at {title} as {role}. Accept or decline the invitation",
            "sw": "{actor_name} amekualika kusaidia kwenye {title} kama {role}. Kubali au kataa mwaliko"})

TYPES = (CHECKIN_CONFIRMED, STAFF_INVITED_NOTICE)
