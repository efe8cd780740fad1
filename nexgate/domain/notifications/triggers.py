"""Turning the events of every area into notifications, by the registry's types: the
``notifications`` consumer group (nexgate/workers/notifications.py) calls ``tell`` once per
event id, inside its transaction on the notify database.

Nothing is told to a recipient who blocked or muted the actor (or whom the actor blocked),
nor of an actor who no longer exists; an actor's own deed is not told to them. What the
recipient's preferences turn off in-app (preferences.decide) is not recorded. A grouped type
joins the group's open notification: the actor to the front, the count exact, unread again.

The live frame is published inside the consumer's transaction, before it commits, so that
a crash between the two loses nothing: the event is delivered again, makes the same
notification (its id comes from the event's) and publishes under the same stream id, which
the recipient's stream keeps once. A device may thus see the frame a moment before the
centre lists it; the frame carries the whole notification. The push is asked for last, in
the same way (push.py, "Delivery").

A notification whose email decision is a digest waits for it (digests.py).

A scheduled notification (schedules.py) comes as ``notifications.schedule.fired`` and is told
by the same path, its recipient and params standing for an event's fields. A type with an
``each`` list tells each item's recipient.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

import asyncpg

from ...bus import Event
from ...platform import Platform
from ..users import visibility
from . import centre_repository as repository
from . import deliveries, digests, email, live, preferences, push, registry, sms
from .events import SCHEDULE_FIRED
from .views import notification_view

log = logging.getLogger(__name__)
DIGESTS = (preferences.Decision.DAILY_DIGEST, preferences.Decision.WEEKLY_DIGEST)


async def tell(platform: Platform, conn: asyncpg.Connection, types: registry.Registry, event: Event) -> None:
    if event.type == SCHEDULE_FIRED:
        await _tell_scheduled(platform, conn, types, event)
        return
    for kind in types.for_event(event):
        for payload in kind.told(event.payload):
            await _tell(platform, conn, kind, event, payload)


async def _tell_scheduled(platform: Platform, conn: asyncpg.Connection, types: registry.Registry,
                          event: Event) -> None:
    fired = event.payload
    kind = types.types.get(fired["type"])
    if kind is None or not kind.scheduled:  # scheduled before a release that dropped the type
        log.error("scheduled notification %s of %s: no such scheduled type, not told", fired["key"], fired["type"])
        return
    await _tell(platform, conn, kind, event, {**fired["params"], kind.recipient: fired["recipient_id"]})


async def _tell(platform: Platform, conn: asyncpg.Connection, kind: registry.NotificationType, event: Event,
                payload: dict[str, Any]) -> None:
    if payload[kind.recipient] is None:  # an event with no one to tell (a lockout of an unknown login)
        return
    recipient_id = uuid.UUID(payload[kind.recipient])
    actor_id = uuid.UUID(payload[kind.actor]) if kind.actor else None
    if actor_id == recipient_id:
        return
    audience = await visibility.notice_audience(platform, recipient_id, actor_id)
    if audience is None or audience.silenced or (actor_id is not None and audience.actor_name is None):
        return
    delivery = await preferences.decide(platform, conn, recipient_id=recipient_id, kind=kind, at=event.occurred_at)
    if not delivery.in_app.now:  # in-app off for its category or type (a critical type is always shown)
        return
    actor = None if actor_id is None else {"id": str(actor_id), "name": audience.actor_name}
    # A redo after a crash makes the id its live frame told; each recipient of a list its own.
    told_id = uuid.uuid5(event.id, kind.name if kind.each is None else f"{kind.name}:{recipient_id}")
    notification, created = await _record(conn, kind, event, payload, told_id, recipient_id, actor)
    unread = await repository.unread_count(conn, recipient_id)
    view = notification_view(kind, notification, audience.language)
    await live.notification_told(platform, recipient_id, view, unread, created=created, event_id=told_id)
    if not created:  # a group's later actors update it in the centre and live; pushed, emailed, texted once
        return
    await push.request_push(platform, conn, recipient_id=recipient_id, notification_id=notification.id,
                            told_id=told_id, decision=delivery.push, offline_only=kind.push_when_offline)
    told = deliveries.Told(notification.id, told_id, recipient_id)
    if delivery.email.now and audience.email:
        await email.email_notification(platform, conn, told, to=audience.email, language=audience.language, view=view)
    elif delivery.email.decision in DIGESTS:  # it waits for the recipient's daily or weekly digest
        await digests.wait_for(platform, conn, notification=notification, digest=delivery.email.decision.value)
    if delivery.sms.now and audience.phone:  # critical ones, unless the recipient said none
        await sms.text_notification(platform, conn, told, to=audience.phone, view=view)


async def _record(conn, kind: registry.NotificationType, event: Event, payload: dict[str, Any], new_id: uuid.UUID,
                  recipient_id: uuid.UUID, actor: dict[str, str] | None) -> tuple[repository.Notification, bool]:
    params = {name: payload[name] for name in kind.params}
    group_key = kind.group_key(payload)
    if group_key is not None:
        joined = await repository.claim_group(conn, recipient_id=recipient_id, group_key=group_key,
                                              notification_id=new_id, at=event.occurred_at,
                                              window=kind.grouping.window)
        if joined != new_id:
            new_actor = await repository.insert_actor(conn, joined, uuid.UUID(actor["id"]), event.occurred_at)
            return await repository.join_group(conn, joined, actor=actor, new_actor=new_actor, params=params), False
    notification = await repository.insert_notification(conn, **_columns(kind, payload, recipient_id, actor),
                                                        id=new_id, group_key=group_key, params=params)
    if actor is not None:
        await repository.insert_actor(conn, new_id, uuid.UUID(actor["id"]), event.occurred_at)
    return notification, True


def _columns(kind: registry.NotificationType, payload: dict[str, Any], recipient_id: uuid.UUID,
             actor: dict[str, str] | None) -> dict[str, Any]:
    object_type, object_field = kind.about or (None, None)
    return {
        "recipient_id": recipient_id, "type": kind.name, "category": kind.category,
        "object_type": object_type, "object_id": None if object_field is None else uuid.UUID(payload[object_field]),
        "actors": [] if actor is None else [actor], "actor_count": 0 if actor is None else 1,
        "link": registry.link(kind, payload),
    }
