"""A notification's email and text message, tracked as deliveries beside its pushes
(docs/notifications.md, "Delivery tracking"): the recipient sees each in
``GET /api/notifications/{id}``, operators count them in ``/metrics``.

``triggers.tell`` queues the delivery in the notifications consumer's transaction and asks
for the email or SMS with its id, which comes from the telling's: a redo of that transaction
finds it queued and asks nothing more. The email or SMS worker then claims it: sent (with the
gateway's message id), or, after each failed attempt (``failed``, the worker group's
``on_failure``), queued again for the bus's next retry or failed with the last reason.
Redelivered requests find it sent and send nothing.
"""
from __future__ import annotations

import dataclasses
import logging
import uuid
from typing import Any

import asyncpg

from ...bus import Event
from ...bus.consumer import Failure
from ...platform import Platform
from . import push_repository as repository

log = logging.getLogger(__name__)

EMAIL, SMS = "email", "sms"
SETTLED = ("sent", "delivered")


class NotYetTold(RuntimeError):
    """A delivery was asked for before the notification's transaction committed (or that
    transaction rolled back and its retry will ask again): the bus retries the request."""


@dataclasses.dataclass(frozen=True)
class Told:
    """A telling of a notification (``told_id``: made from its source event's id)."""

    notification_id: uuid.UUID
    told_id: uuid.UUID
    recipient_id: uuid.UUID


async def queue(conn: asyncpg.Connection, channel: str, told: Told) -> uuid.UUID | None:
    """The id of a telling's new email or SMS delivery, or None if a redo had queued it."""
    delivery_id = uuid.uuid5(told.told_id, channel)
    queued = await repository.queue_channel_delivery(
        conn, delivery_id=delivery_id, notification_id=told.notification_id, told_id=told.told_id,
        recipient_id=told.recipient_id, channel=channel)
    return delivery_id if queued else None


def delivery_of(request: dict[str, Any]) -> uuid.UUID | None:
    """The notification delivery an email or SMS request is, if it is one (older requests
    have no ``delivery_id`` at all)."""
    delivery_id = request.get("delivery_id")
    return None if delivery_id is None else uuid.UUID(delivery_id)


async def claim(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> bool:
    """Whether the delivery is still to be sent (it is locked until ``conn``'s transaction ends)."""
    delivery = await repository.lock_delivery(conn, delivery_id)
    if delivery is None:
        raise NotYetTold(f"delivery {delivery_id} is not queued (yet)")
    return delivery["status"] not in SETTLED


async def sent(platform: Platform, conn: asyncpg.Connection, delivery_id: uuid.UUID, channel: str,
               message_id: str) -> None:
    await repository.record_attempt(conn, delivery_id, status="sent", reason=None, next_attempt_at=None,
                                    message_id=message_id)
    platform.metrics.notification_deliveries.labels(channel, "sent", "").inc()


def on_failure(platform: Platform, channel: str):
    """The email or SMS worker group's ``on_failure``: the attempt recorded on its delivery."""
    async def failed(event: Event, failure: Failure) -> None:
        delivery_id = delivery_of(event.payload)
        if delivery_id is None:  # not a notification's (a sign-in code, a receipt)
            return
        reason = _reason(failure.error)
        async with platform.notify.transaction(f"notifications.{channel}_failed") as conn:
            delivery = await repository.lock_delivery(conn, delivery_id)
            if delivery is None or delivery["status"] in SETTLED:
                return
            status = "failed" if failure.final else "queued"
            await repository.record_attempt(conn, delivery["id"], status=status, reason=reason,
                                            next_attempt_at=failure.retry_at)
        platform.metrics.notification_deliveries.labels(channel, "failed" if failure.final else "retrying",
                                                        reason).inc()
        if failure.final:
            log.info("%s delivery %s failed after %d attempt(s): %s", channel, delivery["id"], failure.attempt, reason)

    return failed


def _reason(error: Exception) -> str:
    """What the recipient and the metrics are told: the gateway's own word for a refusal, or the
    kind of error (an unreachable server, a timeout)."""
    return getattr(error, "reason", None) or type(error).__name__
