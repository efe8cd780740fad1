"""Signed tickets through the real app: a free checkout issues tickets at once, each with its QR
text and short code; the QR PNG decoded by zbar (``zbarimg``) and its signature verified by
``openssl`` with the key published at ``/api/events/keys/{kid}.pem``, not by the project's own
verifier; the published JWKS; the verifier's distinct answers for a malformed, forged, unknown-key
and retired-key ticket; rotation keeping issued tickets valid; the holder's views."""
from __future__ import annotations

import base64
import dataclasses
import datetime
import subprocess
import uuid

import pytest

from nexgate.domain.events import signing, ticket_format
from nexgate.domain.events.ticket_format import Payload
from nexgate.keys import PLATFORM
from tests.support.auth import admin, bearer
from tests.support.event_tickets import buy, committed, sale_event, value
from tests.support.events import free_tickets
from tests.support.payment_methods import call
from tests.support.users import user

CODE = r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


async def _keys(client) -> dict:
    async with client.app[PLATFORM].core.connection() as conn:
        return await signing.verify_keys(conn)


# the format, without the app

def test_a_payload_reads_back_as_written_byte_by_byte():
    ticket, event, kind = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    start = datetime.datetime(2026, 12, 24, 15, 0, tzinfo=datetime.UTC)
    payload = Payload(ticket, event, kind, frozenset({1, 3, 9}), start, start + datetime.timedelta(days=3), "k-1")
    data = ticket_format.encode(payload)
    assert data[0] == 1 and data[1:17] == ticket.bytes and data[17:33] == event.bytes and data[33:49] == kind.bytes
    assert data[49] == 2 and data[50:52] == bytes((0b00000101, 0b00000001))  # days 1, 3 and 9
    assert int.from_bytes(data[52:56], "big") == int(start.timestamp())
    assert data[60] == 3 and data[61:] == b"k-1" and len(data) == 59 + 2 + 3
    assert ticket_format.decode(data) == payload
    for broken in (data[:-1], data + b"x", b"\x02" + data[1:], data[:49] + b"\x00" + data[50:],
                   data[:49] + b"\x02\x05\x00" + data[52:]):
        with pytest.raises(ticket_format.TicketMalformed):
            ticket_format.decode(broken)


# a free checkout, end to end

async def test_a_free_checkout_issues_signed_tickets_that_zbar_and_openssl_verify(client, tmp_path):
    organizer, buyer = await user(client), await user(client)
    event = await sale_event(client, organizer, days=2)
    order = await buy(client, buyer, event, quantity=2)
    assert (order["state"], order["total"], order["hold_id"], order["payment"]) == ("paid", 0, None, None)
    assert [line["quantity"] for line in order["lines"]] == [2]
    tickets = order["tickets"]
    assert len(tickets) == 2 and len({t["code"] for t in tickets}) == 2
    assert await committed(client, event["ticket_types"][0]["id"]) == 2
    ticket = tickets[0]
    assert ticket["state"] == "valid" and ticket["days"] == [1, 2] and ticket["streaming_url"] is None
    assert __import__("re").match(CODE, ticket["code"]) and ticket["qr"].startswith("NXT1.")
    assert await call(client, "GET", f"/api/tickets/{ticket['id']}", buyer, 200) == ticket
    # The PNG, read by a second implementation of QR codes:
    response = await client.get(f"/api/tickets/{ticket['id']}/qr.png", headers=bearer(buyer))
    assert response.status == 200 and response.content_type == "image/png"
    png = tmp_path / "ticket.png"
    png.write_bytes(await response.read())
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True)
    assert decoded.stdout.strip() == ticket["qr"]
    # The signature, checked by openssl with the published PEM key:
    _, payload_b32, signature_b32 = ticket["qr"].split(".")
    payload, signature = _unb32(payload_b32), _unb32(signature_b32)
    kid = payload[60:60 + payload[59]].decode()  # one day byte: the key id's length is at 59
    assert kid == ticket["key_id"]
    pem = await client.get(f"/api/events/keys/{kid}.pem")
    assert pem.status == 200 and pem.headers["Nexgate-Key-State"] == "active"
    (tmp_path / "key.pem").write_text(await pem.text())
    (tmp_path / "payload.bin").write_bytes(payload)
    (tmp_path / "signature.bin").write_bytes(signature)
    verified = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "key.pem", "-sigopt", "rsa_padding_mode:pss",
         "-sigopt", "rsa_pss_saltlen:32", "-signature", "signature.bin", "payload.bin"],
        cwd=tmp_path, capture_output=True, text=True)
    assert verified.returncode == 0 and verified.stdout.strip() == "Verified OK", verified
    (tmp_path / "payload.bin").write_bytes(payload[:-1] + b"X")  # one byte changed
    assert subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "key.pem", "-sigopt", "rsa_padding_mode:pss",
         "-sigopt", "rsa_pss_saltlen:32", "-signature", "signature.bin", "payload.bin"],
        cwd=tmp_path, capture_output=True).returncode != 0
    svg = await client.get(f"/api/tickets/{ticket['id']}/qr.svg", headers=bearer(buyer))
    assert svg.status == 200 and svg.content_type == "image/svg+xml" and "<svg" in await svg.text()
    # Someone else's ticket is not found, as an unknown one.
    stranger = await user(client)
    assert (await call(client, "GET", f"/api/tickets/{ticket['id']}", stranger, 404))["error"]["code"] == \
        "ticket_not_found"
    assert (await client.get(f"/api/tickets/{ticket['id']}/qr.png", headers=bearer(stranger))).status == 404
    # The project's verifier agrees, and the buyer's lists show the tickets.
    verified_payload = ticket_format.verify(ticket["qr"], await _keys(client))
    assert (str(verified_payload.ticket_id), verified_payload.days) == (ticket["id"], frozenset({1, 2}))
    mine = await call(client, "GET", "/api/tickets?limit=1", buyer, 200)
    assert len(mine["items"]) == 1 and mine["next_cursor"]
    orders = await call(client, "GET", "/api/ticket-orders", buyer, 200)
    assert [o["id"] for o in orders["items"]] == [order["id"]]
    assert (await call(client, "GET", f"/api/ticket-orders/{order['id']}", buyer, 200))["tickets"] == tickets
    assert (await call(client, "GET", f"/api/ticket-orders/{order['id']}", stranger, 404))["error"]["code"] == \
        "ticket_order_not_found"


