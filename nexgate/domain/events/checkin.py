"""Check-in (docs/events.md, "Check-in"): the one function every method admits through.

The app's scan (an organizer's or staff member's phone, REST or ``/ws``), a hardware scanner
(its API key), the short code typed by staff and a self check-in kiosk all call ``admit`` with
what they scanned and who they are (a ``Scanning``); an offline scanner's upload calls
``admit_in`` with its device's time. The rules, in order, each with its own code:

1. the signed QR text verifies (``ticket_format.verify`` with the platform's keys):
   ``malformed_ticket``, ``unknown_key``, ``key_retired``, ``forged_ticket``; a short code
   names a ticket of the event (``ticket_not_found``);
2. in one transaction: the ticket exists (``ticket_not_found``) and is of this event
   (``wrong_event``), the scanning device still may scan (a revoked scanner or kiosk:
   ``scanner_revoked``, ``kiosk_revoked``), the event is not cancelled (``event_cancelled``),
   the ticket is valid (``ticket_revoked``: refunded, cancelled or transferred) and its order
   paid (``ticket_unpaid``);
3. the day: a kiosk's is the day it was paired to; anyone else's is the day whose doors are
   open now (from ``starts_at - doors_open`` to ``ends_at``). A day the ticket's type does not
   admit is ``wrong_day``; before its next day's doors ``too_early``; after its last day
   ``ended``;
4. ``INSERT INTO checkins ... ON CONFLICT (ticket_id, day_id) DO NOTHING``: two scanners at the
   same instant admit once; the other is told ``already_checked_in`` with when, at which gate
   and by which device the ticket was first admitted that day;
5. ``events.ticket.admitted`` in the same transaction (the dashboard's frames and the holder's
   confirmation come from the outbox).

The answer names the holder (display name) and the ticket type.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from typing import Any

from ... import bus
from ...errors import DomainError, NotFound
from ...platform import Platform
from . import door_repository as repository
from . import access, signing, ticket_format
from .views import admission_view
from .events import TICKET_ADMITTED

SHORT_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
METHODS = ("app", "manual", "scanner", "kiosk")


class Refused(DomainError):
    """A scan that admits no one; its code says why."""


class BadTicket(Refused):
    status = 422


class Unadmitted(Refused):
    status = 409


def _bad(code: str, message: str) -> BadTicket:
    return BadTicket(message, code=code)


# A verification failure of ticket_format, as check-in names it.
_VERIFY_CODES = (
    (ticket_format.TicketMalformed, "malformed_ticket"),
    (ticket_format.TicketUnknownKey, "unknown_key"),
    (ticket_format.TicketKeyRetired, "key_retired"),
    (ticket_format.TicketForged, "forged_ticket"),
)


@dataclasses.dataclass(frozen=True)
class Scanning:
    """Who scans, for which event, and how: ``method`` one of METHODS; the person
    (``by_user_id``: app and manual), the scanner or the kiosk; a kiosk's ``day_id``."""

    event_id: uuid.UUID
    method: str
    gate: str | None = None
    by_user_id: uuid.UUID | None = None
    scanner_id: uuid.UUID | None = None
    kiosk_id: uuid.UUID | None = None
    day_id: uuid.UUID | None = None
    offline: bool = False


@dataclasses.dataclass(frozen=True)
class Scanned:
    """What was scanned: the QR text, or the short code typed."""

    qr: str | None = None
    short_code: str | None = None


async def admit(platform: Platform, scanning: Scanning, scanned: Scanned, *, authorize=None) -> dict[str, Any]:
    """Admit what was scanned, or raise the ``Refused`` saying why; the admission's view.
    ``authorize(conn)``, if given, runs first in the transaction (a staff member's check)."""
    async with platform.core.transaction("events.admit") as conn:
        if authorize is not None:
            await authorize(conn)
        return await admit_in(conn, scanning, scanned, datetime.datetime.now(datetime.timezone.utc))


