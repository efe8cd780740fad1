"""A ticket after it is issued, through the real app: transferred to another user (a new signed
ticket and code, the old one revoked and on the revocation list), cancelled by its buyer or the
organizer (and not by others, nor by the buyer once the event started), resent by email; the
buyer and holder told live from the outbox; the ticket purchased notification told end to end by
the notification service; a postponed event's tickets signed again (renewal), verified by openssl
and admitted on the new day while the old code's signed window is over."""
from __future__ import annotations

import dataclasses
import uuid

from nexgate.domain.events import ticket_format
from nexgate.domain.events.signing import verify_keys
from nexgate.domain.notifications import templates
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.event_tickets import buy, committed, sale_event, value
from tests.support.events import free_tickets
from tests.support.payment_methods import call, events
from tests.support.users import user


async def _keys(client):
    async with client.app[PLATFORM].core.connection() as conn:
        return await verify_keys(conn)


async def test_a_transfer_issues_a_new_ticket_and_revokes_the_old_code(client):
    organizer, buyer, friend = await user(client), await user(client), await user(client)
    event = await sale_event(client, organizer)
    old, = await free_tickets(client, buyer, event)
    moved = await call(client, "POST", f"/api/tickets/{old['id']}/transfer", buyer, 201,
                       json={"username": friend["username"]})
    assert moved["id"] != old["id"] and moved["code"] != old["code"] and moved["qr"] != old["qr"]
    assert (moved["state"], moved["replaces"], moved["order_id"]) == ("valid", old["id"], old["order_id"])
    assert str(ticket_format.verify(moved["qr"], await _keys(client)).ticket_id) == moved["id"]
    assert await call(client, "GET", f"/api/tickets/{moved['id']}", friend, 200) == moved
    given = await call(client, "GET", f"/api/tickets/{old['id']}", buyer, 200)
    assert (given["state"], given["revoke_reason"], given["replaced_by"], given["qr"]) == (
        "transferred", "transferred", moved["id"], None)
    assert given["revoked_at"] is not None
    assert await committed(client, event["ticket_types"][0]["id"]) == 1  # still one ticket sold
    # the old code is on the revocation list scanners download (no sign-in needed)
    response = await client.get(f"/api/events/{event['id']}/revocations")
    listed = await response.json()
    assert [(r["ticket_id"], r["code"], r["reason"]) for r in listed["revoked"]] == [
        (old["id"], old["code"], "transferred")]
    later = await client.get(f"/api/events/{event['id']}/revocations", params={"since": given["revoked_at"]})
    assert (await later.json())["revoked"] == []
    assert listed["next_since"]
    # the old ticket can be neither transferred again nor resent
    again = await call(client, "POST", f"/api/tickets/{old['id']}/transfer", buyer, 409,
                       json={"username": friend["username"]})
    assert again["error"]["code"] == "ticket_revoked"
    assert (await call(client, "POST", f"/api/tickets/{old['id']}/resend", buyer, 409))["error"]["code"] == \
        "ticket_revoked"
    assert (await call(client, "POST", f"/api/tickets/{moved['id']}/transfer", friend, 422,
                       json={"username": friend["username"]}))["error"]["code"] == "transfer_to_self"
    assert (await call(client, "POST", f"/api/tickets/{moved['id']}/transfer", friend, 404,
                       json={"username": "nobody_by_this_name"}))["error"]["code"] == "user_not_found"
    assert (await call(client, "POST", f"/api/tickets/{moved['id']}/transfer", buyer, 404,
                       json={"username": buyer["username"]}))["error"]["code"] == "ticket_not_found"
    transferred = await events(client, "events.ticket.transferred", ticket_id=old["id"])
    assert [(e["new_ticket_id"], e["new_holder_id"]) for e in transferred] == [(moved["id"], friend["id"])]
    assert [e["reason"] for e in await events(client, "events.ticket.revoked", ticket_id=old["id"])] == ["transferred"]
    assert len(await events(client, "events.ticket.issued", ticket_id=moved["id"])) == 1
    assert (await client.get(f"/api/events/{uuid.uuid4()}/revocations")).status == 404


