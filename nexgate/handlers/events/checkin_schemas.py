"""The door's request and response schemas: staff, scans, scanners, kiosks, offline uploads and
the dashboard (docs/events.md, "Check-in")."""
from __future__ import annotations

import marshmallow as ma

from ...errors import NotFound
from ..routing import PathId
from ...domain.events import staff

USER_ID = PathId("user_id", lambda raw: NotFound("No such member of this event's staff", code="staff_not_found"))
SCANNER_ID = PathId("scanner_id", lambda raw: NotFound("No such scanner of this event", code="scanner_not_found"))
KIOSK_ID = PathId("kiosk_id", lambda raw: NotFound("No such kiosk of this event", code="kiosk_not_found"))
GATE = dict(validate=ma.validate.Length(min=1, max=60), metadata={"example": "North gate"})


def _one_of_qr_or_code(data: dict) -> None:
    if (data.get("qr") is None) == (data.get("short_code") is None):
        raise ma.ValidationError("Send the QR text (qr) or the short code (short_code), one of them", "qr")


class Scan(ma.Schema):
    qr = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=2048), metadata={
        "description": "The ticket's QR text as scanned (NXT1.…)"})
    short_code = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=20), metadata={
        "description": "The short code typed by staff (manual entry), e.g. 7K3M-Q9XD", "example": "7K3M-Q9XD"})

    @ma.validates_schema
    def _one(self, data, **kwargs):
        _one_of_qr_or_code(data)


class StaffScanIn(Scan):
    gate = ma.fields.String(load_default=None, **GATE)


# staff

class StaffInviteIn(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60),
                                metadata={"example": "amina"})
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(staff.ROLES), metadata={
        "description": "scanner: checks tickets in; manager: also sees the dashboard and manages devices"})


class EventStaffMemberSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    user = ma.fields.Dict(required=True, metadata={"description": "{id, username, display_name}"})
    role = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "invited (until they accept) or active"})
    invited_at = ma.fields.String(required=True)
    accepted_at = ma.fields.String(required=True, allow_none=True)


class EventStaffListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventStaffMemberSchema), required=True)


# admissions

class CheckinPersonSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(required=True)


class CheckinRefSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, allow_none=True)


class CheckinDaySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = ma.fields.Integer(required=True)


class CheckinDeviceSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"description": "staff (the app or a typed code), scanner, kiosk"})
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, allow_none=True)


class AdmissionSchema(ma.Schema):
    ticket_id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    day = ma.fields.Nested(CheckinDaySchema, required=True)
    holder = ma.fields.Nested(CheckinPersonSchema, required=True)
    ticket_type = ma.fields.Nested(CheckinRefSchema, required=True)
    method = ma.fields.String(required=True, metadata={"description": "app, manual, scanner or kiosk"})
    gate = ma.fields.String(required=True, allow_none=True)
    device = ma.fields.Nested(CheckinDeviceSchema, required=True, metadata={"description": "who admitted it"})
    offline = ma.fields.Boolean(required=True)
    scanned_at = ma.fields.String(required=True, metadata={"description": "the device's time of the scan"})
    recorded_at = ma.fields.String(required=True)


class FirstAdmissionSchema(ma.Schema):
    method = ma.fields.String(required=True, allow_none=True)
    gate = ma.fields.String(required=True, allow_none=True)
    device = ma.fields.Nested(CheckinDeviceSchema, required=True)
    scanned_at = ma.fields.String(required=True, allow_none=True)


class ConflictSchema(ma.Schema):
    ticket_id = ma.fields.UUID(required=True)
    day = ma.fields.Nested(CheckinDaySchema, required=True)
    holder = ma.fields.Nested(CheckinPersonSchema, required=True)
    ticket_type = ma.fields.Nested(CheckinRefSchema, required=True)
    scanner = ma.fields.Nested(CheckinRefSchema, required=True, metadata={"description": "the offline scanner that uploaded it"})
    nonce = ma.fields.String(required=True)
    gate = ma.fields.String(required=True, allow_none=True)
    scanned_at = ma.fields.String(required=True)
    uploaded_at = ma.fields.String(required=True)
    first = ma.fields.Nested(FirstAdmissionSchema, required=True, metadata={"description": "the admission that stood"})


class CheckinCountSchema(ma.Schema):
    day_id = ma.fields.UUID(required=True)
    day_number = ma.fields.Integer(required=True)
    gate = ma.fields.String(required=True, allow_none=True)
    admitted = ma.fields.Integer(required=True)


class CheckinCountsSchema(ma.Schema):
    admitted = ma.fields.Integer(required=True)
    by_day_and_gate = ma.fields.List(ma.fields.Nested(CheckinCountSchema), required=True)


class CheckinDashboardSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    counts = ma.fields.Nested(CheckinCountsSchema, required=True)
    latest = ma.fields.List(ma.fields.Nested(AdmissionSchema), required=True)
    conflicts = ma.fields.List(ma.fields.Nested(ConflictSchema), required=True)


class ConflictsQuery(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))
    before = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "only conflicts uploaded before this instant (the last item's uploaded_at: the next page)"})


class ConflictListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ConflictSchema), required=True)


# scanners

class ScannerIn(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80),
                            metadata={"example": "Zebra DS2208 #3"})
    gate = ma.fields.String(load_default=None, **GATE)


class ScannerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    gate = ma.fields.String(required=True, allow_none=True)
    key_prefix = ma.fields.String(required=True, metadata={"description": "the key's first characters, to tell keys apart"})
    created_at = ma.fields.String(required=True)
    last_used_at = ma.fields.String(required=True, allow_none=True)
    revoked_at = ma.fields.String(required=True, allow_none=True)


class ScannerCreatedSchema(ScannerSchema):
    api_key = ma.fields.String(required=True, metadata={
        "description": "Shown this once: the scanner sends it as Authorization: Scanner <api_key>"})


class ScannerListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ScannerSchema), required=True)


class ScannerSelfSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    gate = ma.fields.String(required=True, allow_none=True)


class OfflineScanIn(Scan):
    nonce = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[ -~]{8,64}$", error=(
        "8 to 64 printable ASCII characters, unique per scan of this scanner")), metadata={"example": "a3f9c2e1-0001"})
    scanned_at = ma.fields.AwareDateTime(required=True, metadata={"description": "the scanner's clock at the scan"})


class OfflineUploadIn(ma.Schema):
    scans = ma.fields.List(ma.fields.Nested(OfflineScanIn), required=True,
                           validate=ma.validate.Length(min=1, max=500))


class OfflineResultSchema(ma.Schema):
    nonce = ma.fields.String(required=True)
    result = ma.fields.String(required=True, metadata={
        "description": "admitted, conflict, or the code a scan online would have been refused with"})
    conflict = ma.fields.Boolean(required=True)
    repeated = ma.fields.Boolean(required=True, metadata={"description": "true: this nonce was uploaded before; "
                                                                         "its stored result"})
    ticket_id = ma.fields.UUID(required=True, allow_none=True)
    day_id = ma.fields.UUID(required=True, allow_none=True)
    first = ma.fields.Nested(AdmissionSchema, metadata={"description": "already_checked_in and conflict: the "
                                                                        "admission that stood"})


class OfflineUploadSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(OfflineResultSchema), required=True)


class BundleSchema(ma.Schema):
    generated_at = ma.fields.String(required=True)
    scanner = ma.fields.Dict(required=True)
    event = ma.fields.Dict(required=True, metadata={"description": "{id, title, state, time_zone}"})
    keys = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "{kid, state, pem, jwk}: a ticket signed by a retired key admits no one"})
    days = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "{id, number, title, doors_open_at, starts_at, ends_at}"})
    ticket_types = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "{id, name, kind, day_ids}: the days each admits"})
    revoked = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "{ticket_id, code, state, revoked_at}: tickets that admit no one"})


# kiosks

class KioskRequestIn(ma.Schema):
    pass


class KioskPairingSchema(ma.Schema):
    kiosk_id = ma.fields.UUID(required=True)
    secret = ma.fields.String(required=True, metadata={
        "description": "Keep it: the kiosk authenticates its /ws session with it"})
    pairing_code = ma.fields.String(required=True, metadata={"description": "Show it on screen for the organizer",
                                                             "example": "482913"})
    code_expires_at = ma.fields.String(required=True)


class KioskPairIn(ma.Schema):
    pairing_code = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[0-9]{6,8}$", error=(
        "The digits the kiosk shows.")), metadata={"example": "482913"})
    day_id = ma.fields.UUID(required=True, metadata={"description": "The day of the event it admits to"})
    gate = ma.fields.String(load_default=None, **GATE)
    name = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=80),
                            metadata={"example": "Kiosk by the north gate"})


class KioskSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True, metadata={"description": "paired or revoked"})
    event_id = ma.fields.UUID(required=True, allow_none=True)
    day_id = ma.fields.UUID(required=True, allow_none=True)
    gate = ma.fields.String(required=True, allow_none=True)
    name = ma.fields.String(required=True, allow_none=True)
    paired_at = ma.fields.String(required=True, allow_none=True)
    revoked_at = ma.fields.String(required=True, allow_none=True)


class KioskListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(KioskSchema), required=True)
