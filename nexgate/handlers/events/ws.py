"""The events area over ``/ws``: the event topic (its live availability and page,
``event:<id>``), the app's check-in command (the same domain function as
``POST /api/events/{event_id}/checkins``), a kiosk's scan (a kiosk's own session: the device
kind ``kiosk``), and the organizer's check-in dashboard topic, ``event:<id>:checkins``."""
from __future__ import annotations

from typing import Any

import marshmallow as ma

from ...domain.auth.caller import Caller
from ...domain.events import access, checkin, dashboard, devices
from ...errors import Forbidden
from ...platform import Platform
from ...ws.devices import DeviceKind
from ...ws.protocol import Command
from ...ws.topics import TopicKind, topic_uuid
from .checkin_schemas import StaffScanIn


class CheckinFields(StaffScanIn):
    event_id = ma.fields.UUID(required=True)


class KioskScanFields(ma.Schema):
    qr = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2048))


async def check_in(gateway, connection, frame: dict[str, Any]) -> dict[str, Any]:
    if connection.caller is None:
        raise Forbidden("Only a signed-in user checks tickets in with this command", code="not_allowed_for_device")
    return await checkin.scan_by_staff(gateway.platform, connection.caller, frame["event_id"],
                                       checkin.scanned_of(frame), frame["gate"])


async def kiosk_scan(gateway, connection, frame: dict[str, Any]) -> dict[str, Any]:
    """An attendee's own ticket at a kiosk: the answer is the ack (or the refusal's error)."""
    if connection.device is None or connection.device.kind != devices.KIOSK:
        raise Forbidden("Only a paired kiosk sends kiosk.scan", code="not_a_kiosk")
    return await checkin.scan_by_kiosk(gateway.platform, connection.device.id, checkin.Scanned(qr=frame["qr"]))


async def may_follow_event(platform: Platform, caller: Caller, ident: str) -> None:
    """Whoever may see the event's page (404 ``event_not_found`` otherwise)."""
    await access.require_visible(platform, caller, topic_uuid(ident, "event", "event"))


async def may_watch_checkins(platform: Platform, caller: Caller, ident: str) -> None:
    await dashboard.may_watch(platform, caller, topic_uuid(ident, "event", "event"))


COMMANDS = (
    Command("events.checkin", CheckinFields(), check_in),
    Command("kiosk.scan", KioskScanFields(), kiosk_scan),
)
TOPICS = (TopicKind("event", may_follow_event), TopicKind("event", may_watch_checkins, suffix="checkins"))
DEVICES = (DeviceKind(devices.KIOSK, devices.authenticate_kiosk, commands=("kiosk.scan",)),)

