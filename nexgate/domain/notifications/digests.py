"""The daily and weekly email digests (docs/notifications.md, "Email digests"): for each
category whose email choice is ``daily_digest`` or ``weekly_digest`` (preferences.py; the
default is the daily one), one email at a fixed local hour (``NEXGATE_NOTIFICATIONS_DAILY_DIGEST_AT``;
the weekly one on ``NEXGATE_NOTIFICATIONS_WEEKLY_DIGEST_DAY`` at ``..._WEEKLY_DIGEST_AT``) in
the recipient's time zone, telling what they have not read of what came since the last one.

**Waiting.** ``triggers.tell`` hands each notification it makes whose email decision is a
digest to ``wait_for``: the notification is marked as waiting for that digest (notify
database, in the consumer's transaction), and when none is scheduled yet for the recipient
and kind, the digest's instant is worked out (``next_due``: the next local reading of the
hour, on a later local day, or week, than the last digest; across a change of the clocks as
quiet hours are, ``preferences.first_reaching``) and the platform's durable scheduled job
for it is written (``bus.scheduler``, core database through the bus, one job per recipient
and kind, replaced when moved), as a push held for quiet hours is. Nothing is scheduled while
nothing waits, so an empty digest is never even due.

**Sending.** At its instant the scheduler turns the job into ``notifications.digest_time.reached``;
the ``notifications`` consumer calls ``send_due``. Under the lock of the recipient's digest
row, a job whose instant is not the one the row waits for (moved by a change of time zone,
or called off) sends nothing; otherwise every notification waiting for that digest is taken
up by it, and those still to tell (unread, not deleted, of a category whose choice is still
that digest) are rendered in the recipient's language (each one's current text: a group
once, as it reads now, with its deep link) and requested from the email worker (SMTP, its
retries and dead letters), to the verified address only, and recorded
(``notification_digests``, one per recipient, kind and instant); the email is a delivery of
each notification it tells (``notification_deliveries``, channel ``email``, sharing the
digest's id: the email worker's attempts, sent or failed, apply to all of them). Sent once: the scheduler
fires a job once, the consumer handles an event id once, and a second pass of the same
digest at once (another consumer, a job fired again) waits for the row's lock and then finds
the row no longer waiting for that instant and nothing left to take up. The lock also keeps
a notification being told meanwhile from being lost: it is either committed before the
digest takes up what waits, or finds no digest scheduled and schedules the next. A crash
after the email request commits and before the consumer's transaction does sends it again
on the redo, as the ``all`` path.

**Changing the choice** (``preferences_changed``, in the settings' transaction): the
notifications of a category that leaves a digest leave it too (a digest tells what came
since its choice was made); a digest no category is on any more is called off; a new time
zone moves a waiting digest to the hour there.
"""
from __future__ import annotations

import datetime
import logging
import uuid
import zoneinfo
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import asyncpg

from ...bus import Event, scheduler
from ...config import WEEKDAYS, Config
from ...platform import Platform
from ..users import visibility
from . import deliveries, email, preferences, registry
from . import digests_repository as repository
from .centre_repository import Notification
from .events import DIGEST_DUE
from .views import notification_view

log = logging.getLogger(__name__)

DAILY, WEEKLY = "daily_digest", "weekly_digest"
KINDS = (DAILY, WEEKLY)
TEMPLATE = "digest"  # nexgate/templates/email/digest.*
MAX_SHOWN = 50  # notifications listed in one email; the rest are counted ("and 12 more in the app")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "nexgate:notifications:digest")


# What a digest says, in every language: each part one of the service's own texts
# (registry.own_text, named "<digest>.<part>"), checked as a type's templates are

PARTS = {"subject": ("count",), "subject_one": (), "heading": (), "more": ("more",), "open": (), "reason": (),
         "settings": ()}


def digest_texts(digest: str, **parts: Mapping[str, str]) -> Mapping[str, registry.Text]:
    """A digest's texts by part: ``ValueError`` naming each part missing or unknown, each
    language a part lacks, each parameter it names but is not given."""
    found = [f"{digest}: no {part} text" for part in PARTS if part not in parts]
    found += [f"{digest}: {part!r} is not a part of a digest" for part in parts if part not in PARTS]
    texts = {}
    for part, by_language in parts.items():
        try:
            texts[part] = registry.own_text(f"{digest}.{part}", params=PARTS.get(part, ()), **by_language)
        except ValueError as refused:
            found.append(str(refused))
    if found:
        raise ValueError("; ".join(found))
    return MappingProxyType(texts)


