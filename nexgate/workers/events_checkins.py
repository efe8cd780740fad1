"""Consumer group ``events_checkins``: the door's live frames, from the outbox.

Each admission (``events.ticket.admitted``) and each offline conflict
(``events.checkin.conflicted``) is published on the event's dashboard topic,
``event:<id>:checkins``, with the counts as they stand (domain/events/dashboard.py); a kiosk's
pairing (``events.kiosk.paired``) is told to the kiosk's own session, and a revoked pairing
(``events.kiosk.revoked``) ends it on whichever server process holds it (the request that
revoked it ended it too, right after its commit; this is what survives a crash between the
two). The events come from the outbox, so nothing committed goes untold.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.events import dashboard, devices
from ..domain.events.events import CHECKIN_CONFLICTED, KIOSK_PAIRED, KIOSK_REVOKED, TICKET_ADMITTED
from ..platform import Platform

NAME = "events_checkins"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        payload = event.payload
        if event.type == TICKET_ADMITTED:
            await dashboard.tell_admitted(platform, conn, event)
        elif event.type == CHECKIN_CONFLICTED:
            await dashboard.tell_conflicted(platform, conn, event)
        elif event.type == KIOSK_PAIRED:
            await devices.tell_kiosk_paired(platform, payload["kiosk_id"])
        elif event.type == KIOSK_REVOKED:
            await devices.end_kiosk_session(platform, payload["kiosk_id"], payload["event_id"])

    return ConsumerGroup(name=NAME, routing_keys=(TICKET_ADMITTED, CHECKIN_CONFLICTED, KIOSK_PAIRED, KIOSK_REVOKED),
                         handle=handle, database=platform.core)
