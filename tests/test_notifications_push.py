"""Web Push through the real app, both databases, RabbitMQ, the scheduler and the push
sandbox over HTTP: the sandbox checks each push's VAPID JWT and decrypts it with the keys the
"browser" holds, so these tests read what the device would show."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import uuid

import orjson
import pytest

from nexgate.client import ApiError, NexgateClient
from nexgate.domain.notifications import push
from nexgate.keys import PLATFORM
from nexgate.providers.fcm_sandbox import FcmSandbox
from nexgate.providers.webpush import generate_vapid_private_key
from nexgate.providers.webpush_sandbox import WebPushSandbox
from tests.conftest import eventually
from tests.support.auth import PASSWORD
from tests.support.live import base_url
from tests.support.barrier import sockets_served
from tests.support.messages import direct as send_direct, send
from tests.support.notifications import WORKERS, centre, event_ids, fail_logins, handled, person

PUSH_WORKERS = [*WORKERS, "notifications_push", "scheduler"]
FOLLOW = "users.follow.created"


@pytest.fixture
async def push_sandbox(tmp_path):
    sandbox = WebPushSandbox(directory=tmp_path / "push", hang_s=5)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def fcm_sandbox():
    sandbox = FcmSandbox(hang_s=5)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
def push_config(config, push_sandbox, fcm_sandbox, tmp_path):
    """The app pointed at the sandboxes with its own VAPID key and FCM service account, quick
    retries and timeouts."""
    return dataclasses.replace(
        config, bus_prefetch=1, push_vapid_private_key=generate_vapid_private_key(),
        push_endpoint_hosts=(push_sandbox.url,), push_retry_base_ms=100, push_retry_max_ms=2000,
        push_max_attempts=3, push_timeout_ms=500, scheduler_poll_ms=20,
        fcm_service_account=str(fcm_sandbox.service_account(tmp_path / "fcm-service-account.json")),
        fcm_api_url=fcm_sandbox.url)


async def _app(make_client, push_config, **settings):
    return await make_client(dataclasses.replace(push_config, **settings), worker_names=PUSH_WORKERS)


async def _subscribe(api, sandbox: WebPushSandbox, *, expect: int = 201):
    """The browser subscribes with the server's key and registers the subscription."""
    key = (await api.request("GET", "/api/notifications/push/vapid-public-key"))["public_key"]
    browser = sandbox.subscribe(key)
    registered = await api.request("POST", "/api/notifications/push-subscriptions", json=browser.info())
    return browser, registered


async def _follow(actor, user) -> None:
    await actor.request("POST", f"/api/users/{user.user_id}/follow")


async def _name(api) -> str:
    return (await api.request("GET", f"/api/users/{api.user_id}"))["display_name"]


async def _deliveries(api, notification_id, count=1, status=None):
    async def ready():
        found = (await api.request("GET", f"/api/notifications/{notification_id}"))["deliveries"]
        return found if len(found) >= count and all(status is None or d["status"] == status for d in found) else None

    return await eventually(ready, timeout=15)


async def _only_notification(api) -> dict:
    [told] = (await eventually(lambda: _listed(api)))
    return told


async def _listed(api):
    return (await centre(api))["items"]


async def _listed_two(api):
    listed = await _listed(api)
    return listed if len(listed) == 2 else None


async def _pushes_handled(client, **match) -> None:
    """Wait until the notifications_push worker has handled (committed) every push asked for."""
    ids = await event_ids(client, "notifications.push.requested", **match)

    async def done():
        async with client.app[PLATFORM].notify.connection() as conn:
            return await conn.fetchval("SELECT count(*) FROM processed_events WHERE consumer = 'notifications_push'"
                                       " AND event_id = ANY($1)", ids) == len(ids) > 0

    await eventually(done, timeout=20)


def _metric(client, outcome: str, reason: str, channel: str = "webpush") -> float:
    value = client.app[PLATFORM].metrics.registry.get_sample_value(
        "nexgate_notification_deliveries_total", {"channel": channel, "outcome": outcome, "reason": reason})
    return value or 0.0


# Subscribing

