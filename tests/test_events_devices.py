"""Hardware scanners and kiosks through the real app: a scanner's API key shown once and its
routes refusing anything but a valid key of its own; a kiosk paired by its code over a live
session that hears its pairing at once and is ended at once, on another server process, when
the organizer revokes it (its scans: test_events_checkin.py)."""
from __future__ import annotations

from tests.support.checkin import (command, door_event, kiosk_pairing, kiosk_socket, pair, raw_device,
                                   register_scanner, scanner_call, staff_member)
from tests.support.commerce import call, rows
from tests.support.live import close_code, receive
from tests.support.users import user

WORKERS = ["outbox-relay", "events_checkins"]


async def test_a_scanner_is_registered_with_a_key_shown_once_and_revoked(client):
    amina, juma = await user(client), await user(client)
    event = await door_event(client, amina)
    await staff_member(client, amina, event["id"], juma, "manager")
    made = await register_scanner(client, juma, event["id"], name="Zebra #1", gate="North")
    assert made["api_key"].startswith("nxs_") and made["key_prefix"] == made["api_key"][:10]
    assert made["name"] == "Zebra #1" and made["gate"] == "North" and made["revoked_at"] is None
    listed = await call(client, "GET", f"/api/events/{event['id']}/scanners", amina, 200)
    assert [s["id"] for s in listed["items"]] == [made["id"]] and "api_key" not in listed["items"][0]
    [stored] = await rows(client, "SELECT key_hash FROM event_scanners WHERE id = $1", made["id"])
    assert made["api_key"].encode() not in bytes(stored["key_hash"])
    me = await scanner_call(client, made, "GET", "/api/scanner", 200)
    assert me == {"id": made["id"], "event_id": event["id"], "name": "Zebra #1", "gate": "North"}
    revoked = await call(client, "DELETE", f"/api/events/{event['id']}/scanners/{made['id']}", amina, 200)
    assert revoked["revoked_at"] is not None
    refused = await scanner_call(client, made, "GET", "/api/scanner", 401)
    assert refused["error"]["code"] == "scanner_revoked"
    upload = await scanner_call(client, made, "POST", "/api/scanner/offline-scans", 401, json={"scans": []})
    assert upload["error"]["code"] == "scanner_revoked"


async def test_scanner_routes_take_a_scanner_key_and_nothing_else(client):
    amina, juma = await user(client), await user(client)
    event = await door_event(client, amina)
    missing = await client.get("/api/scanner")
    assert missing.status == 401 and (await missing.json())["error"]["code"] == "device_key_missing"
    token = await client.get("/api/scanner", headers={"Authorization": f"Bearer {amina['access_token']}"})
    assert token.status == 401 and (await token.json())["error"]["code"] == "device_key_missing"
    forged = await client.get("/api/scanner", headers={"Authorization": "Scanner nxs_not-a-key-of-anyone"})
    assert forged.status == 401 and (await forged.json())["error"]["code"] == "scanner_key_invalid"
    refused = await call(client, "POST", f"/api/events/{event['id']}/scanners", juma, 403,
                         json={"name": "Mine", "gate": None})
    assert refused["error"]["code"] == "not_event_staff"
    scanner_staff = await user(client)
    await staff_member(client, amina, event["id"], scanner_staff, "scanner")  # a scanner role manages no devices
    assert (await call(client, "GET", f"/api/events/{event['id']}/scanners", scanner_staff, 403))["error"]["code"] \
        == "not_event_staff"
    assert await rows(client, "SELECT 1 FROM event_scanners WHERE event_id = $1", event["id"]) == []


async def test_a_kiosk_is_paired_live_and_its_revocation_ends_its_session_on_another_process(make_client, config):
    client = await make_client(config, worker_names=WORKERS)
    other = await make_client(config)  # the kiosk's socket is held by another server process
    amina = await user(client)
    event = await door_event(client, amina, days=2)
    pairing = await kiosk_pairing(client)
    assert set(pairing) == {"kiosk_id", "secret", "pairing_code", "code_expires_at"}
    assert pairing["secret"].startswith("nxk_") and len(pairing["pairing_code"]) == 6
    ws, ready = await kiosk_socket(other, pairing)
    assert ready["type"] == "ready" and ready["device"]["kind"] == "kiosk"
    assert ready["device"]["state"] == "pending" and ready["device"]["pairing_code"] == pairing["pairing_code"]
    assert "user_id" not in ready and "position" not in ready
    subscribing = await command(ws, 2, type="subscribe", topic=f"event:{event['id']}:checkins")
    assert subscribing["error"]["code"] == "not_allowed_for_device"
    early = await command(ws, 3, type="kiosk.scan", qr="NXT1.AAAA.AAAA")
    assert early["error"]["code"] == "kiosk_not_paired"
    paired = await pair(client, amina, event, pairing, day=2, gate="South")
    assert paired["state"] == "paired" and paired["day_id"] == event["days"][1]["id"] and paired["gate"] == "South"
    told = await receive(ws)
    assert told["type"] == "topic" and told["event"] == "events.kiosk.paired"
    assert told["data"]["kiosk"]["state"] == "paired" and told["data"]["kiosk"]["event_id"] == event["id"]
    listed = await call(client, "GET", f"/api/events/{event['id']}/kiosks", amina, 200)
    assert [k["id"] for k in listed["items"]] == [pairing["kiosk_id"]]
    assert (await command(ws, 4, type="ping"))["type"] == "ack"
    revoked = await call(client, "DELETE", f"/api/events/{event['id']}/kiosks/{pairing['kiosk_id']}", amina, 200)
    assert revoked["state"] == "revoked"
    frames = []
    assert await close_code(ws, frames=frames) == 4003
    assert [(f["type"], f["event"]) for f in frames] == [("topic", "events.kiosk.revoked")]
    ws2, refused = await raw_device(other, pairing["secret"])
    assert refused["type"] == "error" and refused["error"]["code"] == "kiosk_revoked"
    assert await close_code(ws2) == 4002


async def test_pairing_a_kiosk_needs_its_live_code_and_a_day_of_the_event(client):
    amina, juma = await user(client), await user(client)
    event = await door_event(client, amina)
    other = await door_event(client, juma)
    pairing = await kiosk_pairing(client)
    wrong_code = await pair(client, amina, event, {**pairing, "pairing_code": "000000" if pairing["pairing_code"]
                                                   != "000000" else "111111"}, expect=404)
    assert wrong_code["error"]["code"] == "pairing_code_not_found"
    wrong_day = await call(client, "POST", f"/api/events/{event['id']}/kiosks", amina, 422,
                           json={"pairing_code": pairing["pairing_code"], "day_id": other["days"][0]["id"]})
    assert wrong_day["error"]["code"] == "day_not_found"
    not_theirs = await pair(client, juma, event, pairing, expect=403)
    assert not_theirs["error"]["code"] == "not_event_staff"
    await pair(client, amina, event, pairing)
    twice = await pair(client, amina, event, pairing, expect=404)  # the code was used
    assert twice["error"]["code"] == "pairing_code_not_found"
    bogus, refused = await raw_device(client, "nxk_nothing-of-the-sort")
    assert refused["error"]["code"] == "kiosk_secret_invalid" and await close_code(bogus) == 4002
