"""Events of the users area turned into notifications by the notifications consumer, through
the real app, RabbitMQ and both databases: the text in the recipient's language, live on
their devices, grouped, once per event, never from someone they blocked or muted."""
from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

from nexgate.client import NexgateClient
from nexgate.handlers.notifications.schemas import NotificationSchema
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.auth import PASSWORD, bearer
from tests.support.barrier import settle
from tests.support.live import base_url
from tests.support.messages import send
from tests.support.notifications import (
    FRAMES, WORKERS, centre, delivery, event_ids, fail_logins, handled, next_notification, notifying_app, person,
    unread,
)

from tests.test_users_verification import APPLICATIONS, moderator

FOLLOW = "users.follow.created"


async def _follow(actor, user) -> None:
    await actor.request("POST", f"/api/users/{user.user_id}/follow")


async def _told(client, recipient) -> None:
    """Wait until every follow of the recipient has been handled (and committed)."""
    await handled(client, await event_ids(client, FOLLOW, followee_id=str(recipient.user_id)))


async def _name(api) -> str:
    return (await api.request("GET", f"/api/users/{api.user_id}"))["display_name"]


async def test_a_new_follower_is_told_in_the_centre_and_live(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    device = await amina.live()
    await _follow(juma, amina)
    frame = await next_notification(device)
    assert frame["event"] == "notifications.notification.created" and frame["data"]["unread_count"] == 1
    await _told(client, amina)  # the frame may come a moment before the commit: see triggers.py
    listed = (await centre(amina))["items"]
    assert len(listed) == 1 and listed[0] == frame["data"]["notification"]
    told = listed[0]
    assert set(told) == set(NotificationSchema().fields)  # the schema documents every field of the view, no other
    assert told["text"] == f"{await _name(juma)} started following you"
    assert told["type"] == "new_follower" and told["category"] == "social" and told["read"] is False
    assert told["actors"] == [{"id": str(juma.user_id), "name": await _name(juma)}] and told["actor_count"] == 1
    assert told["link"] == f"nexgate://users/{juma.user_id}"
    assert told["object"] == {"type": "user", "id": str(amina.user_id)}
    assert await unread(amina) == 1
    assert (await centre(juma))["items"] == [] and await unread(juma) == 0  # the actor is told nothing


async def test_a_swahili_reader_is_told_in_swahili(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    settings = (await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"}))["settings"]
    assert settings["language"] == "sw"
    device = await amina.live()
    await _follow(juma, amina)
    frame = await next_notification(device)
    assert frame["data"]["notification"]["text"] == f"{await _name(juma)} ameanza kukufuata"
    await _told(client, amina)
    assert [n["text"] for n in (await centre(amina))["items"]] == [f"{await _name(juma)} ameanza kukufuata"]
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "en"})
    assert [n["text"] for n in (await centre(amina))["items"]] == [f"{await _name(juma)} started following you"]


async def test_a_read_group_that_someone_joins_is_unread_again(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, baraka = await person(client, users), await person(client, users), await person(client, users)
    device = await amina.live()
    await _follow(juma, amina)
    told = (await next_notification(device))["data"]["notification"]
    await _told(client, amina)
    await amina.request("PATCH", f"/api/notifications/{told['id']}/read")
    assert await unread(amina) == 0
    await _follow(baraka, amina)
    frame = await next_notification(device)
    assert frame["event"] == "notifications.notification.updated" and frame["data"]["unread_count"] == 1
    assert frame["data"]["notification"]["id"] == told["id"] and frame["data"]["notification"]["read"] is False


async def test_twelve_follows_within_the_window_are_one_notification(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina = await person(client, users)
    followers = [await person(client, users) for _ in range(12)]
    device = await amina.live()
    for follower in followers:
        await _follow(follower, amina)
    frames = [await next_notification(device) for _ in followers]
    assert [f["event"] for f in frames] == ["notifications.notification.created"] + [
        "notifications.notification.updated"] * 11
    assert [f["data"]["unread_count"] for f in frames] == [1] * 12
    await _told(client, amina)
    [told] = (await centre(amina))["items"]
    last, before_last = await _name(followers[-1]), await _name(followers[-2])
    assert told["text"] == f"{last}, {before_last} and 10 others started following you"
    assert told["actor_count"] == 12
    assert [a["id"] for a in told["actors"]] == [str(f.user_id) for f in followers[::-1][:3]]
    assert told == frames[-1]["data"]["notification"]


async def test_three_followers_read_one_other_and_in_swahili_wengine(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina = await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    followers = [await person(client, users) for _ in range(3)]
    device = await amina.live()
    for follower in followers:
        await _follow(follower, amina)
    texts = [(await next_notification(device))["data"]["notification"]["text"] for _ in followers]
    names = [await _name(f) for f in followers]
    assert texts == [f"{names[0]} ameanza kukufuata", f"{names[1]} na {names[0]} wameanza kukufuata",
                     f"{names[2]}, {names[1]} na mwingine 1 wameanza kukufuata"]


async def test_a_group_past_its_window_starts_a_new_notification(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, baraka = await person(client, users), await person(client, users), await person(client, users)
    device = await amina.live()
    await _follow(juma, amina)
    await next_notification(device)
    await handled(client, await event_ids(client, FOLLOW, followee_id=str(amina.user_id)))
    async with client.app[PLATFORM].notify.connection() as conn:  # the window ends, as five minutes would
        await conn.execute("UPDATE notification_groups SET open_until = now() - interval '1 second' "
                           "WHERE recipient_id = $1", amina.user_id)
    await _follow(baraka, amina)
    frame = await next_notification(device)
    assert frame["event"] == "notifications.notification.created" and frame["data"]["unread_count"] == 2
    await _told(client, amina)
    assert [n["actor_count"] for n in (await centre(amina))["items"]] == [1, 1]


async def test_the_same_event_delivered_twice_is_told_once(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, baraka = await person(client, users), await person(client, users), await person(client, users)
    device = await amina.live()
    await _follow(juma, amina)
    await next_notification(device)
    [first] = await event_ids(client, FOLLOW, followee_id=str(amina.user_id))
    async with client.app[PLATFORM].core.connection() as conn:  # the relay publishes it again
        await conn.execute("UPDATE outbox SET published_at = NULL WHERE id = $1", first)
    await _follow(baraka, amina)  # queued behind the repeat: once it is told, the repeat was handled
    frame = await next_notification(device)
    assert frame["data"]["notification"]["actor_count"] == 2 and frame["data"]["unread_count"] == 1
    assert await settle(client, device) == []
    await _told(client, amina)
    [told] = (await centre(amina))["items"]
    assert told["actor_count"] == 2 and len(told["actors"]) == 2


async def test_the_same_follower_twice_in_a_window_counts_once(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    device = await amina.live()
    await _follow(juma, amina)
    await juma.request("DELETE", f"/api/users/{amina.user_id}/unfollow")
    await _follow(juma, amina)
    await next_notification(device)
    frame = await next_notification(device)
    assert frame["data"]["notification"]["actor_count"] == 1
    assert frame["data"]["notification"]["text"] == f"{await _name(juma)} started following you"


async def test_nothing_is_told_from_a_muted_actor(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    await amina.request("POST", f"/api/users/{juma.user_id}/mute")
    device = await amina.live()
    await _follow(juma, amina)
    await handled(client, await event_ids(client, FOLLOW, followee_id=str(amina.user_id)))
    assert await settle(client, device) == []
    assert (await centre(amina))["items"] == [] and await unread(amina) == 0


async def test_nothing_is_told_from_an_actor_blocked_before_delivery(make_client, config, users):
    quiet = await make_client(config)  # no relay: the follow waits in the outbox
    amina, juma = await users.new(quiet), await users.new(quiet)
    await _follow(juma, amina)
    await amina.request("POST", f"/api/users/{juma.user_id}/block")
    client = await notifying_app(make_client, config)
    amina, juma = users.on(client, amina), users.on(client, juma)
    device = await amina.live()
    await handled(client, await event_ids(client, FOLLOW, followee_id=str(amina.user_id))
                  + await event_ids(client, "auth.user.registered", user_id=str(amina.user_id)))
    frames = await settle(client, device)
    assert [f["data"]["notification"]["type"] for f in frames if f["event"] in FRAMES] in ([], ["welcome"])
    assert [n["type"] for n in (await centre(amina))["items"]] == ["welcome"]  # told only the welcome


async def test_a_follow_request_and_its_acceptance_are_told(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"is_private": True})
    amina_device, juma_device = await amina.live(), await juma.live()
    await _follow(juma, amina)
    asked = (await next_notification(amina_device))["data"]["notification"]
    assert asked["text"] == f"{await _name(juma)} asked to follow you" and asked["type"] == "follow_request"
    assert asked["link"] == "nexgate://follow-requests"
    await amina.request("POST", f"/api/follows/{juma.user_id}/accept")
    accepted = (await next_notification(juma_device))["data"]["notification"]
    assert accepted["text"] == f"{await _name(amina)} accepted your follow request"
    assert accepted["link"] == f"nexgate://users/{amina.user_id}"


async def test_a_verification_decision_is_told_to_the_applicant(make_client, config, users):
    client = await notifying_app(make_client, config)
    applicant = await person(client, users)
    application = await applicant.request("POST", APPLICATIONS, json={
        "kind": "seller", "statement": "Nauza vitenge Kariakoo tangu 2019"})
    device = await applicant.live()
    reviewer = await moderator(client)
    response = await client.post(f"{APPLICATIONS}/{application['id']}/reject", headers=bearer(reviewer),
                                 json={"reason": "Tuma leseni ya biashara"})
    assert response.status == 200, await response.text()
    told = (await next_notification(device))["data"]["notification"]
    assert told["text"] == "Your verification request was not approved"
    assert told["critical"] is True and told["category"] == "security" and told["actors"] == []
    assert told["params"] == {"kind": "seller", "reason": "Tuma leseni ya biashara"}
    assert re.fullmatch(r"nexgate://settings/verification", told["link"])


async def test_a_newcomer_is_welcomed(make_client, config, users):
    client = await notifying_app(make_client, config)
    api = await users.new(client)
    await handled(client, await event_ids(client, "auth.user.registered", user_id=str(api.user_id))
                  + await event_ids(client, "auth.device.added", user_id=str(api.user_id)))
    [welcome] = (await centre(api))["items"]  # and no "new sign-in" for the device they registered on
    assert welcome["text"] == (f"Welcome to Nexgate, @{api.tokens['user']['username']}! Find people to follow and "
                               "shops to explore")
    assert welcome["type"] == "welcome" and welcome["critical"] is False and welcome["link"] == "nexgate://discover"
    assert welcome["params"] == {"username": api.tokens["user"]["username"]}


async def test_a_sign_in_from_a_new_device_is_told(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina = await person(client, users)
    device = await amina.live()
    laptop = NexgateClient(base_url(client))
    users.made.append(laptop)
    await laptop.login(amina.tokens["user"]["username"], PASSWORD,
                       device={"id": "browser-2", "platform": "web", "name": "Chrome on Windows"})
    told = (await next_notification(device))["data"]["notification"]
    assert told["text"] == ("New sign-in to your account on Chrome on Windows (web). If this wasn't you, remove "
                            "the device and change your password")
    assert told["type"] == "new_device_sign_in" and told["critical"] is True and told["category"] == "security"
    assert told["object"]["type"] == "device" and told["link"] == "nexgate://settings/devices"


async def test_a_login_lockout_is_told_to_the_account_owner(make_client, config, users):
    client = await notifying_app(make_client, config, login_failures_before_lockout=3, login_failures_per_ip=100)
    amina = await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    device = await amina.live()
    await fail_logins(client, amina, 3)
    told = (await next_notification(device))["data"]["notification"]
    assert told["type"] == "suspicious_login" and told["critical"] is True
    assert told["text"] == ("Nenosiri lisilo sahihi limejaribiwa mara 3 kwenye akaunti yako, kwa hiyo kuingia "
                            "kumesimamishwa kwa muda. Kama si wewe, badilisha nenosiri lako")


async def test_a_password_reset_is_told(make_client, config, users, smtp_sandbox):
    client = await make_client(dataclasses.replace(config, bus_prefetch=1, smtp_port=smtp_sandbox.port),
                               worker_names=[*WORKERS, "email"])
    amina = await person(client, users)
    email = amina.tokens["user"]["email"]
    await client.post("/api/auth/forgot-password", json={"login": email})
    message = await eventually(lambda: [m for m in smtp_sandbox.messages()
                                        if m["To"] == email and m["Subject"] == "Reset your Nexgate password"])
    token = parse_qs(urlsplit(re.search(r"https?://\S+", message[-1].get_body(("plain",)).get_content()).group(0))
                     .query)["token"][0]
    response = await client.post("/api/auth/reset-password", json={"token": token, "password": "serengeti migration 77"})
    assert response.status == 204, await response.text()
    await amina.login(amina.tokens["user"]["username"], "serengeti migration 77")
    await handled(client, await event_ids(client, "auth.password.reset", user_id=str(amina.user_id)))
    [told] = (await centre(amina))["items"]
    assert told["type"] == "password_reset" and told["critical"] is True
    assert told["text"] == ("Your password was changed and your other devices were signed out. If this wasn't "
                            "you, reset it now")


async def test_a_reaction_to_your_message_is_told_and_grouped_per_message(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    team = await amina.request("POST", "/api/conversations", json={
        "type": "group", "name": "Soko", "user_ids": [str(juma.user_id), str(neema.user_id)]})
    message = await send(amina, team, "Bei mpya kesho")
    device = await amina.live()
    await juma.request("POST", f"/api/messages/{message['id']}/reactions", json={"emoji": "👍"})
    first = (await next_notification(device))["data"]["notification"]
    assert first["text"] == f"{await _name(juma)} ameitikia ujumbe wako kwa 👍"
    assert first["link"] == f"nexgate://conversations/{team['id']}"
    assert first["object"] == {"type": "message", "id": message["id"]}
    await neema.request("POST", f"/api/messages/{message['id']}/reactions", json={"emoji": "🔥"})
    second = await next_notification(device)
    assert second["event"] == "notifications.notification.updated"
    assert second["data"]["notification"]["text"] == (
        f"{await _name(neema)} na {await _name(juma)} wameitikia ujumbe wako kwa 🔥")


async def test_a_critical_notification_is_texted_to_a_verified_number(make_client, config, users, sms_sandbox):
    client = await make_client(dataclasses.replace(
        config, bus_prefetch=1, login_failures_before_lockout=3, login_failures_per_ip=100, **sms_sandbox.settings()),
        worker_names=[*WORKERS, "sms"])
    amina, juma = await person(client, users), await person(client, users)
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET phone = $2, phone_verified_at = now() WHERE id = $1",
                           amina.user_id, "+255754000711")
        await conn.execute("UPDATE users SET phone = $2 WHERE id = $1", juma.user_id, "+255754000722")  # unverified
    await fail_logins(client, amina, 3)
    text = await sms_sandbox.wait_for("+255754000711")
    assert text.text.startswith("Nexgate: 3 wrong passwords were tried on your account")
    await fail_logins(client, juma, 3)
    await juma.request("POST", f"/api/users/{amina.user_id}/follow")  # not critical: not texted
    await handled(client, await event_ids(client, "users.follow.created", followee_id=str(amina.user_id)))
    for api in (amina, juma):
        await handled(client, await event_ids(client, "auth.lockout.started", user_id=str(api.user_id)))
    requested = [event_id for number in ("+255754000711", "+255754000722")
                 for event_id in await event_ids(client, "notifications.sms.requested", to=number)]
    await handled(client, requested, consumer="sms")  # each text asked for has been sent
    assert [m.to for m in sms_sandbox.messages()] == ["+255754000711"]
    [told] = [n for n in (await centre(amina))["items"] if n["type"] == "suspicious_login"]
    texted = await delivery(amina, told["id"], "sms", status="sent")
    assert (texted["device_id"], texted["attempts"], texted["reason"]) == (None, 1, None)


async def test_a_number_the_gateway_refuses_for_good_is_not_texted_again(make_client, config, users, sms_sandbox):
    client = await make_client(dataclasses.replace(
        config, bus_prefetch=1, login_failures_before_lockout=3, login_failures_per_ip=100, **sms_sandbox.settings()),
        worker_names=[*WORKERS, "sms"])
    amina = await person(client, users)
    async with client.app[PLATFORM].core.connection() as conn:  # verified before the number was cut off
        await conn.execute("UPDATE users SET phone = '+255000000000', phone_verified_at = now() WHERE id = $1",
                           amina.user_id)
    await fail_logins(client, amina, 3)
    [told] = await eventually(lambda: _items(amina))
    failed = await delivery(amina, told["id"], "sms", status="failed")
    assert (failed["attempts"], failed["reason"], failed["next_attempt_at"]) == (1, "InvalidPhoneNumber", None)
    assert [r["number"] for r in sms_sandbox.refused] == ["+255000000000"]  # asked once, not retried


async def _items(api) -> list | None:
    return (await centre(api))["items"] or None
