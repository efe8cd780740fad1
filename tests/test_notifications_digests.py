"""The daily and weekly email digests (nexgate/domain/notifications/digests.py), through the real
app: the notifications consumer, the platform's scheduled jobs and scheduler, the outbox relay,
RabbitMQ, the email worker and the SMTP sandbox. A digest's job is driven by moving it to now
(its instant, the end of its period, stays as it was), never by waiting for the hour."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import uuid
import zoneinfo

import pytest

from nexgate.bus import Event, scheduler
from nexgate.config import Config
from nexgate.domain.notifications import centre_repository, digests, registry, templates
from nexgate.domain.notifications.events import DIGEST_DUE
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.notifications import centre, event_ids, fail_logins, handled, person

WORKERS = ["outbox-relay", "scheduler", "notifications", "email"]
DAILY, WEEKLY = digests.DAILY, digests.WEEKLY
KATHMANDU, NEW_YORK = zoneinfo.ZoneInfo("Asia/Kathmandu"), zoneinfo.ZoneInfo("America/New_York")
EIGHT = datetime.time(8)


async def _app(make_client, config, smtp_sandbox, **settings):
    fast = dataclasses.replace(config, bus_prefetch=1, scheduler_poll_ms=20, smtp_port=smtp_sandbox.port,
                               login_failures_before_lockout=2, login_failures_per_ip=100, **settings)
    return await make_client(fast, worker_names=WORKERS)


async def _verified(client, api) -> str:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("UPDATE users SET email_verified_at = now() WHERE id = $1 RETURNING email",
                                   api.user_id)


async def _settings(api, **changes) -> dict:
    return await api.request("PATCH", "/api/notifications/settings", json=changes)


async def _job(client, api, digest):
    async with client.app[PLATFORM].core.connection() as conn:
        return await scheduler.job(conn, digests.job_id(api.user_id, digest))


async def _schedule_row(client, api, digest):
    async with client.app[PLATFORM].notify.connection() as conn:
        return await conn.fetchrow("SELECT due_at, last_due_at FROM notification_digest_schedules "
                                   "WHERE recipient_id = $1 AND digest = $2", api.user_id, digest)


async def _sent(client, api) -> list:
    async with client.app[PLATFORM].notify.connection() as conn:
        return await digests.digests_of(conn, api.user_id)


async def _now(client) -> datetime.datetime:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("SELECT now()")


async def _told(client, *routing_keys_and_fields) -> None:
    """Wait until the notifications consumer handled these events (routing key, field, value)."""
    ids = [event_id for key, field, value in routing_keys_and_fields
           for event_id in await event_ids(client, key, **{field: str(value)})]
    await handled(client, ids)


async def _run_digest(client, api, digest):
    """Drive the recipient's digest job now and wait until it was handled (and its email sent)."""
    job = await _job(client, api, digest)
    assert job is not None and job["fired_at"] is None, job
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE scheduled_jobs SET run_at = now() WHERE id = $1", job["id"])
    fired = await eventually(lambda: _fired(client, job["id"]), timeout=20)
    await handled(client, [fired])
    sent = [row for row in await _sent(client, api) if row["due_at"] == job["run_at"] and row["digest"] == digest]
    if sent and sent[0]["email_event_id"]:
        await handled(client, [sent[0]["email_event_id"]], consumer="email")
    return job


async def _fired(client, job_id):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("SELECT event_id FROM scheduled_jobs WHERE id = $1", job_id)


async def _pass(platform, payload) -> None:
    """A pass of the digest a job's payload names, as the consumer makes it for its event."""
    event = Event(id=uuid.uuid4(), type=DIGEST_DUE, payload=payload,
                  occurred_at=datetime.datetime.now(datetime.UTC))
    async with platform.notify.transaction("test.digest_pass") as conn:
        await digests.send_due(platform, conn, registry.registered(), event)


