"""Hardware ticket scanners and self check-in kiosks (docs/events.md, "Scanners, kiosks and
offline check-in").

A **scanner** is registered by the organizer (or a manager) for one event, with a name and the
gate it stands at; it is given an API key once (only its SHA-256 is kept) and calls the scanner
routes with ``Authorization: Scanner <key>``. A revoked key, or a key used at another event's
tickets, admits nothing.

A **kiosk** asks for a pairing (``request_pairing``: no account, rate limited per IP) and gets
a secret (kept by the kiosk, only its SHA-256 here) and a pairing code it shows on its screen;
the organizer pairs it by that code to one of the event's days and a gate. The kiosk holds a
``/ws`` session authenticated by its secret (``authenticate_kiosk``, the gateway's device kind
``kiosk``) and scans the tickets attendees show it. Revoking the pairing ends that session at
once, on whichever server process holds it: the revocation is told after the commit on the
request's path (fast) and again from the outbox by the ``events_checkins`` worker (survives a
crash); and every scan re-reads the pairing in its own transaction, so nothing is admitted once
the revocation committed.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import secrets
import uuid
from typing import Any

from ... import bus
from ...errors import Invalid, NotFound, Unauthorized
from ...platform import Platform
from ...ws.devices import DeviceIdentity, device_topic
from ..auth.caller import Caller
from . import access
from . import door_repository as repository
from .events import KIOSK_PAIRED, KIOSK_REVOKED

SCANNER_KEY_PREFIX = "nxs_"
KIOSK_SECRET_PREFIX = "nxk_"
KIOSK = "kiosk"  # the gateway's device kind (ws/devices.py)
KIOSK_REVOKED_FRAME = KIOSK_REVOKED
MANAGING = ("manager",)  # staff who may manage the event's devices, beside the organizer


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclasses.dataclass(frozen=True)
class Scanner:
    """A scanner as its key authenticates it: the device ``device(request)`` gives its routes."""

    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    gate: str | None


# Scanners

async def register_scanner(platform: Platform, caller: Caller, event_id: uuid.UUID, name: str, gate: str | None
                           ) -> tuple[Any, str]:
    """A new scanner of the event and its API key, which is shown this once."""
    key = SCANNER_KEY_PREFIX + secrets.token_urlsafe(32)
    async with platform.core.transaction("events.scanner_register") as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=MANAGING)
        row = await repository.insert_scanner(conn, id=uuid.uuid4(), event_id=event_id, name=name, gate=gate,
                                              key_hash=_digest(key), key_prefix=key[:10], created_by=caller.user_id)
    return row, key


async def scanners_of(platform: Platform, caller: Caller, event_id: uuid.UUID) -> list[Any]:
    async with platform.core.connection() as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=MANAGING)
        return await repository.scanners_of_event(conn, event_id)


async def revoke_scanner(platform: Platform, caller: Caller, event_id: uuid.UUID, scanner_id: uuid.UUID) -> Any:
    """The scanner's key stops working at once (a scan under way finishes first)."""
    async with platform.core.transaction("events.scanner_revoke") as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=MANAGING)
        row = await repository.revoke_scanner(conn, event_id, scanner_id)
        if row is None:
            raise NotFound("No such scanner of this event", code="scanner_not_found")
        return row


async def authenticate_scanner(platform: Platform, key: str) -> Scanner:
    """The scanner an API key names (``Authorization: Scanner <key>``), or 401."""
    async with platform.core.connection() as conn:
        row = await repository.scanner_by_key(conn, _digest(key))
    if row is None:
        raise Unauthorized("No scanner has this key", code="scanner_key_invalid")
    if row["revoked_at"] is not None:
        raise Unauthorized("This scanner's key was revoked by the organizer", code="scanner_revoked")
    return Scanner(row["id"], row["event_id"], row["name"], row["gate"])


# Kiosks

async def request_pairing(platform: Platform, name: str | None = None) -> tuple[Any, str]:
    """A new kiosk waiting to be paired: its row (with the pairing code to show) and its secret."""
    secret = KIOSK_SECRET_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=platform.config.events_kiosk_pairing_code_ttl_s)
    async with platform.core.transaction("events.kiosk_request") as conn:
        for _ in range(20):
            code = f"{secrets.randbelow(1_000_000):06d}"
            await repository.forget_expired_kiosk(conn, code)
            row = await repository.insert_kiosk(conn, id=uuid.uuid4(), pairing_code=code, secret_hash=_digest(secret),
                                                code_expires_at=expires)
            if row is not None:
                return row, secret
    raise Invalid("Too many kiosks are waiting to be paired; try again in a minute", code="pairing_busy")


