"""An event's scheduled jobs (docs/events.md, "Notifications", "Money"): when its last day ends
(``events.event_end.reached``), and for each day the reminders 24 hours and 1 hour before it
starts and the "starting soon" at its start (``events.reminder_time.reached``), written with the
bus's scheduler in the caller's transaction.

Each job has a stable id (uuid5 of the event, the day and the kind), so publishing or editing
an event writes them anew (``replace=True``: a day moved moves its reminders) and unpublishing
or cancelling removes them. A reminder whose time has already passed is not written (and one
written before is removed): nobody is told "tomorrow" of a day an hour away. The consumer
(workers/events_timeline.py) checks a job against the event when it fires, so a job left over
from a day since removed, or a day moved while its job was being fired, does nothing.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

from ...bus import scheduler
from . import after_repository as repository
from .events import EVENT_END_REACHED, FEEDBACK_WINDOW_CLOSED, REMINDER_TIME_REACHED

# before -> how long before the day's start the reminder comes
REMINDERS: dict[str, datetime.timedelta] = {
    "24h": datetime.timedelta(hours=24),
    "1h": datetime.timedelta(hours=1),
    "starting": datetime.timedelta(0),
}
_NAMESPACE = uuid.UUID("6f1c2b9e-4d57-4c1e-9a43-0e5b8f3d2a71")


def job_id(event_id: uuid.UUID, kind: str, day_id: uuid.UUID | None = None) -> uuid.UUID:
    """The stable id of one of an event's jobs: ``end``, ``feedback`` or a reminder (``24h``,
    ``1h``, ``starting``) of ``day_id``."""
    return uuid.uuid5(_NAMESPACE, f"{event_id}:{kind}:{day_id or ''}")


async def days(conn, event_id: uuid.UUID) -> list:
    return await repository.event_days(conn, event_id)


async def schedule(conn, event_id: uuid.UUID, *, now: datetime.datetime | None = None) -> None:
    """Write (or write anew) the event's end and its days' reminders from its days as they are
    now in this transaction: call it when an event is published and when its days change."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    found = await days(conn, event_id)
    if not found:
        return
    end = max(day["ends_at"] for day in found)
    await scheduler.schedule(conn, routing_key=EVENT_END_REACHED, payload={"event_id": str(event_id)}, run_at=end,
                             job_id=job_id(event_id, "end"), replace=True)
    for day in found:
        for before, ahead in REMINDERS.items():
            run_at = day["starts_at"] - ahead
            job = job_id(event_id, before, day["id"])
            if run_at <= now:
                await scheduler.cancel(conn, job_id=job)
                continue
            await scheduler.schedule(conn, routing_key=REMINDER_TIME_REACHED, run_at=run_at, job_id=job, replace=True,
                                     payload={"event_id": str(event_id), "day_id": str(day["id"]), "before": before})


async def unschedule(conn, event_id: uuid.UUID, day_ids: Sequence[uuid.UUID] | None = None) -> None:
    """Remove the event's jobs that have not fired (unpublished, cancelled): its end and the
    reminders of its days (``day_ids``: those days, e.g. days an edit is removing, else all)."""
    if day_ids is None:
        await scheduler.cancel(conn, job_id=job_id(event_id, "end"))
        day_ids = [day["id"] for day in await days(conn, event_id)]
    for day_id in day_ids:
        for before in REMINDERS:
            await scheduler.cancel(conn, job_id=job_id(event_id, before, day_id))


async def schedule_feedback_close(conn, event_id: uuid.UUID, settle_after: datetime.datetime) -> None:
    await scheduler.schedule(conn, routing_key=FEEDBACK_WINDOW_CLOSED, payload={"event_id": str(event_id)},
                             run_at=settle_after, job_id=job_id(event_id, "feedback"), replace=True)
