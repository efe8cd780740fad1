"""The notification service's events: what other areas ask it to send (docs/bus.md, "Event catalogue")."""
from __future__ import annotations

from ...bus.catalogue import INTEGER, OBJECT, STRING, TIMESTAMP, UUID, declare, event, nullable

EMAIL_REQUESTED = "notifications.email.requested"
SMS_REQUESTED = "notifications.sms.requested"
SCHEDULE_FIRED = "notifications.schedule.fired"
PUSH_REQUESTED = "notifications.push.requested"
PUSH_BACKOFF_EXPIRED = "notifications.push_backoff.expired"
QUIET_HOURS_ENDED = "notifications.quiet_hours.ended"
DIGEST_DUE = "notifications.digest_time.reached"

EVENTS = declare("notifications", [
    event(EMAIL_REQUESTED, "an area asked for an email; the email worker sends it", to=STRING, template=STRING,
          context=OBJECT, delivery_id=nullable(UUID)),
    event(SMS_REQUESTED, "an area asked for a text message; the sms worker sends it", to=STRING, text=STRING,
          kind=STRING, delivery_id=nullable(UUID)),
    event(SCHEDULE_FIRED, "a scheduled notification's time came (a scheduled job, schedules.py); the notifications "
          "consumer tells it", type=STRING, key=STRING, recipient_id=UUID, params=OBJECT, run_at=TIMESTAMP),
    event(PUSH_REQUESTED, "a notification was told (made, or joined by someone); the notifications_push worker "
          "pushes it to the recipient's devices", notification_id=UUID, recipient_id=UUID, told_id=UUID),
    event(PUSH_BACKOFF_EXPIRED, "the wait after a push delivery's temporary failure is over (a scheduled job, or a "
          "dead letter replayed): the notifications_push worker attempts it again", delivery_id=UUID, attempt=INTEGER),
    event(QUIET_HOURS_ENDED, "a recipient's quiet hours ended with pushes held for them (a scheduled job): the "
          "notifications_push worker pushes what is still unread as one summary", recipient_id=UUID, until=TIMESTAMP),
    event(DIGEST_DUE, "a recipient's daily or weekly email digest is due (a scheduled job, digests.py); the "
          "notifications consumer sends it", recipient_id=UUID, digest=STRING, due_at=TIMESTAMP),
])
