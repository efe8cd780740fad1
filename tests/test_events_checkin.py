"""Check-in through the real app, every method through the one domain function: the app's scan
(REST and /ws), a typed short code, a hardware scanner's key and a kiosk's live session; each
bad ticket refused with its own code and nothing written; one ticket scanned at the same
instant on two scanners admitted once."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from nexgate.domain.events import checkin, devices, ticket_format
from nexgate.keys import PLATFORM
from tests.support.auth import bearer
from tests.support.checkin import (command, door_event, invite, kiosk_pairing, kiosk_socket, pair, register_scanner,
                                   scan, scanner_call, staff_member)
from tests.support.commerce import call, rows
from tests.support.events import buy, free_tickets, published_event
from tests.support.live import raw
from tests.support.shared_app import module_client
from tests.support.users import user

pytestmark, client = module_client("events_checkin")  # one app for the module's tests


async def _admissions(client, event_id: str) -> list:
    return await rows(client, "SELECT ticket_id, day_id, method, gate FROM checkins WHERE event_id = $1", event_id)


async def _admitted_events(client, ticket_id: str) -> list:
    return await rows(client, "SELECT id FROM outbox WHERE routing_key = 'events.ticket.admitted' "
                              "AND payload->>'ticket_id' = $1", ticket_id)


def _resigned(qr: str, kid: str, key: rsa.RSAPrivateKey) -> str:
    """The ticket's payload under another key id, signed by ``key`` (a forger's, or a key we retire)."""
    data, _ = ticket_format.split(qr)
    payload = ticket_format.decode(data)
    forged = ticket_format.encode(ticket_format.Payload(
        payload.ticket_id, payload.event_id, payload.ticket_type_id, payload.days, payload.valid_from,
        payload.valid_until, kid))
    signature = key.sign(forged, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    return ticket_format.qr_text(forged, signature)


async def test_a_ticket_is_admitted_once_and_a_second_scan_says_when_where_and_by_whom(client):
    amina, juma, neema = await user(client), await user(client), await user(client)
    event = await door_event(client, amina, ticket_types=(dict(kind="free", name="Entry", quantity=100),))
    await staff_member(client, amina, event["id"], juma, "scanner")
    [ticket] = await free_tickets(client, neema, event)
    admitted = await scan(client, juma, event["id"], qr=ticket["qr"], gate="North")
    assert admitted["holder"] == {"id": neema["id"], "display_name": neema["user"]["display_name"]}
    assert admitted["ticket_type"]["name"] == "Entry" and admitted["method"] == "app" and admitted["gate"] == "North"
    assert admitted["day"] == {"id": event["days"][0]["id"], "number": 1}
    assert admitted["device"] == {"kind": "staff", "id": juma["id"], "name": juma["user"]["display_name"]}
    again = await scan(client, amina, event["id"], expect=409, short_code=ticket["code"].lower())
    assert again["error"]["code"] == "already_checked_in"
    first = again["error"]["details"]["first"]
    assert first["gate"] == "North" and first["device"]["id"] == juma["id"]
    assert first["scanned_at"] == admitted["scanned_at"]
    assert again["error"]["details"]["holder"]["display_name"] == neema["user"]["display_name"]
    assert len(await _admissions(client, event["id"])) == 1
    assert len(await _admitted_events(client, ticket["id"])) == 1


async def test_the_app_checks_in_over_the_websocket_and_a_typed_code_is_manual(client):
    amina, neema = await user(client), await user(client)
    event = await door_event(client, amina)
    first, second = await free_tickets(client, neema, event, quantity=2)
    ws, ready = await raw(client, amina["access_token"])
    assert ready["type"] == "ready"
    ack = await command(ws, 1, type="events.checkin", event_id=event["id"], qr=first["qr"], gate="VIP door")
    assert ack["type"] == "ack" and ack["data"]["ticket_id"] == first["id"] and ack["data"]["method"] == "app"
    refused = await command(ws, 2, type="events.checkin", event_id=event["id"], qr=first["qr"])
    assert refused["type"] == "error" and refused["error"]["code"] == "already_checked_in"
    typed = await command(ws, 3, type="events.checkin", event_id=event["id"], short_code=second["code"])
    assert typed["data"]["method"] == "manual" and typed["data"]["gate"] is None
    both = await command(ws, 4, type="events.checkin", event_id=event["id"], qr=first["qr"], short_code="ABCD-1234")
    assert both["error"]["code"] == "invalid"
    await ws.close()


async def test_the_same_ticket_at_the_same_instant_on_two_scanners_is_admitted_once(client):
    amina, juma, neema = await user(client), await user(client), await user(client)
    event = await door_event(client, amina)
    await staff_member(client, amina, event["id"], juma)
    scanner = await register_scanner(client, amina, event["id"], gate="South")
    for _ in range(3):
        [ticket] = await free_tickets(client, neema, event)
        answers = await asyncio.gather(
            client.post(f"/api/events/{event['id']}/checkins", json={"qr": ticket["qr"]}, headers=bearer(juma)),
            client.post("/api/scanner/checkins", json={"qr": ticket["qr"]},
                        headers={"Authorization": f"Scanner {scanner['api_key']}"}))
        statuses = sorted(answer.status for answer in answers)
        assert statuses == [201, 409], statuses
        codes = [(await answer.json()).get("error", {}).get("code") for answer in answers]
        assert sorted(codes, key=str) == sorted([None, "already_checked_in"], key=str)
        assert len(await _admitted_events(client, ticket["id"])) == 1
    assert len(await _admissions(client, event["id"])) == 3


async def test_forged_malformed_unknown_key_and_retired_key_tickets_each_have_their_code(client):
    amina, neema = await user(client), await user(client)
    event = await door_event(client, amina)
    [ticket] = await free_tickets(client, neema, event)
    head, payload, signature = ticket["qr"].split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    forged = await scan(client, amina, event["id"], expect=422, qr=f"{head}.{payload}.{flipped}")
    assert forged["error"]["code"] == "forged_ticket"
    malformed = await scan(client, amina, event["id"], expect=422, qr="https://example.com/not-a-ticket")
    assert malformed["error"]["code"] == "malformed_ticket"
    bad_code = await scan(client, amina, event["id"], expect=422, short_code="not a code")
    assert bad_code["error"]["code"] == "malformed_ticket"
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown = await scan(client, amina, event["id"], expect=422, qr=_resigned(ticket["qr"], "forger-key", forger))
    assert unknown["error"]["code"] == "unknown_key"
    pem = forger.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    kid = f"old-{uuid.uuid4().hex[:8]}"
    await rows(client, "INSERT INTO ticket_signing_keys (id, state, public_key_pem, private_key_pem, rotated_at, "
                       "retired_at) VALUES ($1, 'retired', $2, $3, now(), now())", kid, pem, b"withdrawn")
    retired = await scan(client, amina, event["id"], expect=422, qr=_resigned(ticket["qr"], kid, forger))
    assert retired["error"]["code"] == "key_retired"
    await rows(client, "UPDATE ticket_signing_keys SET state = 'rotated', retired_at = NULL WHERE id = $1", kid)
    still_signed_by_it = await scan(client, amina, event["id"], qr=_resigned(ticket["qr"], kid, forger))
    assert still_signed_by_it["ticket_id"] == ticket["id"]  # a rotated key still verifies what it signed


async def test_a_ticket_of_another_event_a_refunded_one_and_an_unpaid_one_are_refused(client):
    amina, zawadi, neema = await user(client), await user(client), await user(client)
    event = await door_event(client, amina)
    other = await door_event(client, zawadi)
    [theirs] = await free_tickets(client, neema, other)
    wrong = await scan(client, amina, event["id"], expect=409, qr=theirs["qr"])
    assert wrong["error"]["code"] == "wrong_event" and wrong["error"]["details"]["event_id"] == other["id"]
    typed = await scan(client, amina, event["id"], expect=404, short_code=theirs["code"])
    assert typed["error"]["code"] == "ticket_not_found"
    refunded, unpaid = await free_tickets(client, neema, event, quantity=2)
    await call(client, "POST", f"/api/tickets/{refunded['id']}/cancel", amina, 200)
    revoked = await scan(client, amina, event["id"], expect=409, qr=refunded["qr"])
    assert revoked["error"]["code"] == "ticket_revoked" and revoked["error"]["details"]["state"] == "cancelled"
    await rows(client, "UPDATE ticket_orders SET state = 'pending_payment' WHERE id = $1", uuid.UUID(unpaid["order_id"]))
    refused = await scan(client, amina, event["id"], expect=409, qr=unpaid["qr"])
    assert refused["error"]["code"] == "ticket_unpaid"
    assert await _admissions(client, event["id"]) == []


async def test_each_day_admits_its_own_tickets_in_its_own_window(client):
    amina, neema = await user(client), await user(client)
    event = await door_event(client, amina, days=2, ticket_types=(
        dict(kind="free", name="Both days", quantity=10), dict(kind="free", name="Day two", quantity=10, days=[2])))
    both = await free_tickets(client, neema, event)
    day_two = (await buy(client, neema, event, [{"ticket_type_id": event["ticket_types"][1]["id"],
                                                 "quantity": 1}]))["tickets"]
    admitted = await scan(client, amina, event["id"], qr=both[0]["qr"])
    assert admitted["day"]["number"] == 1
    wrong_day = await scan(client, amina, event["id"], expect=409, qr=day_two[0]["qr"])
    assert wrong_day["error"]["code"] == "wrong_day" and wrong_day["error"]["details"]["admits_days"] == [2]
    later = await published_event(client, amina)  # in three days
    [early] = await free_tickets(client, neema, later)
    too_early = await scan(client, amina, later["id"], expect=409, qr=early["qr"])
    assert too_early["error"]["code"] == "too_early" and too_early["error"]["details"]["doors_open_at"]
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=10)
    await rows(client, "UPDATE event_days SET starts_at = CAST($2 AS timestamptz) + (number - 3) * interval '1 day', "
                       "ends_at = CAST($2 AS timestamptz) + (number - 3) * interval '1 day' + interval '6 hours' WHERE event_id = $1",
               uuid.UUID(event["id"]), past)  # both days are over a clock's worth of time later
    ended = await scan(client, amina, event["id"], expect=409, qr=both[0]["qr"])
    assert ended["error"]["code"] == "ended"
    assert len(await _admissions(client, event["id"])) == 1


async def test_staff_of_one_event_are_nobody_at_another_and_only_active_staff_scan(client):
    amina, zawadi, juma, baraka, neema = [await user(client) for _ in range(5)]
    event = await door_event(client, amina)
    other = await door_event(client, zawadi)
    await staff_member(client, amina, event["id"], juma, "manager")
    await invite(client, amina, event["id"], baraka["username"])  # invited, not accepted
    [theirs] = await free_tickets(client, neema, other)
    [ours] = await free_tickets(client, neema, event)
    elsewhere = await scan(client, juma, other["id"], expect=403, qr=theirs["qr"])
    assert elsewhere["error"]["code"] == "not_event_staff"
    not_yet = await scan(client, baraka, event["id"], expect=403, qr=ours["qr"])
    assert not_yet["error"]["code"] == "not_event_staff"
    await call(client, "DELETE", f"/api/events/{event['id']}/staff/{juma['id']}", amina, 204)
    removed = await scan(client, juma, event["id"], expect=403, qr=ours["qr"])
    assert removed["error"]["code"] == "not_event_staff"
    assert await _admissions(client, event["id"]) == [] and await _admissions(client, other["id"]) == []


async def test_a_scanner_admits_at_its_own_event_only_and_not_once_revoked(client):
    amina, zawadi, neema = await user(client), await user(client), await user(client)
    event = await door_event(client, amina)
    other = await door_event(client, zawadi)
    scanner = await register_scanner(client, amina, event["id"], name="Zebra", gate="Gate 3")
    [ours] = await free_tickets(client, neema, event)
    [theirs] = await free_tickets(client, neema, other)
    refused = await scanner_call(client, scanner, "POST", "/api/scanner/checkins", 409, json={"qr": theirs["qr"]})
    assert refused["error"]["code"] == "wrong_event"
    admitted = await scanner_call(client, scanner, "POST", "/api/scanner/checkins", 201, json={"qr": ours["qr"]})
    assert admitted["method"] == "scanner" and admitted["gate"] == "Gate 3"
    assert admitted["device"] == {"kind": "scanner", "id": scanner["id"], "name": "Zebra"}
    under_way = await devices.authenticate_scanner(client.app[PLATFORM], scanner["api_key"])
    await call(client, "DELETE", f"/api/events/{event['id']}/scanners/{scanner['id']}", amina, 200)
    [another] = await free_tickets(client, neema, event)
    with pytest.raises(checkin.Refused) as late:  # a scan authenticated before the revocation committed
        await checkin.scan_by_scanner(client.app[PLATFORM], under_way, checkin.Scanned(qr=another["qr"]))
    assert late.value.code == "scanner_revoked"
    revoked = await scanner_call(client, scanner, "POST", "/api/scanner/checkins", 401, json={"qr": another["qr"]})
    assert revoked["error"]["code"] == "scanner_revoked"
    assert len(await _admissions(client, event["id"])) == 1


async def test_an_attendee_scans_their_own_ticket_at_a_kiosk_and_hears_the_answer_in_the_ack(client):
    amina, neema = await user(client), await user(client)
    event = await door_event(client, amina, days=2)
    pairing = await kiosk_pairing(client)
    await pair(client, amina, event, pairing, day=1, gate="Kiosk row")
    ws, ready = await kiosk_socket(client, pairing)
    assert ready["device"]["state"] == "paired" and ready["device"]["day_id"] == event["days"][0]["id"]
    [ticket] = await free_tickets(client, neema, event)
    ack = await command(ws, 1, type="kiosk.scan", qr=ticket["qr"])
    assert ack["type"] == "ack" and ack["data"]["method"] == "kiosk" and ack["data"]["gate"] == "Kiosk row"
    assert ack["data"]["holder"]["id"] == neema["id"] and ack["data"]["device"]["kind"] == "kiosk"
    twice = await command(ws, 2, type="kiosk.scan", qr=ticket["qr"])
    assert twice["error"]["code"] == "already_checked_in"
    assert twice["error"]["details"]["first"]["device"] == {"kind": "kiosk", "id": pairing["kiosk_id"],
                                                           "name": "South kiosk"}
    day_two = await kiosk_pairing(client)
    await pair(client, amina, event, day_two, day=2)
    ws2, _ = await kiosk_socket(client, day_two)
    too_early = await command(ws2, 1, type="kiosk.scan", qr=ticket["qr"])  # day 2's doors open tomorrow
    assert too_early["error"]["code"] == "too_early"
    user_frame = await command(ws2, 2, type="events.checkin", event_id=event["id"], qr=ticket["qr"])
    assert user_frame["error"]["code"] == "not_allowed_for_device"
    await call(client, "DELETE", f"/api/events/{event['id']}/kiosks/{day_two['kiosk_id']}", amina, 200)
    [late_ticket] = await free_tickets(client, neema, event)
    under_way = checkin.Scanning(uuid.UUID(event["id"]), "kiosk", "South", kiosk_id=uuid.UUID(day_two["kiosk_id"]),
                                 day_id=uuid.UUID(event["days"][0]["id"]))
    with pytest.raises(checkin.Refused) as late:  # a scan read before the revocation committed
        await checkin.admit(client.app[PLATFORM], under_way, checkin.Scanned(qr=late_ticket["qr"]))
    assert late.value.code == "kiosk_revoked"
    await ws.close()
    await ws2.close()
