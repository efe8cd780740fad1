"""Offline scanners (docs/events.md, "Offline check-in").

A scanner that may lose its connection downloads a bundle while online (``bundle``): the
platform's public keys (PEM and JWK, with their states: a ``retired`` key admits nothing), the
event's days with their doors, its ticket types with the days each admits, and the event's
revocation list. Offline it admits on the signature alone, by the same rules as ``admit`` (a
ticket it has already admitted that day it refuses itself). Back online it uploads its scans
(``upload``), each with a nonce of its own: each is put through ``admit_in`` at its device
time, once, under ``(scanner_id, nonce)``; an upload sent again answers each scan's stored
result and admits nothing twice. A ticket another device had already admitted that day is a
**conflict**: recorded (``offline_scans.conflict``), told to the organizer
(``events.checkin.conflicted``: the dashboard and ``GET .../checkins/conflicts``), never
admitted twice.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from ... import bus
from ...errors import Invalid
from ...platform import Platform
from . import checkin, signing, ticket_format, tickets
from . import door_repository as repository
from .checkin import Refused, Scanned, Scanning
from .devices import Scanner
from .events import CHECKIN_CONFLICTED

ADMITTED = "admitted"
CONFLICT = "conflict"
MAX_SCANS = 500


async def bundle(platform: Platform, scanner: Scanner) -> dict[str, Any]:
    """What a scanner needs to verify the event's tickets offline."""
    async with platform.core.connection() as conn:
        event = await repository.event(conn, scanner.event_id)
        keys = await signing.all_keys(conn)
        days = await repository.days_of(conn, scanner.event_id)
        types = await repository.ticket_types_with_days(conn, scanner.event_id)
        revoked = await tickets.revocations(conn, scanner.event_id)
    all_days = [str(day["id"]) for day in days]
    return {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "scanner": {"id": str(scanner.id), "name": scanner.name, "gate": scanner.gate},
        "event": {"id": str(event["id"]), "title": event["title"], "state": event["state"],
                  "time_zone": event["time_zone"]},
        "keys": [{"kid": key.id, "state": key.state, "pem": key.public_key_pem,
                  "jwk": ticket_format.jwk(key.id, key.state, key.public_key_pem)} for key in keys],
        "days": [{"id": str(day["id"]), "number": day["number"], "title": day["title"],
                  "doors_open_at": day["doors_at"].isoformat(), "starts_at": day["starts_at"].isoformat(),
                  "ends_at": day["ends_at"].isoformat()} for day in days],
        "ticket_types": [{"id": str(row["id"]), "name": row["name"], "kind": row["kind"],
                          "day_ids": [str(d) for d in row["day_ids"]] or all_days} for row in types],
        "revoked": [{"ticket_id": str(item["ticket_id"]), "code": item["code"], "state": item["state"],
                     "revoked_at": item["revoked_at"].isoformat()} for item in revoked],
    }


async def upload(platform: Platform, scanner: Scanner, scans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each uploaded scan's result, in the order sent (a nonce seen before: its stored result)."""
    limit = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=platform.config.events_offline_clock_skew_s)
    late = {index: "Later than the server's clock allows." for index, scan in enumerate(scans)
            if scan["scanned_at"] > limit}
    if late:
        raise Invalid.fields("body", {"scans": late}, code="scanned_in_future")
    nonces = [scan["nonce"] for scan in scans]
    if len(set(nonces)) != len(nonces):
        raise Invalid.fields("body", {"scans": "Each scan has its own nonce."}, code="duplicate_nonce")
    return [await _one(platform, scanner, scan) for scan in scans]


async def _one(platform: Platform, scanner: Scanner, scan: dict[str, Any]) -> dict[str, Any]:
    try:
        return await _record(platform, scanner, scan)
    except _Raced:  # the same nonce uploaded at the same moment: that upload's result stands
        async with platform.core.connection() as conn:
            return _result(await repository.offline_scan(conn, scanner.id, scan["nonce"]), repeated=True)


async def _record(platform: Platform, scanner: Scanner, scan: dict[str, Any]) -> dict[str, Any]:
    scanned_at = scan["scanned_at"]
    async with platform.core.transaction("events.offline_scan") as conn:
        stored = await repository.offline_scan(conn, scanner.id, scan["nonce"])
        if stored is not None:
            return _result(stored, repeated=True)
        scanning = Scanning(scanner.event_id, "scanner", scanner.gate, scanner_id=scanner.id, offline=True)
        ticket_id = day_id = None
        conflict = False
        admission = first = refused_ticket = None
        try:
            admission = await checkin.admit_in(conn, scanning, Scanned(scan.get("qr"), scan.get("short_code")),
                                               scanned_at)
            result = ADMITTED
        except Refused as refused:
            result = refused.code
            first = refused.details.get("first")
            refused_ticket = refused.details.get("ticket_id")
            conflict = refused.code == "already_checked_in" and not (
                first["device"]["kind"] == "scanner" and first["device"]["id"] == str(scanner.id))
            result = CONFLICT if conflict else result
        found = admission or first
        if found is not None:
            ticket_id, day_id = uuid.UUID(found["ticket_id"]), uuid.UUID(found["day"]["id"])
        elif refused_ticket is not None:
            ticket_id = uuid.UUID(refused_ticket)
        inserted = await repository.insert_offline_scan(
            conn, scanner_id=scanner.id, nonce=scan["nonce"], event_id=scanner.event_id, ticket_id=ticket_id,
            day_id=day_id, gate=scanner.gate, scanned_at=scanned_at, result=result, conflict=conflict)
        if not inserted:
            raise _Raced()  # rolls this one back
        if conflict:
            event = await repository.event(conn, scanner.event_id)
            await bus.emit(conn, CHECKIN_CONFLICTED, {
                "event_id": str(scanner.event_id), "organizer_id": str(event["organizer_id"]),
                "ticket_id": str(ticket_id), "day_id": str(day_id), "scanner_id": str(scanner.id),
                "gate": scanner.gate, "scanned_at": scanned_at.isoformat()})
        answer = {"nonce": scan["nonce"], "result": result, "conflict": conflict, "repeated": False,
                  "ticket_id": None if ticket_id is None else str(ticket_id),
                  "day_id": None if day_id is None else str(day_id)}
        if first is not None:
            answer["first"] = first
        return answer


class _Raced(Exception):
    pass


def _result(row, *, repeated: bool) -> dict[str, Any]:
    return {"nonce": row["nonce"], "result": row["result"], "conflict": row["conflict"], "repeated": repeated,
            "ticket_id": None if row["ticket_id"] is None else str(row["ticket_id"]),
            "day_id": None if row["day_id"] is None else str(row["day_id"])}
