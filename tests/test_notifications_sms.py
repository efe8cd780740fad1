"""SMS delivery reports through the real app, the notify database and the Africa's Talking
sandbox over HTTP: the sandbox POSTs its reports to the app's secret URL, as the gateway
does, and the notification's deliveries say what became of its text."""
from __future__ import annotations

import dataclasses
import logging
import secrets

import aiohttp
import pytest

from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.live import base_url
from tests.support.notifications import WORKERS, event_ids, fail_logins, handled, person

SECRET = "test-sms-delivery-reports-secret"


def _phone(ending: str) -> str:
    """A Tanzanian number of its own (numbers are unique among users) ending in ``ending``, the
    two digits that steer the sandbox's reports."""
    return f"+25575{secrets.randbelow(10 ** 5):05d}{ending}"
PATH = "/api/notifications/sms/delivery-reports"


@pytest.fixture
async def reporting(make_client, config, sms_sandbox):
    """The app with the notifications and sms workers, a lockout after 3 wrong passwords (a
    critical notification, texted), and the sandbox reporting to the app's secret URL."""
    client = await make_client(dataclasses.replace(
        config, bus_prefetch=1, login_failures_before_lockout=3, login_failures_per_ip=100,
        sms_delivery_reports_secret=SECRET, **sms_sandbox.settings()), worker_names=[*WORKERS, "sms"])
    sms_sandbox.callback_url = f"{base_url(client)}{PATH}/{SECRET}"
    return client


async def _texted(client, users, phone: str):
    """A person with a verified ``phone`` who is told a critical notification (texted to it)."""
    api = await person(client, users)
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET phone = $2, phone_verified_at = now() WHERE id = $1", api.user_id, phone)
    await fail_logins(client, api, 3)
    await handled(client, await event_ids(client, "auth.lockout.started", user_id=str(api.user_id)))
    [told] = (await api.request("GET", "/api/notifications"))["items"]
    return api, told


async def _sms_delivery(api, told, status: str) -> dict:
    async def settled():
        found = [d for d in (await api.request("GET", f"/api/notifications/{told['id']}"))["deliveries"]
                 if d["channel"] == "sms"]
        return found[0] if found and found[0]["status"] == status else None

    return await eventually(settled, timeout=15)


def _metric(client, outcome: str, reason: str = "") -> float:
    return client.app[PLATFORM].metrics.registry.get_sample_value(
        "nexgate_notification_deliveries_total", {"channel": "sms", "outcome": outcome, "reason": reason}) or 0.0


async def test_a_text_the_gateway_reports_delivered_shows_delivered(reporting, sms_sandbox, users):
    client, phone = reporting, _phone("11")
    amina, told = await _texted(client, users, phone)
    text = await sms_sandbox.wait_for(phone)
    [report] = await sms_sandbox.wait_for_reports(1, id=text.message_id)
    assert report.answered == 200 and report.form["status"] == "Success" and report.form["networkCode"] == "64004"
    delivery = await _sms_delivery(amina, told, "delivered")
    assert delivery["reason"] is None and delivery["device_id"] is None and delivery["delivered_at"] is not None
    assert delivery["sent_at"] <= delivery["delivered_at"]
    assert _metric(client, "sent") == 1 and _metric(client, "delivered") == 1


@pytest.mark.parametrize("phone, reason", [
    ("90", "DeliveryFailure"), ("91", "AbsentSubscriber"), ("92", "Expired"), ("93", "UserIsInactive")])
async def test_a_text_the_gateway_reports_failed_shows_failed_with_why(reporting, sms_sandbox, users, phone, reason):
    client, phone = reporting, _phone(phone)
    amina, told = await _texted(client, users, phone)
    await sms_sandbox.wait_for_reports(1, id=(await sms_sandbox.wait_for(phone)).message_id)
    delivery = await _sms_delivery(amina, told, "failed")
    assert delivery["reason"] == reason and delivery["delivered_at"] is None
    assert _metric(client, "failed", reason) == 1


@pytest.mark.parametrize("phone, reports", [
    ("95", ["Success", "Success", "Sent"]),  # a duplicate, then a report out of order
    ("96", ["Failed", "Success"])])  # the gateway's retry got through
async def test_a_delivered_text_stays_delivered_whatever_comes_after(reporting, sms_sandbox, users, phone, reports):
    client, phone = reporting, _phone(phone)
    amina, told = await _texted(client, users, phone)
    text = await sms_sandbox.wait_for(phone)
    sent = await sms_sandbox.wait_for_reports(len(reports), id=text.message_id)
    assert [r.form["status"] for r in sent] == reports and all(r.answered == 200 for r in sent)
    delivery = await _sms_delivery(amina, told, "delivered")
    assert delivery["reason"] is None
    assert _metric(client, "delivered") == 1  # moved once