async def test_the_buyer_cancels_before_the_event_and_the_organizer_after_no_one_else(client):
    organizer, buyer, stranger = await user(client), await user(client), await user(client)
    event = await sale_event(client, organizer, ticket_types=(dict(kind="free", name="Entry", quantity=5),))
    mine, theirs, late = await free_tickets(client, buyer, event, quantity=3)
    type_id = event["ticket_types"][0]["id"]
    assert (await call(client, "POST", f"/api/tickets/{mine['id']}/cancel", stranger, 404))["error"]["code"] == \
        "ticket_not_found"
    cancelled = await call(client, "POST", f"/api/tickets/{mine['id']}/cancel", buyer, 200)
    assert (cancelled["state"], cancelled["revoke_reason"], cancelled["qr"]) == ("cancelled", "cancelled", None)
    assert await committed(client, type_id) == 2  # back on sale
    assert (await call(client, "POST", f"/api/tickets/{mine['id']}/cancel", buyer, 409))["error"]["code"] == \
        "ticket_revoked"
    by_organizer = await call(client, "POST", f"/api/tickets/{theirs['id']}/cancel", organizer, 200)
    assert by_organizer["state"] == "cancelled"
    # once the event has started the buyer cannot, the organizer still can
    await value(client, "UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1",
                uuid.UUID(event["id"]))
    refused = await call(client, "POST", f"/api/tickets/{late['id']}/cancel", buyer, 403)
    assert refused["error"]["code"] == "ticket_cancel_forbidden"
    await call(client, "POST", f"/api/tickets/{late['id']}/cancel", organizer, 200)
    assert await committed(client, type_id) == 0
    listed = await (await client.get(f"/api/events/{event['id']}/revocations")).json()
    assert {r["ticket_id"] for r in listed["revoked"]} == {mine["id"], theirs["id"], late["id"]}
    order = await call(client, "GET", f"/api/ticket-orders/{mine['order_id']}", buyer, 200)
    assert order["state"] == "paid"  # a free order is never "refunded": nothing was paid


async def test_a_ticket_is_resent_to_its_holders_email(client):
    organizer, buyer = await user(client), await user(client)
    event = await sale_event(client, organizer)
    ticket, = await free_tickets(client, buyer, event)
    assert await call(client, "POST", f"/api/tickets/{ticket['id']}/resend", buyer, 200) == ticket
    requested = [e for e in await events(client, "notifications.email.requested", template="event_tickets")
                 if e["context"]["tickets"][0]["code"] == ticket["code"]]
    assert len(requested) == 1 and requested[0]["to"] == buyer["user"]["email"]
    email = templates.render("event_tickets", requested[0]["to"], requested[0]["context"])
    assert ticket["code"] in email.text and ticket["qr"] in email.text and "<svg" in email.html
    assert email.subject == "Your ticket for Kilimanjaro Jazz Night"


async def test_the_buyer_and_holders_are_told_live_and_the_tickets_emailed(make_client, config, users):
    client = await make_client(dataclasses.replace(config, bus_prefetch=1),
                               worker_names=("outbox-relay", "events_tickets"))
    buyer_api, friend_api = await users.new(client.server), await users.new(client.server)
    organizer = await user(client)
    buyer = {**buyer_api.tokens, "id": str(buyer_api.user_id)}
    event = await sale_event(client, organizer, format="online")
    buyer_live, friend_live = await buyer_api.live(), await friend_api.live()
    order = await buy(client, buyer, event)
    frames = {}
    while len(frames) < 3:
        frame = await buyer_live.next_event(timeout=10)
        frames[frame["event"]] = frame["data"]
    assert set(frames) == {"events.ticket_order.placed", "events.ticket_order.paid", "events.ticket.issued"}
    rest = await call(client, "GET", f"/api/ticket-orders/{order['id']}", buyer, 200)
    assert frames["events.ticket_order.paid"]["order"] == rest
    assert frames["events.ticket.issued"]["ticket"] == rest["tickets"][0]
    assert rest["tickets"][0]["streaming_url"] == "https://stream.example.co.tz/live/kjn"

    async def emailed():
        return [e for e in await events(client, "notifications.email.requested", template="event_tickets")
                if e["to"] == buyer["user"]["email"]]
    email, = await eventually(emailed)
    assert email["context"]["streaming_url"] == "https://stream.example.co.tz/live/kjn"
    assert email["context"]["tickets"][0]["code"] == rest["tickets"][0]["code"]
    # a transfer: the new holder hears of the new ticket, the old one of the one they gave away
    ticket = rest["tickets"][0]
    moved = await call(client, "POST", f"/api/tickets/{ticket['id']}/transfer", buyer, 201,
                       json={"username": friend_api.tokens["user"]["username"]})
    issued = await friend_live.next_event(timeout=10)
    assert (issued["event"], issued["data"]["ticket"]) == ("events.ticket.issued", moved)
    revoked = await buyer_live.next_event(timeout=10)
    assert (revoked["event"], revoked["data"]["ticket"]["state"]) == ("events.ticket.revoked", "transferred")
    for device in (buyer_live, friend_live):
        await device.close()


