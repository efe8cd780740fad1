"""Offline scanners through the real app: the bundle they verify with (the keys checked with
openssl, not the project's verifier), uploads admitted by the same rules at the device's time,
once per nonce however often sent, and a ticket admitted at two gates reported as a conflict
rather than admitted twice."""
from __future__ import annotations

import base64
import datetime
import subprocess

from tests.support.checkin import door_event, register_scanner, scan, scanner_call
from tests.support.commerce import call, rows
from tests.support.events import free_tickets
from tests.support.shared_app import module_client
from tests.support.users import user

pytestmark, client = module_client("events_offline")  # one app for the module's tests


def _now(minus_minutes: int = 0) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minus_minutes)).isoformat()


def _openssl_verifies(tmp_path, pem: str, qr: str) -> bool:
    """The ticket's signature checked with the bundle's PEM by openssl (RSA-PSS, SHA-256, salt 32)."""
    _, payload, signature = qr.split(".")
    unb32 = lambda text: base64.b32decode(text + "=" * (-len(text) % 8))  # noqa: E731
    (tmp_path / "key.pem").write_text(pem)
    (tmp_path / "payload.bin").write_bytes(unb32(payload))
    (tmp_path / "signature.bin").write_bytes(unb32(signature))
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "key.pem"), "-sigopt", "rsa_padding_mode:pss",
         "-sigopt", "rsa_pss_saltlen:32", "-signature", str(tmp_path / "signature.bin"), str(tmp_path / "payload.bin")],
        capture_output=True, text=True)
    return done.returncode == 0 and "Verified OK" in done.stdout


async def test_the_offline_bundle_holds_the_keys_days_types_and_revocations(client, tmp_path):
    amina, neema = await user(client), await user(client)
    event = await door_event(client, amina, days=2, ticket_types=(
        dict(kind="free", name="Both days", quantity=10), dict(kind="free", name="Day two", quantity=10, days=[2])))
    scanner = await register_scanner(client, amina, event["id"])
    kept, refunded = await free_tickets(client, neema, event, quantity=2)
    await call(client, "POST", f"/api/tickets/{refunded['id']}/cancel", amina, 200)
    bundle = await scanner_call(client, scanner, "GET", "/api/scanner/offline-bundle", 200)
    assert bundle["event"]["id"] == event["id"] and bundle["scanner"]["id"] == scanner["id"]
    assert [d["id"] for d in bundle["days"]] == [d["id"] for d in event["days"]]
    types = {t["name"]: t["day_ids"] for t in bundle["ticket_types"]}
    assert types == {"Both days": [d["id"] for d in event["days"]], "Day two": [event["days"][1]["id"]]}
    assert [r["ticket_id"] for r in bundle["revoked"]] == [refunded["id"]]
    assert bundle["revoked"][0]["code"] == refunded["code"]
    kid = kept["key_id"]
    [key] = [k for k in bundle["keys"] if k["kid"] == kid]
    assert key["state"] == "active" and key["jwk"]["kid"] == kid and key["jwk"]["kty"] == "RSA"
    assert _openssl_verifies(tmp_path, key["pem"], kept["qr"])
    head, payload, signature = kept["qr"].split(".")
    assert not _openssl_verifies(tmp_path, key["pem"], f"{head}.{payload}.{signature[::-1]}")


