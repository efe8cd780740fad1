"""Consumer group ``events_timeline``: an event's life after it is on sale (docs/events.md,
"Money", "Notifications"). On its scheduled jobs: the last day's end completes the event and
starts its feedback window (``events.event_end.reached``); a reminder tells the day's ticket
holders (``events.reminder_time.reached``); the window's close releases the money or holds it
for an operator (``events.feedback_window.closed``). On a cancellation it refunds the paid
orders, a batch per event (``events.event.cancelled``, then ``events.refunds.continued`` while
some are left). Each handler checks the event as it is under its row lock, so a stale job or a
redelivery (the bus hands each event once anyway) does nothing.
"""
from __future__ import annotations

import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.events import money, reminders
from ..domain.events.events import (EVENT_CANCELLED, EVENT_END_REACHED, FEEDBACK_WINDOW_CLOSED, REFUNDS_CONTINUED,
                                    REMINDER_TIME_REACHED)
from ..platform import Platform

NAME = "events_timeline"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        payload = event.payload
        event_id = uuid.UUID(payload["event_id"])
        if event.type == EVENT_END_REACHED:
            await money.complete_when_due(platform, conn, event_id)
        elif event.type == REMINDER_TIME_REACHED:
            await reminders.remind_when_due(conn, event_id, uuid.UUID(payload["day_id"]), payload["before"])
        elif event.type == FEEDBACK_WINDOW_CLOSED:
            await money.settle_when_due(platform, conn, event_id)
        elif event.type == EVENT_CANCELLED:
            await money.refund_batch(conn, event_id)
        elif event.type == REFUNDS_CONTINUED:
            await money.refund_batch(conn, event_id, uuid.UUID(payload["after_order_id"]))

    return ConsumerGroup(name=NAME, routing_keys=(EVENT_END_REACHED, REMINDER_TIME_REACHED, FEEDBACK_WINDOW_CLOSED,
                                                  EVENT_CANCELLED, REFUNDS_CONTINUED),
                         handle=handle, database=platform.core)
