"""Scheduled notifications: what other areas call to tell someone something at a time (an event
reminder, "starting soon", an installment falling due), move it, or call it off
(docs/notifications.md, "Scheduled notifications")::

    await schedules.schedule(conn, kind=notices.EVENT_REMINDER, recipient_id=buyer_id, at=starts_at - DAY,
                             key=f"{ticket_id}", params={"event_id": str(event_id), "title": title})
    await schedules.cancel(conn, kind=notices.EVENT_REMINDER, key=f"{ticket_id}")  # the ticket was refunded

The type is a registered *scheduled* type (``notification_type(..., scheduled=True)``, in the
calling area's ``notices.py`` and manifest); ``params`` are exactly its params. Scheduling the
same type and ``key`` again replaces the earlier one, fired or not: it is told (again) at the
new time with the new params.

Where the schedule lives: in the core database, as one of the platform's durable scheduled
jobs (``bus.scheduler``), written on the caller's connection inside the caller's transaction,
so that a reminder exists if and only if the change that asked for it commits, and moves or
disappears with the change that moves or cancels it. Keeping it in the notify database
instead would mean a write to a second database outside the caller's transaction (a
reminder for a ticket whose purchase rolled back, or none for one that committed after a
crash in between), or feeding it by events whose replays and retries could apply a replace
and a cancel out of order. The notification service itself never runs SQL on the core
database: its only core write is this one, made through the bus by the calling area in its
own transaction, as ``bus.emit`` is. When the job is due, the scheduler worker turns it into
``notifications.schedule.fired`` in the outbox; the ``notifications`` consumer (notify
database) tells it through the same path as any event's notification (triggers.py: the
recipient's audience and language, grouping, the live frame).

Told once: the scheduler fires a due job once however many schedulers poll (``FOR UPDATE SKIP
LOCKED``, its event written in the transaction that marks it fired), and the consumer handles
each event id once (``processed_events`` in the transaction that writes the notification, whose
id derives from the event's). A job survives restarts (it is a row) and fires no earlier than
``at``, about one scheduler poll plus the relay's later; a time already past fires at once.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from ...bus import scheduler
from . import registry
from .events import SCHEDULE_FIRED

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "nexgate:notifications:schedule")
MAX_KEY_LENGTH = 200
_VALUES = (str, int, bool, type(None))


def job_id(kind: registry.NotificationType, key: str) -> uuid.UUID:
    """The scheduled job of a type and key: one per pair, so scheduling it again replaces it."""
    return uuid.uuid5(_NAMESPACE, f"{kind.name}\n{key}")


async def schedule(conn: asyncpg.Connection, *, kind: registry.NotificationType, recipient_id: uuid.UUID,
                   at: datetime.datetime, key: str, params: Mapping[str, Any] | None = None) -> uuid.UUID:
    """Tell ``recipient_id`` the scheduled type ``kind`` at ``at`` (timezone-aware), replacing
    the type's earlier schedule of the same ``key``; on the caller's core connection, in its
    transaction. Returns the job's id. ``ValueError`` names a type that is not a registered
    scheduled one, a bad key, or params other than the type's."""
    _check(kind, key)
    params = dict(params or {})
    missing, unknown = set(kind.params) - set(params), set(params) - set(kind.params)
    if missing or unknown:
        raise ValueError(f"{kind.name} takes the params {', '.join(kind.params) or 'none'}: "
                         + "; ".join(part for part in (f"missing {', '.join(sorted(missing))}" if missing else "",
                                                       f"unknown {', '.join(sorted(unknown))}" if unknown else "")
                                     if part))
    values = {name: str(value) if isinstance(value, uuid.UUID) else value for name, value in params.items()}
    if bad := sorted(name for name, value in values.items() if not isinstance(value, _VALUES)):
        raise ValueError(f"{kind.name}: the params {', '.join(bad)} must be text, whole numbers, booleans or null")
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    payload = {"type": kind.name, "key": key, "recipient_id": str(recipient_id), "params": values,
               "run_at": at.isoformat()}
    return await scheduler.schedule(conn, routing_key=SCHEDULE_FIRED, payload=payload, run_at=at,
                                    job_id=job_id(kind, key), replace=True)


async def cancel(conn: asyncpg.Connection, *, kind: registry.NotificationType, key: str) -> bool:
    """Call off the type's schedule of ``key``, in the caller's transaction; False when there
    is none waiting (it never was, was cancelled, or has already fired and is being told)."""
    _check(kind, key)
    return await scheduler.cancel(conn, job_id=job_id(kind, key))


def _check(kind: registry.NotificationType, key: str) -> None:
    if not kind.scheduled:
        raise ValueError(f"{kind.name} is not a scheduled type (notification_type(..., scheduled=True))")
    if registry.registered().types.get(kind.name) != kind:
        raise ValueError(f"{kind.name} is not registered: list it in its area's notification_types")
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"a schedule's key is non-blank text of at most {MAX_KEY_LENGTH} characters")