async def test_a_browser_subscribes_for_its_device_and_is_pushed_the_notification(
        make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, registered = await _subscribe(amina, push_sandbox)
    [device] = (await amina.request("GET", "/api/auth/devices"))["devices"]
    assert registered["device_id"] == device["id"] and registered["current_device"] is True
    assert registered["endpoint"] == browser.endpoint and registered["channel"] == "webpush"
    assert (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"] == [registered]

    await _follow(juma, amina)
    push = await push_sandbox.wait_for(browser.id)
    told = await _only_notification(amina)
    body = push.json()
    assert body["text"] == f"{await _name(juma)} started following you" == told["text"]
    assert body["id"] == told["id"] and body["tag"] == told["id"] and body["link"] == f"nexgate://users/{juma.user_id}"
    assert body["type"] == "new_follower" and body["unread_count"] == 1 and body["critical"] is False
    assert push.topic == uuid.UUID(told["id"]).hex and push.urgency == "normal"
    assert push.vapid_subject.startswith("mailto:") and push.ttl == push_config.push_ttl_s
    [delivery] = await _deliveries(amina, told["id"], status="sent")
    assert delivery["device_id"] == device["id"] and delivery["attempts"] == 1 and delivery["reason"] is None
    assert delivery["queued_at"] < delivery["sent_at"] == delivery["updated_at"]  # the answer came after
    assert _metric(client, "sent", "") == 1


async def test_a_swahili_reader_reads_the_push_in_swahili(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    browser, _ = await _subscribe(amina, push_sandbox)
    await _follow(juma, amina)
    assert (await push_sandbox.wait_for(browser.id)).json()["text"] == f"{await _name(juma)} ameanza kukufuata"


async def test_registering_the_same_endpoint_again_updates_it(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina = await person(client, users)
    browser, first = await _subscribe(amina, push_sandbox)
    again = await amina.request("POST", "/api/notifications/push-subscriptions", json=browser.info())
    assert again["id"] == first["id"]
    assert len((await amina.request("GET", "/api/notifications/push-subscriptions"))["items"]) == 1


async def test_past_the_cap_the_subscription_registered_least_recently_is_dropped(
        make_client, push_config, push_sandbox, fcm_sandbox, users):
    """NEXGATE_PUSH_SUBSCRIPTIONS_MAX: one more registration (a browser or an app) drops the one
    registered least recently; a registration again counts as recent."""
    client = await _app(make_client, push_config, push_subscriptions_max=3)
    amina, juma = await person(client, users), await person(client, users)
    first, _ = await _subscribe(amina, push_sandbox)
    second, _ = await _subscribe(amina, push_sandbox)
    token, _ = await _register_app(amina, fcm_sandbox)
    again = await amina.request("POST", "/api/notifications/push-subscriptions", json=first.info())  # refreshed
    fourth, registered = await _subscribe(amina, push_sandbox)
    listed = (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"]
    assert {item["id"] for item in listed} == {again["id"], registered["id"], next(
        item["id"] for item in listed if item["channel"] == "fcm")}  # the second browser is gone
    assert registered in listed and len(listed) == 3
    await _follow(juma, amina)
    for browser in (first, fourth):
        await push_sandbox.wait_for(browser.id)
    await fcm_sandbox.wait_for(token)
    await _pushes_handled(client, recipient_id=str(amina.user_id))
    assert push_sandbox.messages(second.id) == []


async def test_registrations_at_once_cannot_pass_the_cap(make_client, push_config, push_sandbox, fcm_sandbox, users):
    client = await _app(make_client, push_config, push_subscriptions_max=2)
    amina = await person(client, users)
    key = (await amina.request("GET", "/api/notifications/push/vapid-public-key"))["public_key"]
    browsers = [push_sandbox.subscribe(key) for _ in range(6)]
    tokens = [fcm_sandbox.register_device() for _ in range(4)]
    answers = await asyncio.gather(
        *(amina.request("POST", "/api/notifications/push-subscriptions", json=b.info()) for b in browsers),
        *(amina.request("POST", "/api/notifications/push-tokens", json={"token": t}) for t in tokens))
    assert len({answer["id"] for answer in answers}) == 10  # each registered (201)...
    async with client.app[PLATFORM].notify.connection() as conn:  # ...and no more than two kept
        assert await conn.fetchval("SELECT count(*) FROM push_subscriptions WHERE user_id = $1", amina.user_id) == 2
    assert len((await amina.request("GET", "/api/notifications/push-subscriptions"))["items"]) == 2


@pytest.mark.parametrize("change, code", [
    ({"endpoint": "https://push.example.com/send/abc"}, "push_endpoint_not_allowed"),
    ({"endpoint": "http://127.0.0.1:5432/"}, "push_endpoint_not_allowed"),
    ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "push_subscription_invalid"),
    ({"keys": {"p256dh": "BA" + "A" * 85, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "push_subscription_invalid"),
    ({"auth_short": True}, "push_subscription_invalid"),
])
async def test_a_subscription_the_server_cannot_push_to_is_refused(make_client, push_config, push_sandbox, users,
                                                                     change, code):
    client = await _app(make_client, push_config)
    amina = await person(client, users)
    info = push_sandbox.subscribe().info()
    if change.pop("auth_short", False):
        info["keys"]["auth"] = "AAAA"
    info |= change
    with pytest.raises(ApiError) as refused:
        await amina.request("POST", "/api/notifications/push-subscriptions", json=info)
    assert refused.value.status == 422 and refused.value.body["error"]["code"] == code
    assert (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"] == []


async def test_without_a_vapid_key_push_is_unavailable(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config, push_vapid_private_key="")
    amina = await person(client, users)
    for method, path, body in (("GET", "/api/notifications/push/vapid-public-key", None),
                               ("POST", "/api/notifications/push-subscriptions", push_sandbox.subscribe().info())):
        with pytest.raises(ApiError) as refused:
            await amina.request(method, path, json=body)
        assert refused.value.status == 503 and refused.value.body["error"]["code"] == "push_unavailable"


async def test_someone_elses_subscription_cannot_be_removed(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    _, registered = await _subscribe(amina, push_sandbox)
    for path in (f"/api/notifications/push-subscriptions/{registered['id']}",
                 f"/api/notifications/push-subscriptions/{uuid.uuid4()}", "/api/notifications/push-subscriptions/x"):
        with pytest.raises(ApiError) as refused:
            await juma.request("DELETE", path)
        assert refused.value.status == 404 and refused.value.body["error"]["code"] == "push_subscription_not_found"
    assert len((await amina.request("GET", "/api/notifications/push-subscriptions"))["items"]) == 1
    await amina.request("DELETE", f"/api/notifications/push-subscriptions/{registered['id']}")
    assert (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"] == []


# Signed-out devices

async def _second_device(client, users, api) -> NexgateClient:
    """The same user signed in on a second device, once its new-device notification is told
    (before any subscription: nothing is pushed of it)."""
    phone = NexgateClient(base_url(client))
    users.made.append(phone)
    await phone.login(api.tokens["user"]["username"], PASSWORD, device={"id": "amina-phone", "platform": "web"})
    await handled(client, await event_ids(client, "auth.device.added", user_id=str(api.user_id)))
    return phone


async def _pushed_follow(sandbox, browser):
    push = await sandbox.wait_for(browser.id)
    assert push.json()["type"] == "new_follower", push
    return push


async def test_signing_a_device_out_stops_its_pushes(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    phone = await _second_device(client, users, amina)
    laptop_browser, _ = await _subscribe(amina, push_sandbox)
    phone_browser, _ = await _subscribe(phone, push_sandbox)
    await phone.request("POST", "/api/auth/logout")

    async def dropped():
        items = (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"]
        return [item["endpoint"] for item in items] == [laptop_browser.endpoint]

    await eventually(dropped, timeout=15)
    await _follow(juma, amina)
    await _pushed_follow(push_sandbox, laptop_browser)
    await _pushes_handled(client, recipient_id=str(amina.user_id))
    assert push_sandbox.messages(phone_browser.id) == []


async def test_a_session_signed_out_before_its_event_arrives_is_not_pushed(make_client, push_config, push_sandbox,
                                                                           users):
    """Without the notifications_push worker's revocation in hand, the auth area's word on the
    session at send time keeps the push from the signed-out device."""
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    phone = await _second_device(client, users, amina)
    laptop_browser, _ = await _subscribe(amina, push_sandbox)
    phone_browser, phone_registered = await _subscribe(phone, push_sandbox)
    platform = client.app[PLATFORM]
    async with platform.core.connection() as conn:  # revoked behind the auth area's back: no event
        session_id = await conn.fetchval(
            "UPDATE auth_sessions s SET revoked_at = now() FROM auth_devices d WHERE d.id = s.device_id"
            " AND d.user_id = $1 AND d.client_device_id = 'amina-phone' RETURNING s.id", amina.user_id)
    await platform.redis.client.delete(platform.redis.key("auth", "session", str(session_id)))
    await _follow(juma, amina)
    await _pushed_follow(push_sandbox, laptop_browser)
    await _pushes_handled(client, recipient_id=str(amina.user_id))
    assert push_sandbox.messages(phone_browser.id) == []
    items = (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"]
    assert phone_registered["id"] not in [item["id"] for item in items] and len(items) == 1  # pruned


# What the push service answers

@pytest.mark.parametrize("answer, reason", [(410, "gone"), (404, "not_found")])
async def test_a_subscription_the_push_service_no_longer_knows_is_pruned(
        make_client, push_config, push_sandbox, users, answer, reason):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    push_sandbox.answer(browser.id, answer)
    await _follow(juma, amina)
    told = await _only_notification(amina)
    [delivery] = await _deliveries(amina, told["id"], status="failed")
    assert delivery["reason"] == reason and delivery["attempts"] == 1 and delivery["next_attempt_at"] is None
    assert (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"] == []
    assert await push_sandbox.wait_for_answers(browser.id, 1) == [answer]
    assert _metric(client, "failed", reason) == 1


@pytest.mark.parametrize("answers, reason", [
    ([429], "rate_limited"), ([500, 503], "server_error"), (["timeout"], "timeout")])
async def test_a_temporary_failure_is_retried_with_backoff(make_client, push_config, push_sandbox, users, answers,
                                                           reason):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    push_sandbox.answer(browser.id, *answers, retry_after=1)
    await _follow(juma, amina)
    push = await push_sandbox.wait_for(browser.id, timeout=20)
    assert push.json()["text"] == f"{await _name(juma)} started following you"
    told = await _only_notification(amina)
    [delivery] = await _deliveries(amina, told["id"], status="sent")
    assert delivery["attempts"] == len(answers) + 1 and delivery["reason"] is None
    assert _metric(client, "retrying", reason) >= 1 and _metric(client, "sent", "") == 1
    assert len(push_sandbox.messages(browser.id)) == 1
    if answers == [429]:  # its Retry-After (1 s) was waited, longer than the backoff (100 ms)
        waited = datetime.datetime.fromisoformat(delivery["sent_at"]) - datetime.datetime.fromisoformat(
            delivery["queued_at"])
        assert waited >= datetime.timedelta(seconds=1)


async def test_a_redirect_is_not_followed(make_client, push_config, push_sandbox, users):
    """The server POSTs only to the endpoint it accepted: a push service's redirect (to
    anywhere else) is a refusal, not a new address."""
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    elsewhere = push_sandbox.subscribe()
    push_sandbox.subscriptions[browser.id].redirect_to = elsewhere.endpoint
    push_sandbox.answer(browser.id, 307)
    await _follow(juma, amina)
    told = await _only_notification(amina)
    [delivery] = await _deliveries(amina, told["id"], status="failed")
    assert delivery["reason"] == "rejected" and delivery["attempts"] == 1
    assert await push_sandbox.wait_for_answers(browser.id, 1) == [307]
    assert [answer for sid, answer in push_sandbox.answered if sid == elsewhere.id] == []


async def test_a_push_that_keeps_failing_is_parked_and_replayed(make_client, push_config, push_sandbox, users):
    from nexgate.bus.deadletters import list_dead_letters, replay_dead_letters

    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    push_sandbox.answer(browser.id, 500, 500, 500)
    await _follow(juma, amina)
    told = await _only_notification(amina)
    [delivery] = await _deliveries(amina, told["id"], status="failed")
    assert delivery["reason"] == "server_error" and delivery["attempts"] == 3
    broker = client.app[PLATFORM].broker
    async with client.app[PLATFORM].notify.connection() as conn:
        delivery_id = str(await conn.fetchval("SELECT id FROM notification_deliveries WHERE notification_id = $1",
                                              uuid.UUID(told["id"])))

    async def parked_here():
        return [letter for letter in await list_dead_letters(broker, "notifications_push")
                if orjson.loads(letter.body)["payload"].get("delivery_id") == delivery_id]

    [parked] = await eventually(parked_here)
    assert parked.event_type == "notifications.push_backoff.expired" and parked.attempts == 3
    assert push_sandbox.messages(browser.id) == [] and _metric(client, "failed", "server_error") == 1
    await replay_dead_letters(broker, "notifications_push", {parked.message_id})
    push = await push_sandbox.wait_for(browser.id)
    assert push.json()["id"] == told["id"]
    [delivery] = await _deliveries(amina, told["id"], status="sent")
    assert delivery["attempts"] == 4


async def test_a_grouped_notification_is_pushed_once_per_group(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma, baraka = await person(client, users), await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    await _follow(juma, amina)
    first = await push_sandbox.wait_for(browser.id)
    assert first.topic == uuid.UUID(first.json()["id"]).hex and first.json()["tag"] == first.json()["id"]
    await _follow(baraka, amina)  # joins the group: the centre and the live frame say so, no second push
    await handled(client, await event_ids(client, FOLLOW, followee_id=str(amina.user_id)))
    told = await _only_notification(amina)
    assert told["actor_count"] == 2
    assert await event_ids(client, "notifications.push.requested", recipient_id=str(amina.user_id)) != []
    assert len(await event_ids(client, "notifications.push.requested", recipient_id=str(amina.user_id))) == 1
    assert len(await _deliveries(amina, told["id"], status="sent")) == 1


async def test_a_read_notification_is_not_pushed_again(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    push_sandbox.answer(browser.id, 429, retry_after=3)  # the next attempt in 3 s
    await _follow(juma, amina)
    told = await _only_notification(amina)
    await _deliveries(amina, told["id"], status="queued")
    await amina.request("PATCH", f"/api/notifications/{told['id']}/read")
    [delivery] = await _deliveries(amina, told["id"], status="failed")
    assert delivery["reason"] == "read" and delivery["attempts"] == 1
    assert push_sandbox.messages(browser.id) == []


async def test_someone_elses_notification_shows_no_deliveries(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    await _subscribe(amina, push_sandbox)
    await _follow(juma, amina)
    told = await _only_notification(amina)
    with pytest.raises(ApiError) as refused:
        await juma.request("GET", f"/api/notifications/{told['id']}")
    assert refused.value.status == 404 and refused.value.body["error"]["code"] == "notification_not_found"


# FCM: the Android and iOS apps

async def _register_app(api, sandbox: FcmSandbox, *, expect_new: bool = True):
    """The app gets its registration token from FCM and registers it."""
    token = sandbox.register_device()
    registered = await api.request("POST", "/api/notifications/push-tokens", json={"token": token})
    assert registered["channel"] == "fcm" and registered["endpoint"] is None
    return token, registered


async def test_an_app_registers_its_token_and_is_pushed_through_fcm(make_client, push_config, fcm_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": "sw"})
    token, registered = await _register_app(amina, fcm_sandbox)
    [device] = (await amina.request("GET", "/api/auth/devices"))["devices"]
    assert registered["device_id"] == device["id"]
    assert (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"] == [registered]
    await _follow(juma, amina)
    received = await fcm_sandbox.wait_for(token)
    told = await _only_notification(amina)
    text = f"{await _name(juma)} ameanza kukufuata"
    assert received.data["text"] == text == told["text"] and received.data["id"] == told["id"]
    assert received.data["unread_count"] == "1" and received.data["critical"] == "false"
    assert received.message["notification"] == {"title": "Nexgate", "body": text}
    topic = uuid.UUID(told["id"]).hex
    assert received.message["android"]["collapse_key"] == topic and received.message["android"]["priority"] == "normal"
    assert received.message["apns"]["headers"]["apns-collapse-id"] == topic
    [delivery] = await _deliveries(amina, told["id"], status="sent")
    assert delivery["channel"] == "fcm" and delivery["attempts"] == 1
    assert fcm_sandbox.token_requests == 1
    assert _metric(client, "sent", "", channel="fcm") == 1


async def test_an_uninstalled_apps_token_is_pruned(make_client, push_config, fcm_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    token, _ = await _register_app(amina, fcm_sandbox)
    fcm_sandbox.unregister(token)
    await _follow(juma, amina)
    told = await _only_notification(amina)
    [delivery] = await _deliveries(amina, told["id"], status="failed")
    assert delivery["reason"] == "unregistered" and delivery["attempts"] == 1
    assert (await amina.request("GET", "/api/notifications/push-subscriptions"))["items"] == []
    assert await fcm_sandbox.wait_for_answers(token, 1) == [404]
    assert _metric(client, "failed", "unregistered", channel="fcm") == 1


async def test_fcm_quota_is_waited_out_and_an_expired_access_token_renewed(make_client, push_config, fcm_sandbox,
                                                                          users):
    client = await _app(make_client, push_config)
    amina, juma, baraka = await person(client, users), await person(client, users), await person(client, users)
    token, _ = await _register_app(amina, fcm_sandbox)
    await _follow(juma, amina)
    await fcm_sandbox.wait_for(token)
    fcm_sandbox.expire_access_tokens()  # as an hour later
    fcm_sandbox.answer(token, "QUOTA_EXCEEDED")
    await send(baraka, await send_direct(baraka, amina), "Habari")  # another notification: pushed too
    second = await fcm_sandbox.wait_for(token, after=1)
    assert second.data["type"] == "new_message"
    told = next(n for n in await eventually(lambda: _listed_two(amina)) if n["type"] == "new_message")
    deliveries = await _deliveries(amina, told["id"], status="sent")
    assert [d["attempts"] for d in deliveries] == [2]
    # one token for the first message, one when it had expired: the retry used the renewed one
    assert fcm_sandbox.token_requests == 2 and _metric(client, "retrying", "rate_limited", channel="fcm") == 1


@pytest.mark.parametrize("token", ["", "has spaces in it", "x" * 4097])
async def test_a_token_that_is_no_fcm_token_is_refused(make_client, push_config, users, token):
    client = await _app(make_client, push_config)
    amina = await person(client, users)
    with pytest.raises(ApiError) as refused:
        await amina.request("POST", "/api/notifications/push-tokens", json={"token": token})
    assert refused.value.status == 422 and refused.value.body["error"]["code"] == "push_token_invalid"


# Preferences (preferences.decide)

async def test_push_turned_off_for_a_category_is_not_pushed(make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    await amina.request("PATCH", "/api/notifications/settings", json={"categories": {"social": {"push": "none"}}})
    await _follow(juma, amina)
    await handled(client, await event_ids(client, FOLLOW, followee_id=str(amina.user_id)))
    told = await _only_notification(amina)  # in the centre, not pushed
    assert await event_ids(client, "notifications.push.requested", recipient_id=str(amina.user_id)) == []
    assert (await amina.request("GET", f"/api/notifications/{told['id']}"))["deliveries"] == []
    assert push_sandbox.messages(browser.id) == []


# Quiet hours: held, then summarised

async def _quiet_now(api) -> None:
    """Quiet hours from an hour ago to at least an hour from now (the end rounded up to the
    minute: rounded down, a test set up at hh:mm:59 would see them end 59 minutes later)."""
    now = datetime.datetime.now(datetime.UTC)
    start, end = ((now + delta).strftime("%H:%M")
                  for delta in (datetime.timedelta(hours=-1), datetime.timedelta(hours=1, minutes=1)))
    await api.request("PATCH", "/api/notifications/settings",
                      json={"quiet_hours": {"start": start, "end": end}, "time_zone": "UTC"})


async def _held(client, api) -> list:
    async with client.app[PLATFORM].notify.connection() as conn:
        return await conn.fetch("SELECT told_id, notification_id, until, released_at FROM push_holds "
                                "WHERE recipient_id = $1 ORDER BY created_at", api.user_id)


async def _messages_created(client, sent) -> list:
    """The events of these messages (those of other tests are in the outbox too)."""
    return [event_id for message in sent for event_id in await event_ids(
        client, "messages.message.created", conversation_id=message["conversation_id"])]


async def _end_quiet_hours(client, api, *, again: bool = False) -> None:
    """As if the hour had passed: the recipient's summary job is due now (``again``: fired once
    more, as a second scheduler's or a replay's would be) and has been handled."""
    async with client.app[PLATFORM].core.connection() as conn:
        job = await conn.fetchrow("SELECT id, run_at FROM scheduled_jobs WHERE routing_key = $1 "
                                  "AND payload->>'recipient_id' = $2", "notifications.quiet_hours.ended",
                                  str(api.user_id))
        assert job is not None
        if not again:  # when the quiet hours end
            assert job["run_at"] > datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=59)
        await conn.execute("UPDATE scheduled_jobs SET run_at = now(), fired_at = NULL, event_id = NULL WHERE id = $1",
                           job["id"])
    fired = 2 if again else 1

    async def done():
        ids = await event_ids(client, "notifications.quiet_hours.ended", recipient_id=str(api.user_id))
        return ids if len(ids) == fired else None

    await handled(client, await eventually(done, timeout=20), consumer="notifications_push")


@pytest.mark.parametrize("language, text", [
    ("en", "You have 3 new notifications, from {neema} and {juma}"),
    ("sw", "Una arifa mpya 3, kutoka kwa {neema} na {juma}")])
async def test_pushes_held_in_quiet_hours_go_as_one_summary_when_they_end(
        make_client, push_config, push_sandbox, fcm_sandbox, users, language, text):
    """The issue's fault: notifications made during quiet hours are held, then summarised: one
    push to each device, in the recipient's language, none of them pushed on its own; a critical
    one goes at once."""
    client = await _app(make_client, push_config, login_failures_before_lockout=3, login_failures_per_ip=100)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"language": language})
    browser, _ = await _subscribe(amina, push_sandbox)
    token, _ = await _register_app(amina, fcm_sandbox)
    await _quiet_now(amina)
    await _follow(juma, amina)
    await _follow(neema, amina)  # joins juma's: one notification
    sent = [await send(juma, await send_direct(juma, amina), "Habari"),
            await send(neema, await send_direct(neema, amina), "Uko?")]
    await fail_logins(client, amina, 3)  # critical: pushed at once
    critical = (await push_sandbox.wait_for(browser.id, timeout=30)).json()
    assert critical["type"] == "suspicious_login" and critical["critical"] is True
    assert (await fcm_sandbox.wait_for(token, timeout=30)).data["type"] == "suspicious_login"
    await handled(client, [*await event_ids(client, FOLLOW, followee_id=str(amina.user_id)),
                           *await _messages_created(client, sent)])
    told = await _listed(amina)
    held = [item for item in told if item["type"] != "suspicious_login"]
    assert len(held) == 3 and {row["notification_id"] for row in await _held(client, amina)} == {
        uuid.UUID(item["id"]) for item in held}
    await _pushes_handled(client, recipient_id=str(amina.user_id))
    assert len(push_sandbox.messages(browser.id)) == 1 and len(fcm_sandbox.messages(token)) == 1  # nothing else yet

    await _end_quiet_hours(client, amina)
    summary = push_sandbox.messages(browser.id)[1].json()  # decrypted by the "browser"
    expected = text.format(neema=await _name(neema), juma=await _name(juma))
    assert summary["text"] == expected and summary["type"] == "summary" and summary["count"] == 3
    assert summary["link"] == "nexgate://notifications" and summary["tag"] == summary["id"]
    assert set(summary["notification_ids"]) == {item["id"] for item in held} and summary["unread_count"] == 4
    app = fcm_sandbox.messages(token)[1]
    assert app.data["text"] == expected and app.message["notification"]["body"] == expected
    assert app.data["type"] == "summary" and app.data["link"] == "nexgate://notifications"
    for item in held:  # each shows the summary's deliveries, and none of its own
        deliveries = await _deliveries(amina, item["id"], count=2, status="sent")
        assert {d["summary_id"] for d in deliveries} == {summary["id"]}
        assert sorted(d["channel"] for d in deliveries) == ["fcm", "webpush"]
    assert all(row["released_at"] is not None for row in await _held(client, amina))

    await _end_quiet_hours(client, amina, again=True)  # fired again: nothing more to tell
    assert len(push_sandbox.messages(browser.id)) == 2 and len(fcm_sandbox.messages(token)) == 2


@pytest.mark.parametrize("read", ["all", "one"])
async def test_what_was_read_during_quiet_hours_is_not_pushed(make_client, push_config, push_sandbox, users, read):
    """Nothing when everything held was read meanwhile; a single one left goes as itself."""
    client = await _app(make_client, push_config)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    await _quiet_now(amina)
    await _follow(juma, amina)
    sent = [await send(neema, await send_direct(neema, amina), "Uko?")]
    await handled(client, [*await event_ids(client, FOLLOW, followee_id=str(amina.user_id)),
                           *await _messages_created(client, sent)])
    message, follow = await eventually(lambda: _listed_two(amina))
    if read == "all":
        await amina.request("PATCH", "/api/notifications/read-all")
    else:
        await amina.request("PATCH", f"/api/notifications/{message['id']}/read")
    await _end_quiet_hours(client, amina)
    pushed = push_sandbox.messages(browser.id)
    if read == "all":
        assert pushed == []
        return
    [alone] = pushed
    assert alone.json()["id"] == follow["id"] and alone.json()["text"] == f"{await _name(juma)} started following you"
    [delivery] = await _deliveries(amina, follow["id"], status="sent")
    assert delivery["summary_id"] is None
    assert (await amina.request("GET", f"/api/notifications/{message['id']}"))["deliveries"] == []


async def test_quiet_hours_end_in_one_summary_whichever_worker_ends_them(make_client, push_config, push_sandbox,
                                                                          users):
    """Several workers handling the end at once (two schedulers' firings, a redelivery) push one summary."""
    client = await _app(make_client, push_config)
    amina, juma, neema = await person(client, users), await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    await _quiet_now(amina)
    await _follow(juma, amina)
    sent = [await send(neema, await send_direct(neema, amina), "Uko?")]
    await handled(client, [*await event_ids(client, FOLLOW, followee_id=str(amina.user_id)),
                           *await _messages_created(client, sent)])
    [until] = {row["until"] for row in await _held(client, amina)}
    platform = client.app[PLATFORM]

    async def end() -> None:
        async with platform.notify.transaction("test.quiet_hours_end") as conn:
            await push.summarise(platform, conn, amina.user_id, until)

    await asyncio.gather(end(), end(), end())
    [summary] = push_sandbox.messages(browser.id)
    assert summary.json()["count"] == 2 and summary.json()["text"].startswith("You have 2 new notifications, from ")


# New messages: pushed only to the offline

async def test_a_new_message_is_pushed_only_to_a_recipient_with_no_device_connected(
        make_client, push_config, push_sandbox, users):
    client = await _app(make_client, push_config)
    amina, juma = await person(client, users), await person(client, users)
    browser, _ = await _subscribe(amina, push_sandbox)
    conversation = await send_direct(juma, amina)
    device = await amina.live()  # amina has the app open: she sees the message arrive live

    await send(juma, conversation, "Habari, bado ipo?")
    await handled(client, await event_ids(client, "messages.message.created", conversation_id=conversation["id"]))
    assert (await _only_notification(amina))["type"] == "new_message"
    assert await event_ids(client, "notifications.push.requested", recipient_id=str(amina.user_id)) == []

    await device.close()
    await sockets_served(client, 0)  # her last device is gone: she is offline
    neema = await person(client, users)  # a new conversation: a new notification (juma's is grouped)
    await send(neema, await send_direct(neema, amina), "Uko?")
    push = await push_sandbox.wait_for(browser.id)
    assert push.json()["text"] == f"New message from {await _name(neema)}"
    assert push.json()["type"] == "new_message"
