"""Consumer group ``events_tickets``: tells a ticket order's buyer live of each step of their
order (``events.ticket_order.placed``, ``.paid``, ``.cancelled``), with the order's view as REST
shows it, and a ticket's holder of a ticket issued to them or revoked
(``events.ticket.issued``, ``events.ticket.revoked``), with the ticket's view; and emails the
tickets of a paid order to its buyer (``events.ticket_order.paid``), their QR codes made in the
process pool (``domain/events/live_tickets.py``); and signs a published event's valid tickets again
when an edit of its schedule or ticket types leaves their signed validity or days behind
(``events.event.changed``, then ``events.tickets_renewal.continued`` a batch at a time: each
renewed ticket is ``events.ticket.renewed``, told to its holder live, and emailed;
``domain/events/renewal.py``).

The events come from the outbox, so a crash between the commit and the publish loses nothing;
each is appended under the event's id, so a redelivery reaches each device once.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.events import live_tickets, renewal
from ..platform import Platform

NAME = "events_tickets"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        if event.type in renewal.ROUTING_KEYS:
            await renewal.handle(platform, conn, event)
        else:
            await live_tickets.handle(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=live_tickets.ROUTING_KEYS + renewal.ROUTING_KEYS, handle=handle,
                         database=platform.core)
