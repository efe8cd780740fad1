"""The events area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md). Tickets: an order paid (or free), told to its buyer with the number of
tickets and, for an online event, its streaming link; the tickets themselves go to the buyer's
email from the ``events_tickets`` group (``tickets.email_order_tickets``)."""
from __future__ import annotations

from ..notifications.registry import notification_type
from .events import TICKET_ORDER_PAID

_ORDER = {"category": "events", "about": ("ticket_order", "order_id"), "recipient": "buyer_id",
          "link": "nexgate://ticket-orders/{order_id}", "important": True}

TICKET_PURCHASED = notification_type(
    "ticket_purchased", sources=(TICKET_ORDER_PAID,), **_ORDER, params=("title", "tickets"),
    when={"format": "in_person"},
    in_app={"en": "Your tickets for {title} are ready ({tickets}). Show the QR code at the door",
            "sw": "Tiketi zako za {title} ziko tayari ({tickets}). Onyesha msimbo wa QR mlangoni"})

TICKET_PURCHASED_ONLINE = notification_type(
    "ticket_purchased_online", sources=(TICKET_ORDER_PAID,), **_ORDER, params=("title", "tickets", "streaming_url"),
    when={"format": "online"},
    in_app={"en": "Your tickets for {title} are ready ({tickets}). Join online at {streaming_url}",
            "sw": "Tiketi zako za {title} ziko tayari ({tickets}). Jiunge mtandaoni kupitia {streaming_url}"})

TYPES = (TICKET_PURCHASED, TICKET_PURCHASED_ONLINE)