def _digest_emails(sandbox, to: str) -> list:
    return [m for m in sandbox.messages() if m["To"] == to and ("digest" in m["Subject"] or "Muhtasari" in m["Subject"])]


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _local(instant: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return instant.astimezone(zone)


async def test_the_daily_digest_goes_at_the_local_hour_with_the_unread_notifications_in_the_recipients_language(
        make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina = await users.new(client)  # her welcome waits for her daily digest, at 08:00 in Nairobi (the default zone)
    await _told(client, ("auth.user.registered", "user_id", amina.user_id))
    nairobi = (await _job(client, amina, DAILY))["run_at"]
    assert _local(nairobi, zoneinfo.ZoneInfo("Africa/Nairobi")).time() == EIGHT
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    address = await _verified(client, amina)
    # Kathmandu (UTC+05:45): the waiting digest moves to 08:00 there; security notifications go weekly.
    await _settings(amina, time_zone="Asia/Kathmandu", categories={"security": {"email": "weekly_digest"}})
    job = await _job(client, amina, DAILY)
    now = await _now(client)
    assert _local(job["run_at"], KATHMANDU).time() == EIGHT and job["run_at"] != nairobi
    assert datetime.timedelta(0) < job["run_at"] - now <= datetime.timedelta(days=1)
    assert job["payload"] == {"recipient_id": str(amina.user_id), "digest": DAILY,
                              "due_at": job["run_at"].isoformat()}

    juma, neema = await person(client, users), await person(client, users)
    for follower in (juma, neema):
        await follower.request("POST", f"/api/users/{amina.user_id}/follow")
    await fail_logins(client, amina, 2)  # a suspicious login: security, for the weekly digest
    await _told(client, ("users.follow.created", "followee_id", amina.user_id),
                ("auth.lockout.started", "user_id", amina.user_id))
    items = (await centre(amina))["items"]
    [welcome] = [n for n in items if n["type"] == "welcome"]
    [followers] = [n for n in items if n["type"] == "new_follower"]
    [lockout] = [n for n in items if n["type"] == "suspicious_login"]
    await amina.request("PATCH", f"/api/notifications/{welcome['id']}/read")

    ran = await _run_digest(client, amina, DAILY)
    [message] = await eventually(lambda: _digest_emails(smtp_sandbox, address))
    assert message["Subject"] == "Muhtasari wako wa kila siku wa Nexgate: arifa 1 mpya"
    body = _body(message)
    assert followers["text"] in body and followers["actor_count"] == 2  # the group once, as it reads now
    assert f"Fungua kwenye programu ya Nexgate: {followers['link']}" in body
    assert welcome["text"] not in body and lockout["text"] not in body  # read; for the weekly digest
    assert "mipangilio ya arifa" in body
    [sent] = await _sent(client, amina)
    assert (sent["digest"], sent["due_at"], sent["language"]) == (DAILY, ran["run_at"], "sw")
    assert [str(n) for n in sent["notification_ids"]] == [str(followers["id"])]
    row = await _schedule_row(client, amina, DAILY)
    assert row["due_at"] is None and row["last_due_at"] == ran["run_at"]  # none waits until the next notification
    weekly = await _job(client, amina, WEEKLY)  # the lockout waits for Monday 08:00 in Kathmandu
    assert _local(weekly["run_at"], KATHMANDU).weekday() == 0 and _local(weekly["run_at"], KATHMANDU).time() == EIGHT
    async with client.app[PLATFORM].notify.connection() as conn:
        delivered = await conn.fetch("SELECT event_id, subject FROM email_deliveries WHERE recipient = $1 "
                                     "AND template = 'digest'", address)
    assert [(d["event_id"], d["subject"]) for d in delivered] == [(sent["email_event_id"], message["Subject"])]


async def test_the_weekly_digest_goes_on_its_local_weekday_and_the_next_tells_only_what_came_after(
        make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(client, users), await person(client, users)
    address = await _verified(client, amina)
    await _settings(amina, time_zone="America/New_York", categories={
        "social": {"email": "weekly_digest"}, "security": {"email": "weekly_digest"}})
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    first = await _job(client, amina, WEEKLY)
    local = _local(first["run_at"], NEW_YORK)
    assert (local.weekday(), local.time()) == (0, EIGHT)  # Monday, 08:00 in New York
    assert datetime.timedelta(0) < first["run_at"] - await _now(client) <= datetime.timedelta(days=7)
    await _run_digest(client, amina, WEEKLY)
    [message] = await eventually(lambda: _digest_emails(smtp_sandbox, address))
    assert message["Subject"] == "Your weekly Nexgate digest: 1 new notification"
    [follow] = (await centre(amina))["items"]
    assert follow["text"] in _body(message) and "since your last weekly digest" in _body(message)

    await fail_logins(client, amina, 2)  # after the first digest: only this is in the next
    await _told(client, ("auth.lockout.started", "user_id", amina.user_id))
    second = await _job(client, amina, WEEKLY)
    assert _local(second["run_at"], NEW_YORK).date() == local.date() + datetime.timedelta(days=7)
    assert _local(second["run_at"], NEW_YORK).time() == EIGHT
    await _run_digest(client, amina, WEEKLY)
    messages = await eventually(lambda: (found := _digest_emails(smtp_sandbox, address)) and len(found) == 2 and found)
    [lockout] = [n for n in (await centre(amina))["items"] if n["type"] == "suspicious_login"]
    [later] = [m for m in messages if m is not message and _body(m) != _body(message)]
    assert lockout["text"] in _body(later) and follow["text"] not in _body(later)
    assert later["Subject"] == "Your weekly Nexgate digest: 1 new notification"
    sent = await _sent(client, amina)
    assert [(row["digest"], [str(n) for n in row["notification_ids"]]) for row in sent] == [
        (WEEKLY, [str(follow["id"])]), (WEEKLY, [str(lockout["id"])])]


async def test_no_digest_goes_when_everything_waiting_was_read(make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(client, users), await person(client, users)
    address = await _verified(client, amina)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    await amina.request("PATCH", "/api/notifications/read-all")
    ran = await _run_digest(client, amina, DAILY)
    assert await _sent(client, amina) == [] and _digest_emails(smtp_sandbox, address) == []
    row = await _schedule_row(client, amina, DAILY)
    assert row["due_at"] is None and row["last_due_at"] == ran["run_at"]
    # Nothing waiting, nothing due: no job until a notification waits again.
    assert (await _job(client, amina, DAILY))["fired_at"] is not None


async def test_a_digest_is_sent_once_by_two_app_processes_and_two_passes_at_once(
        make_client, config, users, smtp_sandbox):
    first = await _app(make_client, config, smtp_sandbox)
    second = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(first, users), await person(first, users)
    address = await _verified(first, amina)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(first, ("users.follow.created", "followee_id", amina.user_id))
    job = await _job(first, amina, DAILY)
    platform = first.app[PLATFORM]
    await asyncio.gather(_pass(platform, job["payload"]), _pass(platform, job["payload"]))  # two passes at once
    [sent] = await _sent(first, amina)
    await handled(first, [sent["email_event_id"]], consumer="email")
    await _run_digest(first, amina, DAILY)  # and the job itself, fired once by the two schedulers: nothing more
    assert len(await event_ids(first, DIGEST_DUE, recipient_id=str(amina.user_id))) == 1
    assert len(await _sent(second, amina)) == 1 and len(_digest_emails(smtp_sandbox, address)) == 1


async def test_a_notification_told_while_its_digest_goes_is_in_it(make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(client, users), await person(client, users)
    await _verified(client, amina)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    [follow] = (await centre(amina))["items"]
    job = await _job(client, amina, DAILY)
    platform = client.app[PLATFORM]

    async def waiting_for_a_lock():
        async with platform.notify.connection() as conn:
            return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock'")

    # A notification being told (its consumer's transaction not committed yet) as the digest goes.
    async with platform.notify.transaction("test.telling") as conn:
        late = await centre_repository.insert_notification(
            conn, id=uuid.uuid4(), recipient_id=amina.user_id, type="welcome", category="social", object_type=None,
            object_id=None, group_key=None, actors=[], actor_count=0, params={"username": "amina"},
            link="nexgate://discover")
        await digests.wait_for(platform, conn, notification=late, digest=DAILY)
        sending = asyncio.create_task(_pass(platform, job["payload"]))
        await eventually(waiting_for_a_lock)  # the digest waits for the telling to commit
    await sending
    [sent] = await _sent(client, amina)
    assert {str(n) for n in sent["notification_ids"]} == {str(follow["id"]), str(late.id)}
    await handled(client, [sent["email_event_id"]], consumer="email")  # one email, a delivery of each
    for told in (follow["id"], late.id):
        shown = await amina.request("GET", f"/api/notifications/{told}")
        assert [(d["channel"], d["status"]) for d in shown["deliveries"]] == [("email", "sent")]


async def test_a_digest_job_moved_since_it_fired_sends_nothing(make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(client, users), await person(client, users)
    await _verified(client, amina)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    job = await _job(client, amina, DAILY)
    stale = {**job["payload"], "due_at": (job["run_at"] - datetime.timedelta(hours=3)).isoformat()}
    await _pass(client.app[PLATFORM], stale)
    assert await _sent(client, amina) == []
    assert (await _schedule_row(client, amina, DAILY))["due_at"] == job["run_at"]  # still waits for its own
    await _run_digest(client, amina, DAILY)
    assert len(await _sent(client, amina)) == 1


async def test_choosing_none_calls_the_digest_off_and_choosing_it_again_tells_only_what_came_after(
        make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    address = await _verified(client, amina)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    assert await _job(client, amina, DAILY) is not None
    nothing = {category: {"email": "none"} for category in registry.CATEGORIES}
    await _settings(amina, categories=nothing)
    assert await _job(client, amina, DAILY) is None  # called off
    await neema.request("POST", f"/api/users/{juma.user_id}/follow")  # (someone else's)
    await amina.request("POST", f"/api/users/{neema.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", neema.user_id))
    assert await _job(client, amina, DAILY) is None and (await _schedule_row(client, amina, DAILY))["due_at"] is None

    await _settings(amina, categories={"social": {"email": "daily_digest"}, "security": {"email": "daily_digest"}})
    await neema.request("POST", f"/api/users/{amina.user_id}/follow")  # joins juma's group, made before: not told
    await fail_logins(client, amina, 2)  # new since the choice: told
    await _told(client, ("users.follow.created", "followee_id", amina.user_id),
                ("auth.lockout.started", "user_id", amina.user_id))
    [lockout] = [n for n in (await centre(amina))["items"] if n["type"] == "suspicious_login"]
    await _run_digest(client, amina, DAILY)
    [message] = await eventually(lambda: _digest_emails(smtp_sandbox, address))
    [sent] = await _sent(client, amina)
    assert [str(n) for n in sent["notification_ids"]] == [str(lockout["id"])]
    assert message["Subject"] == "Your daily Nexgate digest: 1 new notification"
    assert lockout["text"] in _body(message) and "started following you" not in _body(message)


async def test_a_category_emailed_each_time_is_not_in_the_digest(make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(client, users), await person(client, users)
    address = await _verified(client, amina)
    await _settings(amina, categories={"social": {"email": "all"}})
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    await eventually(lambda: [m for m in smtp_sandbox.messages() if m["To"] == address and "follow" in m["Subject"]])
    await _run_digest(client, amina, DAILY)  # her welcome's digest (since dropped: social is now "all")
    assert await _sent(client, amina) == [] and _digest_emails(smtp_sandbox, address) == []
    assert len([m for m in smtp_sandbox.messages() if m["To"] == address and "follow" in m["Subject"]]) == 1


async def test_an_unverified_address_gets_no_digest(make_client, config, users, smtp_sandbox):
    client = await _app(make_client, config, smtp_sandbox)
    amina, juma = await person(client, users), await person(client, users)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await _told(client, ("users.follow.created", "followee_id", amina.user_id))
    await _run_digest(client, amina, DAILY)
    [sent] = await _sent(client, amina)  # it had something to tell, and nowhere to tell it
    assert sent["email_event_id"] is None and len(sent["notification_ids"]) == 1
    async with client.app[PLATFORM].core.connection() as conn:
        address = await conn.fetchval("SELECT email FROM users WHERE id = $1", amina.user_id)
    assert address and await event_ids(client, "notifications.email.requested", to=address, template="digest") == []


# When, across the clocks' changes

def _at(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def _config(**settings) -> Config:
    return dataclasses.replace(Config(), **settings)


def test_the_daily_digest_is_the_next_local_reading_of_its_hour_once_a_local_day():
    config = _config(notifications_daily_digest_at=datetime.time(2, 30))
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 never reads: the digest goes at the jump.
    assert digests.next_due(config, DAILY, NEW_YORK, after=_at(2026, 3, 8, 1)) == _at(2026, 3, 8, 7)
    assert digests.next_due(config, DAILY, NEW_YORK, after=_at(2026, 3, 8, 7)) == _at(2026, 3, 9, 6, 30)  # EDT
    # 1 November 2026: 02:00 EDT goes back to 01:00 EST; 01:30 reads twice, the digest goes at the first.
    config = _config(notifications_daily_digest_at=datetime.time(1, 30))
    first = digests.next_due(config, DAILY, NEW_YORK, after=_at(2026, 11, 1, 4))
    assert first == _at(2026, 11, 1, 5, 30)
    # Not again at the second 01:30 that day: the next is the next day's.
    again = digests.next_due(config, DAILY, NEW_YORK, after=first, previous=first)
    assert again == _at(2026, 11, 2, 6, 30)
    assert digests.next_due(config, DAILY, NEW_YORK, after=_at(2026, 11, 1, 6, 0), previous=first) == again
    # Kathmandu, UTC+05:45, no clock changes: 08:00 there is 02:15 UTC.
    eight = _config()
    assert digests.next_due(eight, DAILY, KATHMANDU, after=_at(2026, 6, 1, 2, 14)) == _at(2026, 6, 1, 2, 15)
    assert digests.next_due(eight, DAILY, KATHMANDU, after=_at(2026, 6, 1, 2, 15)) == _at(2026, 6, 2, 2, 15)


def test_the_weekly_digest_is_on_its_local_weekday_at_its_hour():
    config = _config(notifications_weekly_digest_day="friday", notifications_weekly_digest_at=datetime.time(18))
    # Friday 4 December 2026, 18:00 in Kathmandu is 12:15 UTC.
    assert digests.next_due(config, WEEKLY, KATHMANDU, after=_at(2026, 12, 1, 9)) == _at(2026, 12, 4, 12, 15)
    assert digests.next_due(config, WEEKLY, KATHMANDU, after=_at(2026, 12, 4, 12, 15)) == _at(2026, 12, 11, 12, 15)
    # Across New York's clocks going back (Sunday 1 November 2026): Friday 6 November 18:00 EST is 23:00 UTC.
    assert digests.next_due(config, WEEKLY, NEW_YORK, after=_at(2026, 10, 30, 21)) == _at(2026, 10, 30, 22)  # EDT
    assert digests.next_due(config, WEEKLY, NEW_YORK, after=_at(2026, 10, 30, 22)) == _at(2026, 11, 6, 23)  # EST


# What a digest says, in every language

@pytest.mark.parametrize("digest", digests.KINDS)
@pytest.mark.parametrize("language", registry.LANGUAGES)
def test_every_digest_reads_in_both_languages(digest, language):
    assert {part: registry.text_problems(text) for part, text in digests.TEXTS[digest].items()} == {
        part: [] for part in digests.PARTS}
    views = [{"text": f"Notification {n}", "link": f"nexgate://users/{n}"} for n in range(digests.MAX_SHOWN + 2)]
    context = digests.email_context(types_platform(), digest, language, views)
    email = templates.render(digests.TEMPLATE, "amina@example.co.tz", context)
    assert email.subject == digests.TEXTS[digest]["subject"].render(language, count=len(views))
    assert "Notification 0" in email.text and f"Notification {digests.MAX_SHOWN}" not in email.text
    assert digests.TEXTS[digest]["more"].render(language, more=2) in email.text
    assert 'href="nexgate://users/0"' in email.html and f'lang="{language}"' in email.html


def types_platform():
    class Platform:
        config = Config()
    return Platform()


def test_a_digest_missing_a_language_or_a_part_is_refused():
    with pytest.raises(ValueError) as refused:
        digests.digest_texts("daily_digest", subject={"en": "{count} new, {unread} unread"}, heading={"sw": "Habari"})
    message = str(refused.value)
    assert "daily_digest.subject: no template in 'sw'" in message
    assert "daily_digest.heading: no template in 'en'" in message
    assert "daily_digest.subject: the 'en' template names 'unread', which it does not carry" in message
    assert "daily_digest: no reason text" in message