async def test_free_tickets_helper_and_an_online_event_shows_its_streaming_link_to_holders(client):
    organizer, buyer = await user(client), await user(client)
    event = await sale_event(client, organizer, format="online")
    ticket, = await free_tickets(client, buyer, event)
    assert ticket["streaming_url"] == "https://stream.example.co.tz/live/kjn"
    assert ticket["event"]["format"] == "online" and ticket["code"] and ticket["qr"]


async def test_the_verifier_tells_malformed_forged_unknown_key_and_retired_key_apart(client, users):
    organizer, buyer = await user(client), await user(client)
    event = await sale_event(client, organizer)
    ticket, = await free_tickets(client, buyer, event)
    keys = await _keys(client)
    text = ticket["qr"]
    prefix, payload_b32, signature_b32 = text.split(".")
    for malformed in ("", "hello", "NXT1.AAAA", f"NXT2.{payload_b32}.{signature_b32}", f"{prefix}.{payload_b32}.1",
                      f"{prefix}.{payload_b32[:-8]}.{signature_b32}"):
        with pytest.raises(ticket_format.TicketMalformed):
            ticket_format.verify(malformed, keys)
    # forged: a valid shape, another ticket id, the old signature
    payload = ticket_format.decode(_unb32(payload_b32))
    other = ticket_format.encode(dataclasses.replace(payload, ticket_id=uuid.uuid4()))
    forged = ticket_format.qr_text(other, _unb32(signature_b32))
    with pytest.raises(ticket_format.TicketForged) as caught:
        ticket_format.verify(forged, keys)
    assert caught.value.code == "ticket_forged"
    # unknown key: signed by a key Nexgate never published
    public, private = ticket_format.generate_key(2048, "pass")
    stranger = ticket_format.encode(dataclasses.replace(payload, key_id="stranger-1"))
    signed, = ticket_format.sign("stranger-1", private, "pass", [stranger])
    with pytest.raises(ticket_format.TicketUnknownKey):
        ticket_format.verify(ticket_format.qr_text(stranger, signed), keys)
    # lower case is read too (some scanners send it so)
    assert ticket_format.verify(text.lower(), keys).ticket_id == payload.ticket_id
    # rotated: still verifies, new tickets are signed by the new key
    operator = await admin(client, users)
    rotated = await call(client, "POST", "/api/admin/events/keys/rotate", operator, 201)
    assert rotated["state"] == "active" and rotated["kid"] != ticket["key_id"]
    assert ticket_format.verify(text, await _keys(client)).key_id == ticket["key_id"]
    newer, = await free_tickets(client, buyer, event)
    assert newer["key_id"] == rotated["kid"]
    jwks = await client.get("/api/events/keys")
    published = {key["kid"]: key for key in (await jwks.json())["keys"]}
    # (other tests of this worker's database may have made keys of their own before)
    assert (published[ticket["key_id"]]["state"], published[rotated["kid"]]["state"]) == ("rotated", "active")
    assert [kid for kid, key in published.items() if key["state"] == "active"] == [rotated["kid"]]
    assert published[rotated["kid"]]["alg"] == "PS256" and published[rotated["kid"]]["kty"] == "RSA"
    # retired: what it signed no longer verifies; the others still do
    retired = await call(client, "POST", f"/api/admin/events/keys/{ticket['key_id']}/retire", operator, 200)
    assert retired["state"] == "retired"
    with pytest.raises(ticket_format.TicketKeyRetired):
        ticket_format.verify(text, await _keys(client))
    assert ticket_format.verify(newer["qr"], await _keys(client)).key_id == rotated["kid"]
    again = await call(client, "POST", f"/api/admin/events/keys/{ticket['key_id']}/retire", operator, 409)
    assert again["error"]["code"] == "ticket_key_retired"
    assert (await call(client, "POST", "/api/admin/events/keys/nope/retire", operator, 404))["error"]["code"] == \
        "ticket_key_not_found"
    assert (await client.get("/api/events/keys/nope.pem")).status == 404
    assert (await call(client, "POST", "/api/admin/events/keys/rotate", buyer, 403))["error"]["code"] == \
        "role_required"


