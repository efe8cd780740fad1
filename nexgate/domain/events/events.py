"""The events area's bus events (docs/bus.md, "Event catalogue"; docs/events.md)."""
from __future__ import annotations

from ...bus.catalogue import INTEGER, STRING, TIMESTAMP, UUID, declare, event, list_of, nullable

# An event's life (domain/events/drafts.py, editing.py, money.py).
EVENT_PUBLISHED = "events.event.published"
EVENT_CHANGED = "events.event.changed"
EVENT_UNPUBLISHED = "events.event.unpublished"
EVENT_CANCELLED = "events.event.cancelled"
EVENT_COMPLETED = "events.event.completed"
# Scheduled jobs (bus/scheduler.py): an event's last day ended; a reminder is due; the feedback
# window after completion closed.
EVENT_END_REACHED = "events.event_end.reached"
REMINDER_TIME_REACHED = "events.reminder_time.reached"
FEEDBACK_WINDOW_CLOSED = "events.feedback_window.closed"
EVENT_SETTLED = "events.event.settled"
# A published event's time, place or streaming link changed: its valid ticket holders, to be told
# (workers/events_notices.py, by chunks of RECIPIENTS_PER_EVENT).
EVENT_CHANGE_ANNOUNCED = "events.event_change.announced"
# What is left of an event's ticket types changed (a sale, an expiry, a refund, an edit): told
# live on the event's topic, event:<id> (workers/events_live.py).
AVAILABILITY_CHANGED = "events.availability.changed"

# Buying tickets (domain/events/checkout.py).
TICKET_ORDER_PLACED = "events.ticket_order.placed"
TICKET_ORDER_PAID = "events.ticket_order.paid"
TICKET_ORDER_CANCELLED = "events.ticket_order.cancelled"
RESERVATION_EXPIRED = "events.reservation.expired"
TICKET_ISSUED = "events.ticket.issued"
TICKET_REVOKED = "events.ticket.revoked"
TICKET_TRANSFERRED = "events.ticket.transferred"
TICKET_REFUNDED = "events.ticket.refunded"
# An event moved (or its days changed) past what its tickets were signed for: each valid ticket
# signed again (domain/events/renewal.py, the events_tickets group, by batches).
TICKET_RENEWED = "events.ticket.renewed"
TICKETS_RENEWAL_CONTINUED = "events.tickets_renewal.continued"

# At the door (domain/events/checkin.py, staff.py, devices.py).
STAFF_INVITED = "events.staff.invited"
TICKET_ADMITTED = "events.ticket.admitted"
CHECKIN_CONFLICTED = "events.checkin.conflicted"
KIOSK_REVOKED = "events.kiosk.revoked"
KIOSK_PAIRED = "events.kiosk.paired"

REVIEW_CREATED = "events.review.created"

_EVENT = dict(event_id=UUID, organizer_id=UUID)
_TICKET = dict(ticket_id=UUID, event_id=UUID, organizer_id=UUID, ticket_type_id=UUID, order_id=UUID,
               holder_id=UUID)