async def admit_in(conn, scanning: Scanning, scanned: Scanned, now: datetime.datetime) -> dict[str, Any]:
    """``admit`` on a connection in the caller's transaction, at the device's time ``now``."""
    ticket, payload = await _ticket(conn, scanning, scanned)
    if ticket["event_id"] != scanning.event_id:
        raise Unadmitted("This ticket is for another event", code="wrong_event",
                         details={"event_id": str(ticket["event_id"]), "title": ticket["title"]})
    if scanning.scanner_id is not None and not await repository.scanner_still_valid(conn, scanning.scanner_id):
        raise Unadmitted("This scanner's key was revoked", code="scanner_revoked")
    if scanning.kiosk_id is not None:
        kiosk = await repository.kiosk_for_scan(conn, scanning.kiosk_id)
        if kiosk is None or kiosk["state"] != "paired" or kiosk["event_id"] != scanning.event_id:
            raise Unadmitted("This kiosk's pairing was revoked", code="kiosk_revoked")
    who = _holder(ticket)
    if ticket["event_state"] == "cancelled":
        raise Unadmitted("This event was cancelled", code="event_cancelled", details=who)
    if ticket["state"] != "valid":
        raise Unadmitted(f"This ticket was {ticket['state']} and admits no one", code="ticket_revoked",
                         details={**who, "state": ticket["state"]})
    if ticket["order_state"] != "paid":
        raise Unadmitted("This ticket's order is not paid", code="ticket_unpaid",
                         details={**who, "order_state": ticket["order_state"]})
    if payload is not None and now > payload.valid_until:  # (not valid_from: a scanner's clock may lag)
        raise Unadmitted("This QR code's validity has run out: show the ticket as the app shows it now",
                         code="ticket_expired", details={**who, "valid_from": payload.valid_from.isoformat(),
                                                         "valid_until": payload.valid_until.isoformat()})
    days = await repository.days_for_type(conn, ticket["event_id"], ticket["ticket_type_id"])
    day = day_for(days, now, scanning.day_id, who)
    inserted = await repository.insert_checkin(
        conn, ticket_id=ticket["id"], day_id=day["id"], event_id=ticket["event_id"], method=scanning.method,
        gate=scanning.gate, by_user_id=scanning.by_user_id, scanner_id=scanning.scanner_id,
        kiosk_id=scanning.kiosk_id, offline=scanning.offline, scanned_at=now)
    admission = await repository.checkin(conn, ticket["id"], day["id"])
    if not inserted:
        raise Unadmitted(f"Already checked in on day {day['number']}", code="already_checked_in",
                         details={**who, "first": admission_view(admission)})
    await bus.emit(conn, TICKET_ADMITTED, {
        "ticket_id": str(ticket["id"]), "event_id": str(ticket["event_id"]),
        "organizer_id": str(ticket["organizer_id"]), "ticket_type_id": str(ticket["ticket_type_id"]),
        "order_id": str(ticket["order_id"]), "holder_id": str(ticket["holder_id"]), "day_id": str(day["id"]),
        "method": scanning.method, "gate": scanning.gate, "scanned_at": now.isoformat(),
        "title": ticket["title"] or "", "day_number": day["number"]})
    return admission_view(admission)


_PUBLIC_KEYS: dict[tuple[str, str], object] = {}  # (kid, PEM) -> the loaded key, parsed once per process


def _loaded(keys: dict[str, ticket_format.VerifyKey]) -> dict[str, ticket_format.VerifyKey]:
    """The keys with their PEM parsed once per process, not at every scan (their states as read now)."""
    ready = {}
    for kid, key in keys.items():
        pem = key.public_key
        loaded = _PUBLIC_KEYS.get((kid, pem)) if isinstance(pem, str) else pem
        if loaded is None:
            loaded = _PUBLIC_KEYS[(kid, pem)] = key.loaded()
        ready[kid] = ticket_format.VerifyKey(kid, key.state, loaded)
    return ready


async def _ticket(conn, scanning: Scanning, scanned: Scanned):
    if scanned.qr is not None:
        try:
            payload = ticket_format.verify(scanned.qr, _loaded(await signing.verify_keys(conn)))
        except ticket_format.TicketInvalid as failure:
            code = next((code for kind, code in _VERIFY_CODES if isinstance(failure, kind)), "malformed_ticket")
            raise _bad(code, str(failure)) from None
        ticket = await repository.ticket(conn, payload.ticket_id)
    else:
        payload = None
        code = scanned.short_code.strip().upper()
        if not SHORT_CODE.match(code):
            raise _bad("malformed_ticket", "A short code is two groups of four letters or digits: ABCD-1234")
        ticket = await repository.ticket_by_code(conn, scanning.event_id, code)
    if ticket is None:
        raise NotFound("No such ticket", code="ticket_not_found")
    return ticket, payload


