"""Hardware scanners and self check-in kiosks (docs/events.md, "Scanners, kiosks and offline
check-in"): the organizer's routes that register and revoke them, the scanner's own routes
(authenticated by its API key, ``Authorization: Scanner <key>``), and a kiosk's request for a
pairing. A kiosk's scans go over ``/ws`` (ws.py)."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.events import checkin, devices, offline, views
from ...keys import PLATFORM
from ..routing import DeviceAuth, Routes, caller, device, json_response
from .checkin_schemas import (KIOSK_ID, SCANNER_ID, AdmissionSchema, BundleSchema, KioskListSchema, KioskPairIn,
                              KioskPairingSchema, KioskRequestIn, KioskSchema, OfflineUploadIn, OfflineUploadSchema,
                              Scan, ScannerCreatedSchema, ScannerIn, ScannerListSchema, ScannerSchema, ScannerSelfSchema)
from .checkins import SCAN_ERRORS
from .schemas import EVENT_ID

routes = Routes("events")
SCANNER = DeviceAuth("Scanner", devices.authenticate_scanner,
                     "A hardware ticket scanner's API key (docs/events.md, \"Scanners\"): "
                     "Authorization: Scanner <api_key>")


# the organizer's

@routes.post("/api/events/{event_id}/scanners", summary="Register a hardware scanner for your event",
             ids=(EVENT_ID,), body=ScannerIn, response=ScannerCreatedSchema, status=201, errors=(403,))
async def register_scanner(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer or a manager (403 `not_event_staff`). The answer's `api_key` is shown this
    once: configure the scanner with it."""
    row, key = await devices.register_scanner(request.app[PLATFORM], caller(request), event_id, body["name"],
                                              body["gate"])
    return json_response(ScannerCreatedSchema, {**views.scanner(row), "api_key": key}, 201)


@routes.get("/api/events/{event_id}/scanners", summary="Your event's scanners", ids=(EVENT_ID,),
            response=ScannerListSchema, errors=(403,))
async def list_scanners(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    found = await devices.scanners_of(request.app[PLATFORM], caller(request), event_id)
    return json_response(ScannerListSchema, {"items": [views.scanner(row) for row in found]})


@routes.delete("/api/events/{event_id}/scanners/{scanner_id}", summary="Revoke a scanner's key",
               ids=(EVENT_ID, SCANNER_ID), response=ScannerSchema, errors=(403,))
async def revoke_scanner(request: web.Request, *, event_id: uuid.UUID, scanner_id: uuid.UUID) -> web.Response:
    """Its key is refused from now on (401 `scanner_revoked`); revoking again answers the same."""
    row = await devices.revoke_scanner(request.app[PLATFORM], caller(request), event_id, scanner_id)
    return json_response(ScannerSchema, views.scanner(row))


@routes.post("/api/events/{event_id}/kiosks", summary="Pair a kiosk to a day and gate of your event",
             ids=(EVENT_ID,), body=KioskPairIn, response=KioskSchema, status=201, errors=(403,))
async def pair_kiosk(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer or a manager, with the pairing code the kiosk shows (404
    `pairing_code_not_found`: none waiting with it, or it expired) and one of the event's days
    (422 `day_not_found`). The kiosk's live session is told at once (`events.kiosk.paired`)."""
    row = await devices.pair_kiosk(request.app[PLATFORM], caller(request), event_id, **body)
    return json_response(KioskSchema, views.kiosk(row), 201)


@routes.get("/api/events/{event_id}/kiosks", summary="Your event's kiosks", ids=(EVENT_ID,),
            response=KioskListSchema, errors=(403,))
async def list_kiosks(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    found = await devices.kiosks_of(request.app[PLATFORM], caller(request), event_id)
    return json_response(KioskListSchema, {"items": [views.kiosk(row) for row in found]})


@routes.delete("/api/events/{event_id}/kiosks/{kiosk_id}", summary="Revoke a kiosk's pairing",
               ids=(EVENT_ID, KIOSK_ID), response=KioskSchema, errors=(403,))
async def revoke_kiosk(request: web.Request, *, event_id: uuid.UUID, kiosk_id: uuid.UUID) -> web.Response:
    """Its live session is told (`events.kiosk.revoked`) and closed (4003) at once, and its
    secret admits nothing from now on."""
    row = await devices.revoke_kiosk(request.app[PLATFORM], caller(request), event_id, kiosk_id)
    return json_response(KioskSchema, views.kiosk(row))


# a kiosk's

@routes.post("/api/kiosks", summary="A kiosk asks to be paired", body=KioskRequestIn, body_optional=True,
             response=KioskPairingSchema, status=201, auth=False, rate_limit="events.kiosk_pairings")
async def request_pairing(request: web.Request, *, body: dict) -> web.Response:
    """No account: the kiosk keeps `secret` (its /ws session authenticates with it) and shows
    `pairing_code` until the organizer pairs it (the code expires at `code_expires_at`)."""
    row, secret = await devices.request_pairing(request.app[PLATFORM])
    return json_response(KioskPairingSchema, {"kiosk_id": str(row["id"]), "secret": secret,
                                              "pairing_code": row["pairing_code"],
                                              "code_expires_at": row["code_expires_at"].isoformat()}, 201)


# the scanner's own (Authorization: Scanner <api_key>)

@routes.get("/api/scanner", summary="The scanner this key belongs to", response=ScannerSelfSchema, auth=SCANNER)
async def scanner_self(request: web.Request) -> web.Response:
    """401 `scanner_key_invalid` for a key that names no scanner, `scanner_revoked` once revoked."""
    found = device(request)
    return json_response(ScannerSelfSchema, {"id": found.id, "event_id": found.event_id, "name": found.name,
                                             "gate": found.gate})


@routes.post("/api/scanner/checkins", summary="A scanner checks a ticket in", body=Scan, response=AdmissionSchema,
             status=201, auth=SCANNER, errors=SCAN_ERRORS)
async def scanner_check_in(request: web.Request, *, body: dict) -> web.Response:
    """At the scanner's event and gate, by the same rules and codes as
    `POST /api/events/{event_id}/checkins` (a ticket of another event: 409 `wrong_event`)."""
    admitted = await checkin.scan_by_scanner(request.app[PLATFORM], device(request), checkin.scanned_of(body))
    return json_response(AdmissionSchema, admitted, 201)


@routes.get("/api/scanner/offline-bundle", summary="What a scanner needs to check tickets in offline",
            response=BundleSchema, auth=SCANNER)
async def offline_bundle(request: web.Request) -> web.Response:
    """The public keys (PEM and JWK, with their states), the event's days, its ticket types with
    the days each admits, and its revocation list."""
    return json_response(BundleSchema, await offline.bundle(request.app[PLATFORM], device(request)))


@routes.post("/api/scanner/offline-scans", summary="Upload the scans a scanner made offline",
             body=OfflineUploadIn, response=OfflineUploadSchema, auth=SCANNER)
async def offline_upload(request: web.Request, *, body: dict) -> web.Response:
    """Each scan once per nonce: an upload sent again answers each scan's stored result
    (`repeated`). A ticket another device had already admitted that day is a `conflict`, told to
    the organizer, never admitted twice. 422 `scanned_in_future` for a scan after the server's
    clock (beyond `NEXGATE_EVENTS_OFFLINE_CLOCK_SKEW_S`), `duplicate_nonce` for one nonce twice."""
    results = await offline.upload(request.app[PLATFORM], device(request), body["scans"])
    return json_response(OfflineUploadSchema, {"results": results})