EVENTS = declare("events", [
    event(EVENT_PUBLISHED, "an organizer published an event", **_EVENT, title=STRING),
    event(EVENT_CHANGED, "an organizer edited a published event; changed names what ticket holders are told of "
          "(schedule, place, streaming_link) beside the other fields", **_EVENT, title=STRING,
          fields=list_of(STRING)),
    event(EVENT_CHANGE_ANNOUNCED, "a published event's schedule, place or streaming link changed (from "
          "events.event.changed, by the events_notices group): its valid ticket holders, to be told", **_EVENT,
          title=STRING, fields=list_of(STRING), recipient_ids=list_of(UUID)),
    event(EVENT_UNPUBLISHED, "an organizer took a published event down before any sale", **_EVENT),
    event(EVENT_CANCELLED, "an organizer cancelled an event: its paid tickets are refunded", **_EVENT, title=STRING,
          reason=nullable(STRING)),
    event(EVENT_COMPLETED, "an event's last day ended", **_EVENT, title=STRING),
    event(EVENT_END_REACHED, "the time an event's last day ends came (a scheduled job)", event_id=UUID),
    event(REMINDER_TIME_REACHED, "a reminder of an event's day came due (a scheduled job): 24h, 1h or starting", event_id=UUID,
          day_id=UUID, before=STRING),
    event(FEEDBACK_WINDOW_CLOSED, "the feedback window after an event completed closed (a scheduled job)", event_id=UUID),
    event(EVENT_SETTLED, "an event's ticket money was settled: released to the organizer, held for an operator, or refunded by "
          "an operator's decision",
          **_EVENT, settlement=STRING, amount=INTEGER, currency=STRING),
    event(AVAILABILITY_CHANGED, "what is left of some of an event's ticket types changed", event_id=UUID,
          ticket_type_ids=list_of(UUID)),
    event(TICKET_ORDER_PLACED, "a buyer checked out tickets; a paid order waits for its payment", **_EVENT,
          order_id=UUID, buyer_id=UUID, total=INTEGER, currency=STRING),
    event(TICKET_ORDER_PAID, "a ticket order was paid (or was free): its tickets are issued; title, format and, for an "
          "online event, streaming_url are what the buyer is told", **_EVENT,
          order_id=UUID, buyer_id=UUID, total=INTEGER, currency=STRING, title=STRING, format=STRING,
          streaming_url=nullable(STRING), tickets=INTEGER),
    event(TICKET_ORDER_CANCELLED, "an unpaid ticket order was cancelled: its tickets are given back", **_EVENT,
          order_id=UUID, buyer_id=UUID, reason=STRING),
    event(RESERVATION_EXPIRED, "the time an unpaid ticket order's tickets were held for came (a scheduled job)",
          order_id=UUID),
    event(TICKET_ISSUED, "a ticket was issued to its holder (bought, free, or transferred to them)", **_TICKET),
    event(TICKET_REVOKED, "a ticket stopped admitting: refunded, cancelled or transferred; its code is on the "
          "event's revocation list", **_TICKET, reason=STRING),
    event(TICKET_TRANSFERRED, "a ticket's holder gave it to another user: a new ticket replaces it", **_TICKET,
          new_ticket_id=UUID, new_holder_id=UUID),
    event(TICKET_REFUNDED, "a paid ticket was refunded to its buyer", **_TICKET, amount=INTEGER, currency=STRING),
    event(TICKET_RENEWED, "a valid ticket was signed again because its event moved past the validity it was signed "
          "with (or its days changed): a new QR code, the same ticket and short code", **_TICKET,
          valid_until=TIMESTAMP, previous_valid_until=TIMESTAMP),
    event(TICKETS_RENEWAL_CONTINUED, "an event's valid tickets are being signed again: the next batch, after the "
          "ticket (after_issued_at, after_ticket_id), is due", event_id=UUID, after_issued_at=TIMESTAMP,
          after_ticket_id=UUID),
    event(STAFF_INVITED, "an organizer invited a user to help at an event", **_EVENT, user_id=UUID, role=STRING,
          title=STRING),
    event(TICKET_ADMITTED, "a ticket was admitted on one of its days", **_TICKET, day_id=UUID, method=STRING,
          gate=nullable(STRING), scanned_at=TIMESTAMP, title=STRING, day_number=INTEGER),
    event(CHECKIN_CONFLICTED, "an offline scanner uploaded an admission of a ticket another device had already "
          "admitted that day", **_EVENT, ticket_id=UUID, day_id=UUID, scanner_id=UUID, gate=nullable(STRING),
          scanned_at=TIMESTAMP),
    event(KIOSK_REVOKED, "an organizer revoked a kiosk's pairing: its live session ends", **_EVENT, kiosk_id=UUID),
    event(KIOSK_PAIRED, "an organizer paired a kiosk to an event's day and gate: its live session is told",
          **_EVENT, kiosk_id=UUID, day_id=UUID, gate=nullable(STRING)),
    event(REVIEW_CREATED, "an attendee reviewed an event's organizer", review_id=UUID, **_EVENT, reviewer_id=UUID,
          rating=INTEGER),
])

# After the doors (domain/events/timeline.py, money.py, reviews.py; workers/events_timeline.py):
# the batches of ticket holders told of a reminder or a cancellation (the notification service
# tells each of holder_ids), and the next batch of a cancelled event's refunds.
HOLDERS_REMINDED = "events.holders.reminded"
CANCELLATION_ANNOUNCED = "events.cancellation.announced"
REFUNDS_CONTINUED = "events.refunds.continued"

AFTER_EVENTS = declare("events", [
    event(HOLDERS_REMINDED, "a batch of the ticket holders of an event's day are reminded of it (before: 24h, 1h or "
          "starting)", **_EVENT, day_id=UUID, title=STRING, before=STRING, starts_at=TIMESTAMP,
          holder_ids=list_of(UUID)),
    event(CANCELLATION_ANNOUNCED, "a batch of a cancelled event's ticket holders are told it was cancelled", **_EVENT,
          title=STRING, reason=nullable(STRING), holder_ids=list_of(UUID)),
    event(REFUNDS_CONTINUED, "a cancelled event has paid ticket orders left to refund: the next batch, after "
          "after_order_id, is due", event_id=UUID, after_order_id=UUID),
])
