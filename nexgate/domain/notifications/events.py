"""The notification service's events: what other areas ask it to send (docs/bus.md, "Event catalogue")."""
from __future__ import annotations

from ...bus.catalogue import OBJECT, STRING, TIMESTAMP, UUID, declare, event

EMAIL_REQUESTED = "notifications.email.requested"
SMS_REQUESTED = "notifications.sms.requested"
SCHEDULE_FIRED = "notifications.schedule.fired"

EVENTS = declare("notifications", [
    event(EMAIL_REQUESTED, "an area asked for an email; the email worker sends it", to=STRING, template=STRING,
          context=OBJECT),
    event(SMS_REQUESTED, "an area asked for a text message; the sms worker sends it", to=STRING, text=STRING,
          kind=STRING),
    event(SCHEDULE_FIRED, "a scheduled notification's time came (a scheduled job, schedules.py); the notifications "
          "consumer tells it", type=STRING, key=STRING, recipient_id=UUID, params=OBJECT, run_at=TIMESTAMP),
])