async def test_ticket_purchased_is_told_by_the_notification_service(make_client, config, users):
    from tests.support.notifications import centre, event_ids, handled, notifying_app, person

    client = await notifying_app(make_client, config)
    buyer_api = await person(client, users)
    buyer = {**buyer_api.tokens, "id": str(buyer_api.user_id)}
    organizer = await user(client)
    at_the_door = await sale_event(client, organizer)
    online = await sale_event(client, organizer, format="online")
    first = await buy(client, buyer, at_the_door, quantity=2)
    second = await buy(client, buyer, online)
    await handled(client, await event_ids(client, "events.ticket_order.paid", buyer_id=buyer["id"]))
    told = {item["type"]: item for item in (await centre(buyer_api))["items"]}
    assert set(told) == {"ticket_purchased", "ticket_purchased_online"}
    assert told["ticket_purchased"]["text"] == (
        "Your tickets for Kilimanjaro Jazz Night are ready (2). Show the QR code at the door")
    assert told["ticket_purchased"]["link"] == f"nexgate://ticket-orders/{first['id']}"
    assert told["ticket_purchased"]["object"] == {"type": "ticket_order", "id": first["id"]}
    assert told["ticket_purchased_online"]["text"] == (
        "Your tickets for Kilimanjaro Jazz Night are ready (1). Join online at https://stream.example.co.tz/live/kjn")
    assert told["ticket_purchased_online"]["link"] == f"nexgate://ticket-orders/{second['id']}"
    assert told["ticket_purchased"]["category"] == "events"


def _signed_window(qr: str) -> tuple[int, int]:
    """(valid_from, valid_until) read straight from the QR's payload bytes, as a scanner does."""
    import base64
    data = base64.b32decode(qr.split(".")[1] + "=" * (-len(qr.split(".")[1]) % 8))
    at = 50 + data[49]
    return int.from_bytes(data[at:at + 4], "big"), int.from_bytes(data[at + 4:at + 8], "big")