_SHARED = {
    "more": {"en": "And {more} more in the app.", "sw": "Na nyingine {more} kwenye programu."},
    "open": {"en": "Open it in the Nexgate app", "sw": "Fungua kwenye programu ya Nexgate"},
    "settings": {"en": "Change your notification settings", "sw": "Badilisha mipangilio ya arifa"},
}
TEXTS: Mapping[str, Mapping[str, registry.Text]] = {
    DAILY: digest_texts(
        DAILY, **_SHARED,
        subject={"en": "Your daily Nexgate digest: {count} new notifications",
                 "sw": "Muhtasari wako wa kila siku wa Nexgate: arifa {count} mpya"},
        subject_one={"en": "Your daily Nexgate digest: 1 new notification",
                     "sw": "Muhtasari wako wa kila siku wa Nexgate: arifa 1 mpya"},
        heading={"en": "What you have not read yet since your last daily digest:",
                 "sw": "Ambayo hujasoma bado tangu muhtasari wako wa kila siku uliopita:"},
        reason={"en": "You get this email because you chose a daily email digest for these notifications.",
                "sw": "Unapokea barua pepe hii kwa sababu ulichagua muhtasari wa kila siku wa arifa hizi kwa barua "
                      "pepe."}),
    WEEKLY: digest_texts(
        WEEKLY, **_SHARED,
        subject={"en": "Your weekly Nexgate digest: {count} new notifications",
                 "sw": "Muhtasari wako wa kila wiki wa Nexgate: arifa {count} mpya"},
        subject_one={"en": "Your weekly Nexgate digest: 1 new notification",
                     "sw": "Muhtasari wako wa kila wiki wa Nexgate: arifa 1 mpya"},
        heading={"en": "What you have not read yet since your last weekly digest:",
                 "sw": "Ambayo hujasoma bado tangu muhtasari wako wa kila wiki uliopita:"},
        reason={"en": "You get this email because you chose a weekly email digest for these notifications.",
                "sw": "Unapokea barua pepe hii kwa sababu ulichagua muhtasari wa kila wiki wa arifa hizi kwa barua "
                      "pepe."}),
}


def email_context(platform: Platform, digest: str, language: str, told: list[dict[str, Any]]) -> dict[str, Any]:
    """The digest template's context: ``told`` (notification views, newest first) as the email lists them."""
    texts = TEXTS[digest]
    shown, more = told[:MAX_SHOWN], max(0, len(told) - MAX_SHOWN)
    subject = texts["subject_one"].render(language) if len(told) == 1 else texts["subject"].render(
        language, count=len(told))
    plain = {part: texts[part].render(language) for part in ("heading", "open", "reason", "settings")}
    return {"language": language, "subject": subject, **plain,
            "items": [{"text": view["text"], "link": view["link"]} for view in shown],
            "more": texts["more"].render(language, more=more) if more else "",
            "settings_url": f"{platform.config.web_url.rstrip('/')}/settings/notifications"}


# When

def next_due(config: Config, digest: str, zone: zoneinfo.ZoneInfo, *, after: datetime.datetime,
             previous: datetime.datetime | None = None) -> datetime.datetime:
    """The instant (UTC) of the recipient's next digest of that kind after ``after``: the first
    reading of its local hour in ``zone`` on a local day (for the weekly one, its weekday) later
    than the previous digest's (``previous``), so never two in one local day or week, even on
    the night the clocks go back and the hour reads twice; an hour the clocks jump over (02:30
    on the night they go forward) is the moment they jump."""
    at = config.notifications_daily_digest_at if digest == DAILY else config.notifications_weekly_digest_at
    weekday = None if digest == DAILY else WEEKDAYS.index(config.notifications_weekly_digest_day)
    local = after.astimezone(zone)
    day = local.date()
    if datetime.datetime.combine(day, at) <= local.replace(tzinfo=None):
        day += datetime.timedelta(days=1)  # today's has passed
    if previous is not None:
        day = max(day, previous.astimezone(zone).date() + datetime.timedelta(days=1))
    while weekday is not None and day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return preferences.first_reaching(datetime.datetime.combine(day, at), zone, after=after)


def job_id(recipient_id: uuid.UUID, digest: str) -> uuid.UUID:
    """The recipient's scheduled job for that digest: one, moved by scheduling it again."""
    return uuid.uuid5(_NAMESPACE, f"{digest}\n{recipient_id}")


async def _schedule(platform: Platform, recipient_id: uuid.UUID, digest: str, due: datetime.datetime) -> None:
    payload = {"recipient_id": str(recipient_id), "digest": digest, "due_at": due.isoformat()}
    async with platform.core.transaction("notifications.schedule_digest") as core:
        await scheduler.schedule(core, routing_key=DIGEST_DUE, payload=payload, run_at=due,
                                 job_id=job_id(recipient_id, digest), replace=True)


async def _call_off(platform: Platform, recipient_id: uuid.UUID, digest: str) -> None:
    async with platform.core.transaction("notifications.cancel_digest") as core:
        await scheduler.cancel(core, job_id=job_id(recipient_id, digest))


