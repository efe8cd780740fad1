"""What a ticket buyer and a ticket holder are told live (docs/websocket.md, "Tickets"), and the
tickets emailed once an order is paid, for the ``events_tickets`` consumer group.

- ``events.ticket_order.placed`` / ``.paid`` / ``.cancelled``: to the order's buyer, the frame
  of the same name with ``{"order": <the order as GET /api/ticket-orders/{id} shows it>}``;
  ``.paid`` also emails the order's tickets to the buyer.
- ``events.ticket.issued`` / ``events.ticket.revoked`` / ``events.ticket.renewed``: to the ticket's holder, with
  ``{"ticket": <the ticket as GET /api/tickets/{id} shows it>}`` (a transfer tells the new
  holder of their ticket, the old one of the one they gave away).

The view is read when the event is handled (a late or repeated delivery shows the current
state), and appended to the stream under the event's id (a redelivery is shown once).
"""
from __future__ import annotations

import uuid

from ...bus import Event
from ...platform import Platform
from . import ticket_orders, tickets
from . import tickets_repository as repository
from .events import (TICKET_ISSUED, TICKET_ORDER_CANCELLED, TICKET_ORDER_PAID, TICKET_ORDER_PLACED, TICKET_RENEWED,
                     TICKET_REVOKED)
from .views import json_ready, ticket_order_view, ticket_view

ORDER_EVENTS = (TICKET_ORDER_PLACED, TICKET_ORDER_PAID, TICKET_ORDER_CANCELLED)
TICKET_EVENTS = (TICKET_ISSUED, TICKET_REVOKED, TICKET_RENEWED)
ROUTING_KEYS = ORDER_EVENTS + TICKET_EVENTS


async def handle(platform: Platform, conn, event: Event) -> None:
    if event.type in ORDER_EVENTS:
        order_id = uuid.UUID(event.payload["order_id"])
        order = await repository.order_by_id(conn, order_id)
        if order is None:
            return
        found, = await ticket_orders.details(conn, [order])
        await platform.realtime.publish_to_user(order.buyer_id, event.type,
                                                {"order": json_ready(ticket_order_view(*found))}, event_id=event.id)
        if event.type == TICKET_ORDER_PAID:
            await tickets.email_order_tickets(platform, conn, order_id)
        return
    ticket = await repository.ticket(conn, uuid.UUID(event.payload["ticket_id"]))
    if ticket is None:
        return
    await platform.realtime.publish_to_user(uuid.UUID(event.payload["holder_id"]), event.type,
                                            {"ticket": json_ready(ticket_view(ticket))}, event_id=event.id)
