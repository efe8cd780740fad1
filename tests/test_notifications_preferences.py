"""Notification preferences through the real app: the defaults spec 003 names, a PATCH that
changes only what it names, 422 naming every bad category, channel, choice, type and time
zone, the in-app choice obeyed by the notifications consumer (critical ones always shown),
and ``preferences.decide`` as the channel workers ask it, on the app's notify database and
Redis: quiet hours in the recipient's zone (at their boundaries, across midnight and the
clocks' changes), digests, SMS for critical ones only, and the per-recipient push limit."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import uuid

import pytest

from nexgate.client import ApiError
from nexgate.domain.notifications import preferences, registry
from nexgate.domain.notifications.email import request_email
from nexgate.domain.notifications.preferences import Decision, QuietHours
from nexgate.keys import PLATFORM
from tests import cli
from tests.conftest import eventually
from tests.support.notifications import (
    WORKERS, centre, delivery, event_ids, fail_logins, handled, next_notification, notifying_app, person,
)

SETTINGS = "/api/notifications/settings"
UTC = datetime.UTC
DEFAULT_CHANNELS = {"in_app": True, "push": "all", "email": "daily_digest", "sms": "critical_only"}


def _at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def _kind(name: str) -> registry.NotificationType:
    return registry.registered()[name]


async def _fails(call, status: int) -> dict:
    with pytest.raises(ApiError) as refused:
        await call
    assert refused.value.status == status, refused.value.body
    return refused.value.body["error"]


async def test_the_defaults_are_spec_003s(make_client, config, users):
    client = await make_client(config)
    amina = await users.new(client)
    settings = await amina.request("GET", SETTINGS)
    assert settings == {
        "categories": {category: DEFAULT_CHANNELS for category in registry.CATEGORIES},
        "types": {name: True for name in sorted(registry.registered().types)},
        "quiet_hours": None,
        "time_zone": "Africa/Nairobi",
    }
    assert {"new_follower", "password_reset", "message_reaction"} <= set(settings["types"])


async def test_a_change_changes_only_what_it_names(make_client, config, users):
    client = await make_client(config)
    amina, juma = await users.new(client), await users.new(client)
    await amina.request("PATCH", SETTINGS, json={"categories": {"social": {"push": "important_only"}}})
    changed = await amina.request("PATCH", SETTINGS, json={
        "categories": {"social": {"email": "weekly_digest"}, "messages": {"in_app": False, "sms": "none"}},
        "types": {"new_follower": False}, "quiet_hours": {"start": "22:30", "end": "06:45"},
        "time_zone": "Africa/Dar_es_Salaam"})
    assert changed["categories"]["social"] == {**DEFAULT_CHANNELS, "push": "important_only", "email": "weekly_digest"}
    assert changed["categories"]["messages"] == {**DEFAULT_CHANNELS, "in_app": False, "sms": "none"}
    assert changed["categories"]["payments"] == DEFAULT_CHANNELS
    assert changed["types"]["new_follower"] is False and changed["types"]["follow_request"] is True
    assert changed["quiet_hours"] == {"start": "22:30", "end": "06:45"}
    assert changed["time_zone"] == "Africa/Dar_es_Salaam"
    assert await amina.request("GET", SETTINGS) == changed
    # An empty change changes nothing; turning a type back on and quiet hours off do.
    assert await amina.request("PATCH", SETTINGS, json={}) == changed
    again = await amina.request("PATCH", SETTINGS, json={"types": {"new_follower": True}, "quiet_hours": None})
    assert again["types"]["new_follower"] is True and again["quiet_hours"] is None
    assert again["categories"] == changed["categories"] and again["time_zone"] == "Africa/Dar_es_Salaam"
    # Someone else's are theirs.
    assert (await juma.request("GET", SETTINGS))["categories"]["social"] == DEFAULT_CHANNELS


async def test_two_changes_at_once_from_two_devices_both_hold(make_client, config, users):
    client = await make_client(config)
    amina = await users.new(client)
    await amina.request("PATCH", SETTINGS, json={"types": {"welcome": False}})
    notify = client.app[PLATFORM].notify
    # Two devices' changes arrive while the row is busy (held here): each must see the other's.
    async with notify.connection() as holder:
        held = holder.transaction()
        await held.start()
        await holder.execute("SELECT 1 FROM notification_preferences WHERE recipient_id = $1 FOR UPDATE",
                             amina.user_id)
        changes = [asyncio.create_task(amina.request("PATCH", SETTINGS, json=change)) for change in (
            {"categories": {"social": {"push": "none"}}}, {"categories": {"social": {"email": "none"}}})]

        async def both_waiting() -> bool:  # asked outside the transaction, which would keep one snapshot
            async with notify.connection() as watcher:
                return await watcher.fetchval(
                    "SELECT count(*) = 2 FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%notification_preferences%'")

        await eventually(both_waiting)
        await held.rollback()
        await asyncio.gather(*changes)
    settings = await amina.request("GET", SETTINGS)
    assert settings["categories"]["social"] == {**DEFAULT_CHANNELS, "push": "none", "email": "none"}
    assert settings["types"]["welcome"] is False


@pytest.mark.parametrize("body, where, says", [
    ({"categories": {"gossip": {"push": "none"}}}, ["categories", "gossip"], "Not a category"),
    ({"categories": {"social": {"fax": "all"}}}, ["categories", "social", "fax"], "Not a channel"),
    ({"categories": {"social": {"push": "sometimes"}}}, ["categories", "social", "push"], "Not a push choice"),
    ({"categories": {"social": {"email": "hourly_digest"}}}, ["categories", "social", "email"], "Not an email"),
    ({"categories": {"social": {"sms": "all"}}}, ["categories", "social", "sms"], "Not an SMS choice"),
    ({"categories": {"security": {"in_app": False}}}, ["categories", "security", "in_app"], "always shown"),
    ({"categories": {"payments": {"in_app": False}}}, ["categories", "payments", "in_app"], "always shown"),
    ({"types": {"new_followr": False}}, ["types", "new_followr", "key"], "Not a notification type"),
    ({"time_zone": "Africa/Nairobii"}, ["time_zone"], "Not an IANA time zone"),
    ({"time_zone": "../../etc/passwd"}, ["time_zone"], "Not an IANA time zone"),
    ({"quiet_hours": {"start": "24:00", "end": "07:00"}}, ["quiet_hours", "start"], "Not a time of day"),
    ({"quiet_hours": {"start": "22:00"}}, ["quiet_hours", "end"], "required"),
    ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, ["quiet_hours", "end"], "differs from the start"),
])
async def test_bad_input_is_422_naming_it_and_changes_nothing(make_client, config, users, body, where, says):
    client = await make_client(config)
    amina = await users.new(client)
    before = await amina.request("GET", SETTINGS)
    error = await _fails(amina.request("PATCH", SETTINGS, json={**body, "categories": {
        "commerce": {"push": "none"}, **body.get("categories", {})}}), 422)
    named = error["details"]["fields"]
    for key in where:
        named = named[key]
    assert any(says in message for message in named), error
    assert await amina.request("GET", SETTINGS) == before


async def test_the_settings_need_a_token(make_client, config):
    client = await make_client(config)
    assert (await client.get(SETTINGS)).status == 401
    assert (await client.patch(SETTINGS, json={})).status == 401


async def test_in_app_off_tells_nothing_of_the_category_but_what_is_critical(make_client, config, users):
    client = await notifying_app(make_client, config, login_failures_before_lockout=3, login_failures_per_ip=100)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    await amina.request("PATCH", SETTINGS, json={"categories": {"social": {"in_app": False},
                                                                "security": {"push": "none", "sms": "none"}},
                                                 "types": {"suspicious_login": False}})
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await handled(client, await event_ids(client, "users.follow.created", followee_id=str(amina.user_id)))
    assert (await centre(amina))["items"] == []
    # A critical type is shown in-app, its category's other channels and its own toggle notwithstanding.
    device = await amina.live()
    await fail_logins(client, amina, 3)
    told = (await next_notification(device))["data"]["notification"]
    assert told["type"] == "suspicious_login"
    # The same follow to someone who kept the default is told.
    await juma.request("POST", f"/api/users/{neema.user_id}/follow")
    await handled(client, await event_ids(client, "users.follow.created", followee_id=str(neema.user_id)))
    assert [n["type"] for n in (await centre(neema))["items"]] == ["new_follower"]


async def test_a_type_turned_off_is_not_told_and_turned_on_again_is(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, baraka = await person(client, users), await person(client, users), await person(client, users)
    await amina.request("PATCH", SETTINGS, json={"types": {"new_follower": False}})
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    await handled(client, await event_ids(client, "users.follow.created", followee_id=str(amina.user_id)))
    assert (await centre(amina))["items"] == []
    await amina.request("PATCH", SETTINGS, json={"types": {"new_follower": True}})
    await baraka.request("POST", f"/api/users/{amina.user_id}/follow")
    await handled(client, await event_ids(client, "users.follow.created", followee_id=str(amina.user_id)))
    [told] = (await centre(amina))["items"]
    assert told["type"] == "new_follower" and [a["id"] for a in told["actors"]] == [str(baraka.user_id)]


# preferences.decide, as the channel workers ask it, on the app's notify database and Redis.

async def _decide(client, recipient, kind: str, at: datetime.datetime) -> preferences.Delivery:
    platform = client.app[PLATFORM]
    async with platform.notify.connection() as conn:
        return await preferences.decide(platform, conn, recipient_id=recipient.user_id, kind=_kind(kind), at=at)


def _decisions(delivery: preferences.Delivery) -> dict[str, str]:
    return {channel: delivery[channel].decision.value for channel in preferences.CHANNELS}


async def test_decide_by_the_defaults(make_client, config, users):
    client = await make_client(config)
    amina = await users.new(client)
    assert _decisions(await _decide(client, amina, "new_follower", _at(2026, 12, 1, 12))) == {
        "in_app": "send", "push": "send", "email": "daily_digest", "sms": "off"}
    critical = await _decide(client, amina, "password_reset", _at(2026, 12, 1, 12))
    assert _decisions(critical) == {"in_app": "send", "push": "send", "email": "daily_digest", "sms": "send"}
    assert critical.sms.reason == "critical" and (await _decide(client, amina, "welcome", _at(2026, 12, 1))).sms.reason \
        == "not_critical"


async def test_decide_by_the_recipients_choices(make_client, config, users):
    client = await make_client(config)
    amina = await users.new(client)
    noon = _at(2026, 12, 1, 12)
    await amina.request("PATCH", SETTINGS, json={"categories": {
        "social": {"push": "important_only", "email": "all"}, "messages": {"push": "none", "email": "weekly_digest"},
        "security": {"sms": "none", "email": "none"}}})
    assert _decisions(await _decide(client, amina, "new_follower", noon)) == {
        "in_app": "send", "push": "off", "email": "send", "sms": "off"}
    assert (await _decide(client, amina, "new_follower", noon)).push.reason == "not_important"
    assert (await _decide(client, amina, "follow_request", noon)).push.now  # important: it awaits an answer
    assert _decisions(await _decide(client, amina, "message_reaction", noon)) == {
        "in_app": "send", "push": "off", "email": "weekly_digest", "sms": "off"}
    assert _decisions(await _decide(client, amina, "password_reset", noon)) == {
        "in_app": "send", "push": "send", "email": "off", "sms": "off"}
    await amina.request("PATCH", SETTINGS, json={"types": {"password_reset": False, "follow_request": False}})
    assert _decisions(await _decide(client, amina, "password_reset", noon)) == {
        "in_app": "send", "push": "off", "email": "off", "sms": "off"}
    off = await _decide(client, amina, "follow_request", noon)
    assert _decisions(off) == {"in_app": "off", "push": "off", "email": "off", "sms": "off"}
    assert {off[channel].reason for channel in preferences.CHANNELS} == {"type_off"}


async def test_quiet_hours_hold_non_critical_pushes_until_they_end_in_the_recipients_zone(make_client, config,
                                                                                          users):
    client = await make_client(config)
    amina = await users.new(client)
    await amina.request("PATCH", SETTINGS, json={"quiet_hours": {"start": "22:00", "end": "07:00"},
                                                 "time_zone": "Africa/Dar_es_Salaam"})  # UTC+3
    held = await _decide(client, amina, "new_follower", _at(2026, 12, 1, 19, 0))  # 22:00 there: they begin
    assert held.push.decision is Decision.HOLD and held.push.until == _at(2026, 12, 2, 4, 0)  # 07:00 there
    assert held.in_app.now and held.email.decision is Decision.DAILY_DIGEST  # only pushes wait
    assert (await _decide(client, amina, "new_follower", _at(2026, 12, 1, 18, 59))).push.now  # 21:59
    assert (await _decide(client, amina, "new_follower", _at(2026, 12, 2, 3, 59))).push.until == _at(2026, 12, 2, 4)
    assert (await _decide(client, amina, "new_follower", _at(2026, 12, 2, 4, 0))).push.now  # 07:00: they ended
    critical = await _decide(client, amina, "suspicious_login", _at(2026, 12, 1, 23))
    assert critical.push.now and critical.push.reason == "critical"
    # The same hours in another zone are other instants.
    await amina.request("PATCH", SETTINGS, json={"time_zone": "America/New_York"})
    assert (await _decide(client, amina, "new_follower", _at(2026, 12, 1, 19, 0))).push.now  # 14:00 there
    assert (await _decide(client, amina, "new_follower", _at(2026, 12, 2, 3, 0))).push.until == _at(2026, 12, 2, 12)


async def test_a_burst_of_pushes_is_cut_at_the_recipients_limit(make_client, config, users):
    client = await make_client(dataclasses.replace(config, notifications_pushes_per_minute=3))
    amina, juma = await users.new(client), await users.new(client)
    noon = _at(2026, 12, 1, 12)
    burst = [await _decide(client, amina, "new_follower", noon) for _ in range(10)]
    assert [d.push.decision.value for d in burst] == ["send"] * 3 + ["suppressed_by_rate_limit"] * 7
    assert {d.push.reason for d in burst[3:]} == {"rate_limit"}
    assert all(d.in_app.now for d in burst)  # the centre still shows them
    critical = await _decide(client, amina, "password_reset", noon)
    assert critical.push.now  # a critical push is never limited
    assert (await _decide(client, juma, "new_follower", noon)).push.now  # each recipient their own budget
    # A push that would not go (held, off) does not use the budget up.
    await juma.request("PATCH", SETTINGS, json={"quiet_hours": {"start": "00:00", "end": "23:59"}, "time_zone": "UTC"})
    for _ in range(5):
        assert (await _decide(client, juma, "new_follower", _at(2026, 12, 1, 12))).push.decision is Decision.HOLD
    await juma.request("PATCH", SETTINGS, json={"quiet_hours": None})
    assert [(await _decide(client, juma, "new_follower", noon)).push.now for _ in range(3)] == [True, True, False]


# Quiet hours' clock: start inclusive, end exclusive, across midnight and the clocks' changes.

NAIROBI, NEW_YORK, LONDON = (preferences.zone(name) for name in ("Africa/Nairobi", "America/New_York",
                                                                  "Europe/London"))


def _local(zone, *parts: int, fold: int = 0) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=zone, fold=fold)


def test_a_window_within_a_day_begins_at_its_start_and_is_over_at_its_end():
    lunch = QuietHours(datetime.time(13), datetime.time(14, 30))
    assert lunch.end_after(_local(NAIROBI, 2026, 12, 1, 12, 59, 59), NAIROBI) is None
    assert lunch.end_after(_local(NAIROBI, 2026, 12, 1, 13), NAIROBI) == _local(NAIROBI, 2026, 12, 1, 14, 30)
    assert lunch.end_after(_local(NAIROBI, 2026, 12, 1, 14, 29, 59), NAIROBI) == _local(NAIROBI, 2026, 12, 1, 14, 30)
    assert lunch.end_after(_local(NAIROBI, 2026, 12, 1, 14, 30), NAIROBI) is None
    assert lunch.end_after(_local(NAIROBI, 2026, 12, 1, 23), NAIROBI) is None


def test_a_window_across_midnight_ends_the_next_morning_or_the_same_one():
    night = QuietHours(datetime.time(22), datetime.time(7))
    assert night.end_after(_local(NAIROBI, 2026, 12, 1, 21, 59), NAIROBI) is None
    assert night.end_after(_local(NAIROBI, 2026, 12, 1, 22), NAIROBI) == _local(NAIROBI, 2026, 12, 2, 7)
    assert night.end_after(_local(NAIROBI, 2026, 12, 1, 23, 59, 59), NAIROBI) == _local(NAIROBI, 2026, 12, 2, 7)
    assert night.end_after(_local(NAIROBI, 2026, 12, 2, 0, 0), NAIROBI) == _local(NAIROBI, 2026, 12, 2, 7)
    assert night.end_after(_local(NAIROBI, 2026, 12, 2, 6, 59), NAIROBI) == _local(NAIROBI, 2026, 12, 2, 7)
    assert night.end_after(_local(NAIROBI, 2026, 12, 2, 7), NAIROBI) is None
    assert night.end_after(_local(NAIROBI, 2026, 12, 31, 23), NAIROBI) == _local(NAIROBI, 2027, 1, 1, 7)


def test_the_end_is_found_across_the_clocks_changes():
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; a night of 22:00-07:00 is an hour shorter.
    night = QuietHours(datetime.time(22), datetime.time(7))
    assert night.end_after(_at(2026, 3, 8, 3), NEW_YORK) == _at(2026, 3, 8, 11)  # 07:00 EDT, was 12:00 UTC
    # An end inside the jump (02:30 never reads): the moment the clocks jump, 03:00 EDT.
    gap = QuietHours(datetime.time(22), datetime.time(2, 30))
    assert gap.end_after(_at(2026, 3, 8, 4), NEW_YORK) == _at(2026, 3, 8, 7)
    assert gap.end_after(_at(2026, 3, 8, 6, 59, 59), NEW_YORK) == _at(2026, 3, 8, 7)  # 01:59:59 EST
    assert gap.end_after(_at(2026, 3, 8, 7), NEW_YORK) is None  # 03:00 EDT
    # 1 November 2026: 02:00 EDT goes back to 01:00 EST, so 01:30 reads twice.
    twice = QuietHours(datetime.time(22), datetime.time(1, 30))
    assert twice.end_after(_at(2026, 11, 1, 3), NEW_YORK) == _at(2026, 11, 1, 5, 30)  # the first 01:30, EDT
    assert twice.end_after(_at(2026, 11, 1, 5, 30), NEW_YORK) is None  # 01:30 EDT: over
    assert twice.end_after(_at(2026, 11, 1, 6, 15), NEW_YORK) == _at(2026, 11, 1, 6, 30)  # 01:15 EST again
    # London, 29 March 2026: 01:00 GMT jumps to 02:00 BST; a start inside the jump has begun after it.
    early = QuietHours(datetime.time(1, 30), datetime.time(6))
    assert early.end_after(_at(2026, 3, 29, 0, 59), LONDON) is None  # 00:59 GMT
    assert early.end_after(_at(2026, 3, 29, 1, 0), LONDON) == _at(2026, 3, 29, 5)  # 02:00 BST; ends 06:00 BST


# the email channel

async def test_a_recipient_who_chose_every_email_gets_each_new_notification_by_email(
        make_client, config, users, smtp_sandbox):
    client = await make_client(dataclasses.replace(config, bus_prefetch=1, smtp_port=smtp_sandbox.port),
                               worker_names=[*WORKERS, "email"])
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    for chooser in (amina, neema):
        await chooser.request("PATCH", "/api/notifications/settings", json={"categories": {"social": {"email": "all"}}})
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    async with client.app[PLATFORM].core.connection() as conn:
        address = await conn.fetchval("UPDATE users SET email_verified_at = now() WHERE id = $1 RETURNING email",
                                      amina.user_id)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    name = (await juma.request("GET", f"/api/users/{juma.user_id}"))["display_name"]
    [message] = await eventually(lambda: _told_by_email(smtp_sandbox))
    assert (message["To"], message["Subject"]) == (address, f"{name} ameanza kukufuata")
    text = message.get_body(("plain",)).get_content()
    assert f"nexgate://users/{juma.user_id}" in text and "mipangilio ya arifa" in text

    await neema.request("POST", f"/api/users/{amina.user_id}/follow")  # joins the group: no second email
    await juma.request("POST", f"/api/users/{neema.user_id}/follow")  # neema never verified her address
    for followee in (amina, neema):
        await handled(client, await event_ids(client, "users.follow.created", followee_id=str(followee.user_id)))
    assert [m["To"] for m in _told_by_email(smtp_sandbox)] == [address]
    [told] = (await centre(amina))["items"]
    emailed = await delivery(amina, told["id"], "email", status="sent")
    assert (emailed["device_id"], emailed["attempts"], emailed["reason"]) == (None, 1, None)
    assert emailed["sent_at"] is not None

    # The notifications consumer's redo asks for the same delivery again: it is not emailed twice.
    async with client.app[PLATFORM].notify.connection() as conn:
        delivery_id = await conn.fetchval("SELECT id FROM notification_deliveries WHERE notification_id = $1 "
                                          "AND channel = 'email'", uuid.UUID(told["id"]))
    [request] = await event_ids(client, "notifications.email.requested", delivery_id=str(delivery_id))
    async with client.app[PLATFORM].core.transaction("tests.redo") as conn:
        payload = await conn.fetchval("SELECT payload FROM outbox WHERE id = $1", request)
        again = await request_email(conn, to=payload["to"], template=payload["template"], context=payload["context"],
                                    delivery_id=delivery_id)
    await handled(client, [again], consumer="email")
    assert [m["To"] for m in _told_by_email(smtp_sandbox)] == [address]
    assert (await delivery(amina, told["id"], "email"))["attempts"] == 1


async def test_a_notification_email_the_mail_server_cannot_take_is_retried_failed_and_replayed(
        make_client, config, users, smtp_sandbox, proxy_to):
    smtp, _ = await proxy_to(f"smtp://127.0.0.1:{smtp_sandbox.port}")
    client = await make_client(dataclasses.replace(config, bus_prefetch=1, smtp_port=smtp.port),
                               worker_names=[*WORKERS, "email"])
    amina, juma = await person(client, users), await person(client, users)
    await amina.request("PATCH", "/api/notifications/settings", json={"categories": {"social": {"email": "all"}}})
    async with client.app[PLATFORM].core.connection() as conn:
        address = await conn.fetchval("UPDATE users SET email_verified_at = now() WHERE id = $1 RETURNING email",
                                      amina.user_id)
    await smtp.stop()  # the mail relay is down
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")
    [told] = (await eventually(lambda: _items(amina)))
    failed = await delivery(amina, told["id"], "email", status="failed")
    assert failed["attempts"] == config.bus_max_attempts and failed["next_attempt_at"] is None
    assert failed["reason"] == "SMTPConnectError"
    counted = client.app[PLATFORM].metrics.registry.get_sample_value
    labels = {"channel": "email", "reason": "SMTPConnectError"}
    assert counted("nexgate_notification_deliveries_total", {**labels, "outcome": "failed"}) == 1
    assert counted("nexgate_notification_deliveries_total", {**labels, "outcome": "retrying"}) == 2

    await smtp.start()
    code, out, err = await cli.run(config, "deadletters", "replay", "--group", "email")
    assert code == 0 and "replayed 1 message(s)" in out, err
    sent = await delivery(amina, told["id"], "email", status="sent")
    assert sent["attempts"] == config.bus_max_attempts + 1 and sent["reason"] is None
    assert [m["To"] for m in _told_by_email(smtp_sandbox)] == [address]


async def _items(api) -> list | None:
    return (await centre(api))["items"] or None


def _told_by_email(sandbox) -> list:
    """The notification emails the sandbox received (registrations also send a confirmation)."""
    return [m for m in sandbox.messages() if "follow" in m["Subject"] or "kukufuata" in m["Subject"]]