async def test_the_first_key_is_made_once_when_many_buy_at_once(client):
    import asyncio

    organizer = await user(client)
    event = await sale_event(client, organizer)
    buyers = [await user(client) for _ in range(4)]
    async with client.app[PLATFORM].core.connection() as conn:  # as if no ticket was ever issued here
        await conn.execute("UPDATE ticket_signing_keys SET state = 'rotated', rotated_at = now() WHERE state = 'active'")
        before = await conn.fetchval("SELECT count(*) FROM ticket_signing_keys")
    orders = await asyncio.gather(*(buy(client, b, event) for b in buyers))
    assert len({order["tickets"][0]["key_id"] for order in orders}) == 1
    assert await value(client, "SELECT count(*) FROM ticket_signing_keys") == before + 1


def test_the_worked_example_of_the_docs_verifies_with_openssl(tmp_path):
    import pathlib
    import re

    doc = (pathlib.Path(__file__).parent.parent / "docs" / "events.md").read_text()
    example = doc[doc.index("### A worked example"):]
    blocks = re.findall(r"```\n(.*?)```", example, re.S)
    pem, fields, text = blocks[0], blocks[1], blocks[2].strip()
    _, payload_b32, signature_b32 = text.split(".")
    payload = _unb32(payload_b32)
    assert payload.hex() == "".join(line.split("   ")[0].replace(" ", "") for line in fields.strip().splitlines())
    (tmp_path / "key.pem").write_text(pem)
    (tmp_path / "payload.bin").write_bytes(payload)
    (tmp_path / "signature.bin").write_bytes(_unb32(signature_b32))
    verified = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "key.pem", "-sigopt", "rsa_padding_mode:pss",
         "-sigopt", "rsa_pss_saltlen:32", "-signature", "signature.bin", "payload.bin"],
        cwd=tmp_path, capture_output=True, text=True)
    assert verified.stdout.strip() == "Verified OK", verified
    decoded = ticket_format.verify(text, {"20261201-a3f9": ticket_format.VerifyKey("20261201-a3f9", "active", pem)})
    assert decoded.days == frozenset({1, 2}) and str(decoded.ticket_id) == "0b6f7a52-3c1e-4d8a-9f20-6e5b4c3a2d10"


async def test_tickets_of_an_event_made_through_the_rest_api(client):
    from tests.support.events import published_event

    organizer, buyer = await user(client), await user(client)
    event = await published_event(client, organizer, days=2, ticket_types=(
        dict(kind="free", name="Entry", quantity=5), dict(kind="free", name="Day two", quantity=5, days=[2])))
    first, = await free_tickets(client, buyer, event)
    assert first["days"] == [1, 2] and first["event"]["title"] == event["title"]
    second = (await buy(client, buyer, event, [{"ticket_type_id": event["ticket_types"][1]["id"], "quantity": 1}]))
    assert second["tickets"][0]["days"] == [2]
    page = await call(client, "GET", f"/api/events/{event['id']}", buyer, 200)
    assert [t["available"] for t in page["ticket_types"]] == [4, 4]


async def test_two_processes_making_the_first_key_at_once_make_one(make_client, config):
    import asyncio

    first, second = await make_client(config), await make_client(config)  # two apps: two processes' locks
    async with first.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE ticket_signing_keys SET state = 'rotated', rotated_at = now() WHERE state = 'active'")
        before = await conn.fetchval("SELECT count(*) FROM ticket_signing_keys")
    made = await asyncio.gather(signing.active_key(first.app[PLATFORM]), signing.active_key(second.app[PLATFORM]))
    assert made[0].id == made[1].id
    assert await value(first, "SELECT count(*) FROM ticket_signing_keys") == before + 1
