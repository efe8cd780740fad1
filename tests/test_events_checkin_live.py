"""The door, live, through the real app, RabbitMQ and both databases: the organizer's dashboard
topic fed from the outbox by the events_checkins worker (its frames the REST snapshot's view),
open to the organizer and managers only; the holder's check-in confirmation and a staff
invitation reaching their centres and devices."""
from __future__ import annotations

import datetime

from tests.conftest import eventually
from tests.support.checkin import command, door_event, register_scanner, scan, scanner_call, staff_member
from tests.support.commerce import call
from tests.support.events import free_tickets
from tests.support.live import raw, receive
from tests.support.notifications import centre, next_notification, notifying_app, person
from tests.support.users import user

WORKERS = ["outbox-relay", "events_checkins"]


def _tokens(api) -> dict:
    return {**api.tokens, "id": str(api.user_id), "username": api.tokens["user"]["username"]}


async def _topic_frame(ws, event: str) -> dict:
    while True:
        frame = await receive(ws, timeout=10)
        assert frame is not None, "the socket closed"
        if frame["type"] == "topic" and frame["event"] == event:
            return frame


async def test_the_dashboard_topic_tells_each_admission_and_conflict_with_the_counts(make_client, config):
    client = await make_client(config, worker_names=WORKERS)
    amina, juma, baraka, neema = [await user(client) for _ in range(4)]
    event = await door_event(client, amina)
    await staff_member(client, amina, event["id"], juma, "manager")
    await staff_member(client, amina, event["id"], baraka, "scanner")
    topic = f"event:{event['id']}:checkins"
    refused, _ = await raw(client, baraka["access_token"])
    denied = await command(refused, 1, type="subscribe", topic=topic)
    assert denied["error"]["code"] == "not_event_staff"
    await refused.close()
    boards = []
    for watcher in (amina, juma):
        ws, _ = await raw(client, watcher["access_token"])
        assert (await command(ws, 1, type="subscribe", topic=topic))["type"] == "ack"
        boards.append(ws)
    first, second = await free_tickets(client, neema, event, quantity=2)
    admitted = await scan(client, baraka, event["id"], qr=first["qr"], gate="North")
    for ws in boards:
        frame = await _topic_frame(ws, "events.ticket.admitted")
        assert frame["topic"] == topic and frame["data"]["admission"] == admitted
        assert frame["data"]["counts"] == {"admitted": 1, "by_day_and_gate": [
            {"day_id": event["days"][0]["id"], "day_number": 1, "gate": "North", "admitted": 1}]}
    scanner = await register_scanner(client, amina, event["id"], name="Offline", gate="East")
    await scan(client, amina, event["id"], qr=second["qr"])
    await _topic_frame(boards[0], "events.ticket.admitted")
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    await scanner_call(client, scanner, "POST", "/api/scanner/offline-scans", 200,
                       json={"scans": [{"nonce": "late-upload-1", "qr": second["qr"], "scanned_at": now}]})
    conflict = await _topic_frame(boards[0], "events.checkin.conflicted")
    assert conflict["data"]["conflict"]["ticket_id"] == second["id"] and conflict["data"]["conflict"]["gate"] == "East"
    board = await call(client, "GET", f"/api/events/{event['id']}/checkins/dashboard", juma, 200)
    assert board["counts"]["admitted"] == 2 and board["latest"][1] == admitted
    assert board["conflicts"] == [conflict["data"]["conflict"]]
    assert (await call(client, "GET", f"/api/events/{event['id']}/checkins/dashboard", baraka, 403))["error"][
        "code"] == "not_event_staff"
    for ws in boards:
        await ws.close()


async def test_the_holder_is_told_of_their_check_in_and_a_user_of_their_invitation(make_client, config, users):
    client = await notifying_app(make_client, config)
    organizer, holder, helper = await person(client, users), await person(client, users), await person(client, users)
    amina, neema = _tokens(organizer), _tokens(holder)
    event = await door_event(client, amina, title="Sauti za Busara")
    devices = {"holder": await holder.live(), "helper": await helper.live()}
    await call(client, "POST", f"/api/events/{event['id']}/staff", amina, 201,
                json={"username": helper.tokens["user"]["username"], "role": "scanner"})
    invited = (await next_notification(devices["helper"]))["data"]["notification"]
    assert invited["type"] == "staff_invited" and invited["category"] == "events"
    assert invited["text"] == (f"{organizer.tokens['user']['display_name']} invited you to help at Sauti za Busara "
                               "as scanner. Accept or decline the invitation")
    assert invited["link"] == f"nexgate://events/{event['id']}/staff"
    [ticket] = await free_tickets(client, neema, event)
    await scan(client, amina, event["id"], qr=ticket["qr"])
    while True:
        told = (await next_notification(devices["holder"]))["data"]["notification"]
        if told["type"] == "checkin_confirmed":
            break
    assert told["text"] == "You are checked in at Sauti za Busara (day 1). Enjoy the event"
    assert told["object"] == {"type": "ticket", "id": ticket["id"]} and told["link"] == f"nexgate://tickets/{ticket['id']}"
    async def listed():
        return "checkin_confirmed" in [n["type"] for n in (await centre(holder))["items"]]

    assert await eventually(listed)  # the frame may come a moment before the centre lists it
