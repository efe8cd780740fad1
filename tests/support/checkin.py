"""The door as the tests drive it (docs/events.md, "Check-in"): an event whose doors are open
now, staff, scanners, kiosks and scans through the real REST API and /ws."""
from __future__ import annotations

import datetime

from tests.support.commerce import call
from tests.support.events import filled_draft, publish, step
from tests.support.live import receive, send


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def open_days(count: int = 1, *, first_in: datetime.timedelta = datetime.timedelta(minutes=30)) -> list[dict]:
    """``count`` days, a day apart, the first starting ``first_in`` from now with its doors open
    an hour before: the first day's check-in is open now."""
    start = datetime.datetime.now(datetime.timezone.utc) + first_in
    return [{"starts_at": _iso(start + datetime.timedelta(days=n)),
             "ends_at": _iso(start + datetime.timedelta(days=n, hours=6)), "doors_open_minutes": 60}
            for n in range(count)]


async def door_event(client, organizer: dict, *, days: int = 1, **fields) -> dict:
    """A published in-person event whose first day's doors are open now (``fields`` as
    ``tests.support.events.filled_draft`` takes them: ``ticket_types``, ``title``...)."""
    made = await filled_draft(client, organizer, days=days, **fields)
    await step(client, organizer, made["id"], "schedule", {"time_zone": "Africa/Nairobi", "days": open_days(days)})
    return await publish(client, organizer, made["id"])


async def invite(client, organizer: dict, event_id: str, username: str, role: str = "scanner", *,
                 expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/events/{event_id}/staff", organizer, expect,
                      json={"username": username, "role": role})


async def staff_member(client, organizer: dict, event_id: str, member: dict, role: str = "scanner") -> dict:
    """``member`` invited as ``role`` and accepted."""
    await invite(client, organizer, event_id, member["username"], role)
    return await call(client, "POST", f"/api/events/{event_id}/staff/accept", member, 200)


async def scan(client, token: dict, event_id: str, *, expect: int = 201, **body) -> dict:
    """The app's scan (``qr=``) or a typed code (``short_code=``)."""
    return await call(client, "POST", f"/api/events/{event_id}/checkins", token, expect, json=body)


async def register_scanner(client, organizer: dict, event_id: str, *, name: str = "Gate scanner",
                           gate: str | None = "North") -> dict:
    return await call(client, "POST", f"/api/events/{event_id}/scanners", organizer, 201,
                      json={"name": name, "gate": gate})


def scanner_key(scanner: dict) -> dict[str, str]:
    return {"Authorization": f"Scanner {scanner['api_key']}"}


async def scanner_call(client, scanner: dict, method: str, path: str, expect: int, **kwargs) -> dict:
    response = await client.request(method, path, headers=scanner_key(scanner), **kwargs)
    assert response.status == expect, f"{method} {path}: {response.status} {await response.text()}"
    return await response.json()


async def kiosk_pairing(client) -> dict:
    response = await client.post("/api/kiosks")
    assert response.status == 201, await response.text()
    return await response.json()


async def kiosk_socket(client, pairing: dict):
    """A kiosk's /ws session: the socket and its ready frame (or error)."""
    return await raw_device(client, pairing["secret"])


async def raw_device(client, secret: str):
    ws = await client.ws_connect("/ws")
    await send(ws, type="auth", id="auth", device={"kind": "kiosk", "secret": secret, "name": "Kiosk"})
    return ws, await receive(ws)


async def pair(client, organizer: dict, event: dict, pairing: dict, *, day: int = 1, gate: str = "South",
               expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/events/{event['id']}/kiosks", organizer, expect,
                      json={"pairing_code": pairing["pairing_code"], "day_id": event["days"][day - 1]["id"],
                            "gate": gate, "name": "South kiosk"})


async def command(ws, frame_id, **frame) -> dict:
    """A request frame and its one reply (frames on the way are skipped)."""
    await send(ws, id=frame_id, **frame)
    while True:
        reply = await receive(ws)
        assert reply is not None, "the socket closed"
        if reply.get("id") == frame_id:
            return reply