async def test_a_report_that_comes_before_its_text_is_recorded_is_applied_then(reporting, sms_sandbox, users):
    """The gateway may report before the sms worker has recorded its answer: the report is kept
    (answered 200) and the recording applies it."""
    client, phone = reporting, _phone("94")  # the sandbox sends no report itself: this test does
    sms_sandbox.next_ids.append("ATXid_reported_first")
    answer = await client.post(f"{PATH}/{SECRET}", data={"id": "ATXid_reported_first", "status": "Success",
                                                         "phoneNumber": phone, "networkCode": "64004",
                                                         "retryCount": "0"})
    assert answer.status == 200
    amina, told = await _texted(client, users, phone)
    assert (await sms_sandbox.wait_for(phone)).message_id == "ATXid_reported_first"
    await _sms_delivery(amina, told, "delivered")


async def test_a_text_with_no_report_stays_sent(reporting, sms_sandbox, users):
    phone = _phone("94")  # no report
    amina, told = await _texted(reporting, users, phone)
    await handled(reporting, await event_ids(reporting, "notifications.sms.requested", to=phone), consumer="sms")
    delivery = await _sms_delivery(amina, told, "sent")
    assert delivery["reason"] is None and delivery["delivered_at"] is None and delivery["attempts"] == 1


async def test_reports_to_a_wrong_secret_or_of_no_known_text_change_nothing(reporting, sms_sandbox, users, caplog):
    client, phone = reporting, _phone("94")
    amina, told = await _texted(client, users, phone)
    text = await sms_sandbox.wait_for(phone)
    await handled(client, await event_ids(client, "notifications.sms.requested", to=phone), consumer="sms")
    report = {"id": text.message_id, "status": "Failed", "failureReason": "DeliveryFailure",
              "phoneNumber": phone, "networkCode": "64004", "retryCount": "0"}
    for secret in ("wrong-but-long-enough-secret", SECRET[:-1]):
        answer = await client.post(f"{PATH}/{secret}", data=report)
        assert answer.status == 404 and (await answer.json())["error"]["code"] == "callback_not_found"
    bad = await client.post(f"{PATH}/{SECRET}", data={"status": "Delivered", "retryCount": "twice"})
    assert bad.status == 422
    error = (await bad.json())["error"]
    assert error["code"] == "delivery_report_invalid" and set(error["details"]["fields"]) == {
        "id", "status", "retryCount"}
    with caplog.at_level(logging.INFO, logger="nexgate.domain.notifications.sms"):
        unknown = await client.post(f"{PATH}/{SECRET}", data={**report, "id": "ATXid_nobody_sent_this"})
    assert unknown.status == 200
    assert "for ATXid_nobody_sent_this: no notification's text has that id" in caplog.text
    await _sms_delivery(amina, told, "sent")  # none of these moved it
    assert _metric(client, "failed", "DeliveryFailure") == 0


async def test_without_a_secret_no_report_is_accepted(make_client, config, sms_sandbox):
    client = await make_client(dataclasses.replace(config, **sms_sandbox.settings()), worker_names=[])
    answer = await client.post(f"{PATH}/anything-at-all-sixteen", data={"id": "ATXid_x", "status": "Success"})
    assert answer.status == 404 and (await answer.json())["error"]["code"] == "callback_not_found"


async def test_the_sandbox_reports_in_the_gateways_form(sms_sandbox, aiohttp_server):
    """What the gateway POSTs: form-encoded, the fields of Africa's Talking's delivery reports."""
    from aiohttp import web

    received = []

    async def callback(request):
        received.append(dict(await request.post()))
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_post("/reports", callback)
    server = await aiohttp_server(app)
    sms_sandbox.callback_url = str(server.make_url("/reports"))
    async with aiohttp.ClientSession() as http:
        answer = await http.post(f"{sms_sandbox.url}/version1/messaging", headers={"apiKey": sms_sandbox.api_key},
                                 data={"username": sms_sandbox.username, "to": "+254712000190", "message": "Habari"})
        [recipient] = (await answer.json())["SMSMessageData"]["Recipients"]
    [report] = await sms_sandbox.wait_for_reports(1)
    assert received == [report.form] == [{"id": recipient["messageId"], "status": "Failed", "phoneNumber": "+254712000190",
                                          "networkCode": "63902", "retryCount": "0", "failureReason": "DeliveryFailure"}]