async def test_a_postponed_event_renews_its_tickets_which_verify_with_openssl_and_admit_on_the_new_day(
        make_client, config, users, monkeypatch, tmp_path):
    import datetime
    import subprocess

    from nexgate.domain.events import checkin, renewal
    from tests.support.events import days_body, published_event, step

    monkeypatch.setattr(renewal, "RENEW_BATCH", 1)  # two tickets: two batches
    client = await make_client(dataclasses.replace(config, bus_prefetch=1),
                               worker_names=("outbox-relay", "events_tickets"))
    holder_api = await users.new(client.server)
    holder = {**holder_api.tokens, "id": str(holder_api.user_id)}
    organizer = await user(client)
    event = await published_event(client, organizer)
    first, second, gone = await free_tickets(client, holder, event, quantity=3)
    await call(client, "POST", f"/api/tickets/{gone['id']}/cancel", holder, 200)
    live = await holder_api.live()
    old_until = _signed_window(first["qr"])[1]
    assert old_until == int(datetime.datetime.fromisoformat(event["ends_at"]).timestamp()) + 86400

    week = datetime.timedelta(days=7)
    start = datetime.datetime.fromisoformat(event["days"][0]["starts_at"]) + week
    moved = await step(client, organizer, event["id"], "schedule", {"time_zone": "Africa/Nairobi",
                                                                    "days": days_body(1, start=start)})
    new_end = datetime.datetime.fromisoformat(moved["ends_at"])
    frames = {}
    while len(frames) < 2:
        frame = await live.next_event(timeout=10)
        if frame["event"] == "events.ticket.renewed":
            frames[frame["data"]["ticket"]["id"]] = frame["data"]["ticket"]
    assert set(frames) == {first["id"], second["id"]}  # the cancelled one is not renewed
    renewed = await call(client, "GET", f"/api/tickets/{first['id']}", holder, 200)
    assert frames[first["id"]] == renewed
    assert (renewed["code"], renewed["valid_from"], renewed["state"]) == (first["code"], first["valid_from"], "valid")
    assert renewed["qr"] != first["qr"]
    assert _signed_window(renewed["qr"]) == (_signed_window(first["qr"])[0], int(new_end.timestamp()) + 86400)
    assert datetime.datetime.fromisoformat(renewed["valid_until"]) == new_end + datetime.timedelta(days=1)
    assert len(await events(client, "events.tickets_renewal.continued", event_id=event["id"])) == 1
    # openssl verifies the new signature with the published key
    _, payload_b32, signature_b32 = renewed["qr"].split(".")
    unb32 = __import__("base64").b32decode
    (tmp_path / "payload.bin").write_bytes(unb32(payload_b32 + "=" * (-len(payload_b32) % 8)))
    (tmp_path / "signature.bin").write_bytes(unb32(signature_b32 + "=" * (-len(signature_b32) % 8)))
    (tmp_path / "key.pem").write_text(await (await client.get(f"/api/events/keys/{renewed['key_id']}.pem")).text())
    verified = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "key.pem", "-sigopt", "rsa_padding_mode:pss",
         "-sigopt", "rsa_pss_saltlen:32", "-signature", "signature.bin", "payload.bin"],
        cwd=tmp_path, capture_output=True, text=True)
    assert verified.returncode == 0 and verified.stdout.strip() == "Verified OK", verified
    # the holder gets the renewed tickets by email, once, together
    async def emailed():
        return [e for e in await events(client, "notifications.email.requested", template="event_tickets")
                if e["to"] == holder["user"]["email"] and e["context"].get("renewed")]
    requested = await eventually(emailed)
    assert sorted(t["qr_text"] for e in requested for t in e["context"]["tickets"]) == sorted(
        t["qr"] for t in frames.values())
    email = templates.render("event_tickets", requested[0]["to"], requested[0]["context"])
    assert email.subject.startswith("Renewed: your ticket for") and "signed again" in email.text

    # on the new day: the new code admits; the old one's signed window is over
    organizer_scan = checkin.Scanning(uuid.UUID(event["id"]), "app", "North", by_user_id=uuid.UUID(organizer["id"]))
    new_day = datetime.datetime.fromisoformat(moved["days"][0]["starts_at"]) + datetime.timedelta(minutes=5)
    assert new_day.timestamp() > old_until
    async with client.app[PLATFORM].core.transaction("tests.door_on_the_new_day") as conn:
        try:
            await checkin.admit_in(conn, organizer_scan, checkin.Scanned(qr=second["qr"]), new_day)
            raise AssertionError("the old QR code admitted")
        except checkin.Unadmitted as refused:
            assert (refused.code, refused.details["valid_until"]) == (
                "ticket_expired", datetime.datetime.fromtimestamp(old_until, datetime.UTC).isoformat())
        admitted = await checkin.admit_in(conn, organizer_scan, checkin.Scanned(qr=frames[second["id"]]["qr"]),
                                          new_day)
    assert (admitted["ticket_id"], admitted["day"]["number"]) == (second["id"], 1)
    # today, over REST, both verify and are told the doors are not open yet (nothing expired)
    for qr in (first["qr"], renewed["qr"]):
        early = await call(client, "POST", f"/api/events/{event['id']}/checkins", organizer, 409, json={"qr": qr})
        assert early["error"]["code"] == "too_early"
    # an edit that leaves the tickets' window enough (a title; the event moved a day earlier) renews nothing
    await step(client, organizer, event["id"], "schedule", {"time_zone": "Africa/Nairobi", "days": days_body(
        1, start=start - datetime.timedelta(days=1))})
    async def handled():  # the events_tickets group has handled every change of the event
        async with client.app[PLATFORM].core.connection() as conn:
            return await conn.fetchval(
                "SELECT count(*) = 0 FROM outbox o LEFT JOIN processed_events p ON p.event_id = o.id"
                " AND p.consumer = 'events_tickets' WHERE o.routing_key = 'events.event.changed'"
                " AND o.payload->>'event_id' = $1 AND p.event_id IS NULL", event["id"])
    await eventually(handled)
    again = await call(client, "GET", f"/api/tickets/{first['id']}", holder, 200)
    assert again["qr"] == renewed["qr"]
    assert len(await events(client, "events.ticket.renewed", event_id=event["id"])) == 2
    await live.close()