def _holder(ticket) -> dict[str, Any]:
    return {"ticket_id": str(ticket["id"]),
            "holder": {"id": str(ticket["holder_id"]), "display_name": ticket["holder_name"]},
            "ticket_type": {"id": str(ticket["ticket_type_id"]), "name": ticket["type_name"]}}


def day_for(days, now: datetime.datetime, fixed_day_id: uuid.UUID | None, who: dict[str, Any]):
    """The day this scan admits to (the rules of step 3), or the refusal."""
    admits = [day["number"] for day in days if day["admits"]]
    if fixed_day_id is not None:
        day = next((day for day in days if day["id"] == fixed_day_id), None)
        if day is None or not day["admits"]:
            raise Unadmitted("This ticket does not admit to this kiosk's day", code="wrong_day",
                             details={**who, "admits_days": admits})
        current = [day]
    else:
        current = [day for day in days if day["doors_at"] <= now <= day["ends_at"]]
    if current:
        admitted = [day for day in current if day["admits"]]
        if not admitted:
            raise Unadmitted(f"This ticket does not admit to day {current[0]['number']}", code="wrong_day",
                             details={**who, "day_number": current[0]["number"], "admits_days": admits})
        day = admitted[0]
        if now < day["doors_at"]:
            raise Unadmitted(f"Doors open at {day['doors_at'].isoformat()}", code="too_early",
                             details={**who, "day_number": day["number"], "doors_open_at": day["doors_at"].isoformat()})
        if now > day["ends_at"]:
            raise Unadmitted(f"Day {day['number']} has ended", code="ended",
                             details={**who, "day_number": day["number"]})
        return day
    upcoming = [day for day in days if day["admits"] and day["ends_at"] > now]
    if upcoming:
        day = upcoming[0]
        raise Unadmitted(f"Doors open at {day['doors_at'].isoformat()}", code="too_early",
                         details={**who, "day_number": day["number"], "doors_open_at": day["doors_at"].isoformat()})
    raise Unadmitted("Every day this ticket admits to has ended", code="ended", details={**who, "admits_days": admits})


def scanned_of(body: dict[str, Any]) -> Scanned:
    """The QR text or short code of a request (exactly one, its schema says)."""
    return Scanned(qr=body.get("qr"), short_code=body.get("short_code"))



# The methods

STAFF_ROLES = ("scanner", "manager")


async def scan_by_staff(platform: Platform, caller, event_id: uuid.UUID, scanned: Scanned,
                        gate: str | None = None) -> dict[str, Any]:
    """The app's scan (a QR: method ``app``) or a short code typed (``manual``), by the event's
    organizer or one of its active staff (403 ``not_event_staff`` to anyone else, staff of
    another event included)."""
    async def authorize(conn):
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=STAFF_ROLES)

    scanning = Scanning(event_id, "app" if scanned.qr is not None else "manual", gate, by_user_id=caller.user_id)
    return await admit(platform, scanning, scanned, authorize=authorize)


async def scan_by_scanner(platform: Platform, scanner, scanned: Scanned) -> dict[str, Any]:
    """A hardware scanner's scan, at its event and gate."""
    return await admit(platform, Scanning(scanner.event_id, "scanner", scanner.gate, scanner_id=scanner.id), scanned)


async def scan_by_kiosk(platform: Platform, kiosk_id: uuid.UUID, scanned: Scanned) -> dict[str, Any]:
    """An attendee's scan at a kiosk, for the event, day and gate it is paired to."""
    async with platform.core.connection() as conn:
        kiosk = await repository.kiosk_by_id(conn, kiosk_id)
    if kiosk is None or kiosk["state"] == "revoked":
        raise Unadmitted("This kiosk's pairing was revoked", code="kiosk_revoked")
    if kiosk["state"] != "paired":
        raise Unadmitted("This kiosk is not paired to an event yet", code="kiosk_not_paired")
    scanning = Scanning(kiosk["event_id"], "kiosk", kiosk["gate"], kiosk_id=kiosk_id, day_id=kiosk["day_id"])
    return await admit(platform, scanning, scanned)