# Waiting

async def wait_for(platform: Platform, conn: asyncpg.Connection, *, notification: Notification, digest: str) -> None:
    """The notification just made in ``conn`` (the consumer's transaction) waits for the
    recipient's ``digest``; its job is scheduled if none was. The core write comes before the
    consumer's transaction commits: a crash in between makes it again on the redo (a job of
    the same id, replaced)."""
    recipient_id = notification.recipient_id
    row = await repository.wait_for_digest(conn, notification.id, recipient_id, digest)
    if row["due_at"] is not None:  # scheduled already: it will tell this one too
        return
    prefs = await preferences.preferences_of(conn, recipient_id)
    due = next_due(platform.config, digest, prefs.zone, after=notification.created_at, previous=row["last_due_at"])
    await repository.set_due(conn, recipient_id, digest, due)
    await _schedule(platform, recipient_id, digest, due)


# Sending

async def send_due(platform: Platform, conn: asyncpg.Connection, types: registry.Registry, event: Event) -> None:
    """Send the digest a ``notifications.digest_time.reached`` event says is due, in the consumer's transaction."""
    recipient_id = uuid.UUID(event.payload["recipient_id"])
    digest, due_at = event.payload["digest"], datetime.datetime.fromisoformat(event.payload["due_at"])
    row = await repository.schedule_for_update(conn, recipient_id, digest)
    if row is None or row["due_at"] != due_at:
        log.info("digest %s of %s at %s: moved or called off since, not sent", digest, recipient_id, due_at)
        return
    prefs = await preferences.preferences_of(conn, recipient_id)
    taken = await repository.take_waiting(conn, recipient_id, digest)
    await repository.digest_taken(conn, recipient_id, digest, due_at)
    told = [Notification(**{k: v for k, v in dict(n).items() if k != "deleted_at"}) for n in taken
            if n["read_at"] is None and n["deleted_at"] is None and n["type"] in types.types
            and prefs.choice(n["category"], "email") == digest and prefs.type_on(n["type"])]
    if not told:  # nothing to tell: no email
        return
    told.sort(key=Notification.position, reverse=True)
    audience = await visibility.notice_audience(platform, recipient_id, None)
    language = audience.language if audience is not None else "en"
    digest_id = uuid.uuid5(_NAMESPACE, f"{recipient_id}\n{digest}\n{due_at.isoformat()}")
    await repository.record_digest(conn, id=digest_id, recipient_id=recipient_id, digest=digest, due_at=due_at,
                                   notification_ids=[n.id for n in told], language=language)
    if audience is None or not audience.email:  # only to a verified address
        return
    views = [notification_view(types[n.type], n, language) for n in told]
    context = email_context(platform, digest, language, views)
    told_ids = [uuid.uuid5(digest_id, str(n.id)) for n in told]  # the digest's telling of each
    delivery_ids = [uuid.uuid5(told_id, deliveries.EMAIL) for told_id in told_ids]
    await repository.queue_digest_deliveries(conn, ids=delivery_ids, notification_ids=[n.id for n in told],
                                             told_ids=told_ids, recipient_id=recipient_id, digest_id=digest_id)
    async with platform.core.transaction("notifications.request_digest") as core:
        event_id = await email.request_email(core, to=audience.email, template=TEMPLATE, context=context,
                                             delivery_id=delivery_ids[0])  # the others move with it
    await repository.digest_emailed(conn, digest_id, event_id)


# Changing the choice

async def preferences_changed(platform: Platform, conn: asyncpg.Connection, recipient_id: uuid.UUID,
                              before: preferences.Preferences, after: preferences.Preferences) -> None:
    """Follow a change of the recipient's preferences (in its transaction, their row locked)."""
    for digest in KINDS:
        left = [category for category in registry.CATEGORIES
                if before.choice(category, "email") == digest and after.choice(category, "email") != digest]
        if left:
            await repository.drop_waiting(conn, recipient_id, digest, left)
        row = await repository.schedule_for_update(conn, recipient_id, digest)
        if row is None or row["due_at"] is None:  # none waiting: the next notification for it schedules it
            continue
        if not any(after.choice(category, "email") == digest for category in registry.CATEGORIES):
            await repository.set_due(conn, recipient_id, digest, None)
            await _call_off(platform, recipient_id, digest)
        elif after.zone.key != before.zone.key:
            now = datetime.datetime.now(datetime.UTC)
            due = next_due(platform.config, digest, after.zone, after=now, previous=row["last_due_at"])
            await repository.set_due(conn, recipient_id, digest, due)
            await _schedule(platform, recipient_id, digest, due)


async def digests_of(conn: asyncpg.Connection, recipient_id: uuid.UUID) -> list[asyncpg.Record]:
    return await repository.digests_of(conn, recipient_id)
