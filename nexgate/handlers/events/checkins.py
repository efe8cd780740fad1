"""Check-in by the app and by typed code, and the organizer's dashboard (docs/events.md,
"Check-in"); the hardware scanners' routes are in devices.py."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.events import checkin, dashboard
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .checkin_schemas import AdmissionSchema, ConflictListSchema, ConflictsQuery, CheckinDashboardSchema, StaffScanIn
from .schemas import EVENT_ID

routes = Routes("events")
SCAN_ERRORS = (403, 404, 409, 422)


@routes.post("/api/events/{event_id}/checkins", summary="Check a ticket in (the app's scan, or a typed short code)",
             ids=(EVENT_ID,), body=StaffScanIn, response=AdmissionSchema, status=201, errors=SCAN_ERRORS)
async def check_in(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """The organizer or the event's active staff (scanner or manager; 403 `not_event_staff`,
    staff of another event included). `qr`: the QR text the app scanned (method `app`);
    `short_code`: the code typed (method `manual`). 201 names the holder and ticket type.
    Refusals, each its own code: 422 `malformed_ticket`, `unknown_key`, `key_retired`,
    `forged_ticket`; 404 `ticket_not_found`; 409 `wrong_event`, `event_cancelled`,
    `ticket_revoked`, `ticket_unpaid`, `ticket_expired`, `wrong_day`, `too_early`, `ended`, and
    `already_checked_in` with `details.first`: when, at which gate and by which device it was
    first admitted that day."""
    admitted = await checkin.scan_by_staff(request.app[PLATFORM], caller(request), event_id,
                                           checkin.scanned_of(body), body["gate"])
    return json_response(AdmissionSchema, admitted, 201)


@routes.get("/api/events/{event_id}/checkins/dashboard", summary="The check-in dashboard: counts, latest scans, "
            "conflicts", ids=(EVENT_ID,), response=CheckinDashboardSchema, errors=(403,))
async def dashboard_snapshot(request: web.Request, *, event_id: uuid.UUID) -> web.Response:
    """The organizer and the event's managers (403 `not_event_staff`). The topic
    `event:<id>:checkins` keeps it up to date (docs/websocket.md)."""
    found = await dashboard.snapshot(request.app[PLATFORM], caller(request), event_id)
    return json_response(CheckinDashboardSchema, found)


@routes.get("/api/events/{event_id}/checkins/conflicts", summary="Offline admissions of tickets already admitted",
            ids=(EVENT_ID,), query=ConflictsQuery, response=ConflictListSchema, errors=(403,))
async def conflicts(request: web.Request, *, query: dict, event_id: uuid.UUID) -> web.Response:
    """Newest first; `before` (the last item's `uploaded_at`) pages on. The organizer and managers."""
    found = await dashboard.conflicts(request.app[PLATFORM], caller(request), event_id, limit=query["limit"],
                                      before=query["before"])
    return json_response(ConflictListSchema, {"items": found})