async def test_an_upload_is_admitted_once_however_often_sent_and_a_double_admission_is_a_conflict(client):
    amina, juma, neema = await user(client), await user(client), await user(client)
    event = await door_event(client, amina)
    scanner = await register_scanner(client, amina, event["id"], name="Offline 1", gate="East")
    fresh, at_two_gates, refunded = await free_tickets(client, neema, event, quantity=3)
    online = await scan(client, amina, event["id"], qr=at_two_gates["qr"], gate="West")
    await call(client, "POST", f"/api/tickets/{refunded['id']}/cancel", amina, 200)
    upload = {"scans": [
        {"nonce": "scan-0000001", "qr": fresh["qr"], "scanned_at": _now(20)},
        {"nonce": "scan-0000002", "qr": at_two_gates["qr"], "scanned_at": _now(15)},
        {"nonce": "scan-0000003", "qr": refunded["qr"], "scanned_at": _now(10)},
        {"nonce": "scan-0000004", "short_code": fresh["code"], "scanned_at": _now(5)},
    ]}
    first = (await scanner_call(client, scanner, "POST", "/api/scanner/offline-scans", 200, json=upload))["results"]
    assert [(r["nonce"], r["result"], r["conflict"], r["repeated"]) for r in first] == [
        ("scan-0000001", "admitted", False, False), ("scan-0000002", "conflict", True, False),
        ("scan-0000003", "ticket_revoked", False, False), ("scan-0000004", "already_checked_in", False, False)]
    assert first[1]["first"]["gate"] == "West" and first[1]["first"]["scanned_at"] == online["scanned_at"]
    again = (await scanner_call(client, scanner, "POST", "/api/scanner/offline-scans", 200, json=upload))["results"]
    assert [(r["nonce"], r["result"], r["repeated"]) for r in again] == [
        (r["nonce"], r["result"], True) for r in first]
    admissions = await rows(client, "SELECT ticket_id::text, gate, offline, scanned_at FROM checkins "
                                    "WHERE event_id = $1 ORDER BY scanned_at", event["id"])
    assert [(a["ticket_id"], a["gate"], a["offline"]) for a in admissions] == [
        (fresh["id"], "East", True), (at_two_gates["id"], "West", False)]
    assert admissions[0]["scanned_at"].isoformat() == datetime.datetime.fromisoformat(
        upload["scans"][0]["scanned_at"]).isoformat()  # the device's time
    conflicts = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'events.checkin.conflicted' "
                                   "AND payload->>'event_id' = $1", event["id"])
    assert len(conflicts) == 1
    listed = await call(client, "GET", f"/api/events/{event['id']}/checkins/conflicts", amina, 200)
    [conflict] = listed["items"]
    assert conflict["ticket_id"] == at_two_gates["id"] and conflict["scanner"]["name"] == "Offline 1"
    assert conflict["gate"] == "East" and conflict["first"]["gate"] == "West"
    assert conflict["holder"]["id"] == neema["id"]
    board = await call(client, "GET", f"/api/events/{event['id']}/checkins/dashboard", amina, 200)
    assert board["counts"]["admitted"] == 2 and [c["ticket_id"] for c in board["conflicts"]] == [at_two_gates["id"]]
    assert (await call(client, "GET", f"/api/events/{event['id']}/checkins/conflicts", juma, 403))["error"]["code"] \
        == "not_event_staff"


async def test_an_upload_from_the_future_or_with_a_nonce_twice_is_refused_whole(client):
    amina, neema = await user(client), await user(client)
    event = await door_event(client, amina)
    scanner = await register_scanner(client, amina, event["id"])
    [ticket] = await free_tickets(client, neema, event)
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)).isoformat()
    late = await scanner_call(client, scanner, "POST", "/api/scanner/offline-scans", 422, json={"scans": [
        {"nonce": "nonce-0001", "qr": ticket["qr"], "scanned_at": _now()},
        {"nonce": "nonce-0002", "qr": ticket["qr"], "scanned_at": future}]})
    assert late["error"]["code"] == "scanned_in_future"
    twice = await scanner_call(client, scanner, "POST", "/api/scanner/offline-scans", 422, json={"scans": [
        {"nonce": "nonce-0001", "qr": ticket["qr"], "scanned_at": _now()},
        {"nonce": "nonce-0001", "qr": ticket["qr"], "scanned_at": _now()}]})
    assert twice["error"]["code"] == "duplicate_nonce"
    assert await rows(client, "SELECT 1 FROM checkins WHERE event_id = $1", event["id"]) == []
    assert await rows(client, "SELECT 1 FROM offline_scans WHERE event_id = $1", event["id"]) == []