def kiosk_ready(row) -> dict[str, Any]:
    """What a kiosk's ``ready`` frame tells it of itself."""
    pending = row["state"] == "pending"
    return {"id": str(row["id"]), "state": row["state"], "event_id": _text(row["event_id"]),
            "day_id": _text(row["day_id"]), "gate": row["gate"], "name": row["name"],
            "pairing_code": row["pairing_code"] if pending else None,
            "code_expires_at": row["code_expires_at"].isoformat() if pending else None}


def _text(value) -> str | None:
    return None if value is None else str(value)


async def authenticate_kiosk(platform: Platform, secret: str) -> DeviceIdentity:
    """The kiosk a secret names, for its ``/ws`` session: pending (waiting for its pairing) or
    paired; a revoked pairing, an expired code or an unknown secret is refused."""
    async with platform.core.connection() as conn:
        row = await repository.kiosk_by_secret(conn, _digest(secret))
    if row is None:
        raise Unauthorized("No kiosk has this secret", code="kiosk_secret_invalid")
    if row["state"] == "revoked":
        raise Unauthorized("This kiosk's pairing was revoked; ask for a new one", code="kiosk_revoked")
    if row["state"] == "pending" and row["code_expires_at"] < datetime.datetime.now(datetime.timezone.utc):
        raise Unauthorized("This kiosk's pairing code expired unpaired; ask for a new one", code="pairing_expired")
    return DeviceIdentity(KIOSK, row["id"], kiosk_ready(row))


async def pair_kiosk(platform: Platform, caller: Caller, event_id: uuid.UUID, *, pairing_code: str,
                     day_id: uuid.UUID, gate: str | None, name: str | None) -> Any:
    """Pair the kiosk showing ``pairing_code`` to the event's day and a gate."""
    async with platform.core.transaction("events.kiosk_pair") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=MANAGING)
        if await repository.day_of_event(conn, event_id, day_id) is None:
            raise Invalid.fields("body", {"day_id": "Not a day of this event."}, code="day_not_found")
        row = await repository.pair_kiosk(conn, pairing_code=pairing_code, event_id=event_id, day_id=day_id,
                                          gate=gate, name=name, paired_by=caller.user_id)
        if row is None:
            raise NotFound.fields("body", {"pairing_code": "No kiosk is waiting with this code (or it expired)."},
                                  message="No kiosk is waiting with this pairing code", code="pairing_code_not_found")
        await bus.emit(conn, KIOSK_PAIRED, {"event_id": str(event_id), "organizer_id": str(event.organizer_id),
                                            "kiosk_id": str(row["id"]), "day_id": str(day_id), "gate": gate})
        return row


async def kiosks_of(platform: Platform, caller: Caller, event_id: uuid.UUID) -> list[Any]:
    async with platform.core.connection() as conn:
        await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=MANAGING)
        return await repository.kiosks_of_event(conn, event_id)


async def revoke_kiosk(platform: Platform, caller: Caller, event_id: uuid.UUID, kiosk_id: uuid.UUID) -> Any:
    """End the kiosk's pairing: its live session is told and closed at once."""
    async with platform.core.transaction("events.kiosk_revoke") as conn:
        event = await access.event_of_organizer(conn, event_id, caller.user_id, staff_roles=MANAGING)
        row = await repository.revoke_kiosk(conn, event_id, kiosk_id)
        if row is None:
            found = await repository.kiosk_by_id(conn, kiosk_id)
            if found is None or found["event_id"] != event_id:
                raise NotFound("No such kiosk of this event", code="kiosk_not_found")
            return found  # revoked already
        await bus.emit(conn, KIOSK_REVOKED, {"event_id": str(event_id), "organizer_id": str(event.organizer_id),
                                             "kiosk_id": str(kiosk_id)})
    await end_kiosk_session(platform, kiosk_id, event_id)  # again from the outbox (workers/events_checkins.py)
    return row


async def end_kiosk_session(platform: Platform, kiosk_id: uuid.UUID | str, event_id: uuid.UUID | str) -> None:
    """Tell the kiosk's live session its pairing was revoked, then close it (4003), on any process."""
    await platform.realtime.end_device_session(
        device_topic(KIOSK, kiosk_id), KIOSK_REVOKED_FRAME, {"kiosk_id": str(kiosk_id), "event_id": str(event_id)},
        reason="kiosk pairing revoked")


async def tell_kiosk_paired(platform: Platform, kiosk_id: uuid.UUID | str) -> None:
    """Tell a kiosk's live session (opened while it waited) its new pairing."""
    async with platform.core.connection() as conn:
        row = await repository.kiosk_by_id(conn, uuid.UUID(str(kiosk_id)))
    if row is not None and row["state"] == "paired":
        await platform.realtime.publish_to_topic(device_topic(KIOSK, kiosk_id), KIOSK_PAIRED,
                                                 {"kiosk": kiosk_ready(row)})
