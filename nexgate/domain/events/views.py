"""What clients see of the events area's objects: one function per object, producing the dict
the REST answer, the WebSocket ack and the live frame carry (the schemas in
handlers/events/schemas.py document them and dump them unchanged)."""
from __future__ import annotations

import datetime
import uuid
import zoneinfo
from collections.abc import Sequence
from typing import Any

import orjson

from . import completeness
from .events_repository import Category, Day, Event, OrganizerCard, TicketType
from .pages import EventCard, EventView
from .ticket_format import decode, qr_text


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _local(moment: datetime.datetime | None, zone: zoneinfo.ZoneInfo) -> str | None:
    """The instant as the event's time zone shows it (RFC 3339 with that zone's offset)."""
    return None if moment is None else moment.astimezone(zone).isoformat()


def sales_state(ticket_type: TicketType, now: datetime.datetime | None = None) -> str:
    """``scheduled`` (sales not started), ``on_sale``, ``sold_out`` or ``ended``."""
    now = now or _now()
    if ticket_type.sales_end_at is not None and now >= ticket_type.sales_end_at:
        return "ended"
    if ticket_type.available <= 0:
        return "sold_out"
    if ticket_type.sales_start_at is not None and now < ticket_type.sales_start_at:
        return "scheduled"
    return "on_sale"


def ticket_type(found: TicketType, days: Sequence[tuple[uuid.UUID, int]], currency: str, *,
                now: datetime.datetime | None = None) -> dict[str, Any]:
    """A ticket type with what it has left: the event page, the organizer's editor and the live
    availability frame all carry this."""
    return {
        "id": found.id, "event_id": found.event_id, "name": found.name, "description": found.description,
        "kind": found.kind, "price": found.price, "currency": currency, "quantity": found.quantity,
        "committed": found.committed, "available": found.available, "per_order_limit": found.per_order_limit,
        "sales_start_at": found.sales_start_at, "sales_end_at": found.sales_end_at,
        "sales_state": sales_state(found, now), "visibility": found.visibility, "position": found.position,
        "day_ids": [day_id for day_id, _ in days], "days": [number for _, number in days],
    }


def day(found: Day, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    doors_at = found.starts_at - found.doors_open
    return {
        "id": found.id, "number": found.number, "title": found.title, "starts_at": found.starts_at,
        "ends_at": found.ends_at, "doors_open_at": doors_at,
        "doors_open_minutes": int(found.doors_open.total_seconds() // 60),
        "local": {"starts_at": _local(found.starts_at, zone), "ends_at": _local(found.ends_at, zone),
                  "doors_open_at": _local(doors_at, zone)},
    }


def category(found: Category | None) -> dict[str, Any] | None:
    return None if found is None else {"id": found.id, "slug": found.slug, "name": found.name,
                                       "name_sw": found.name_sw}


def organizer(found: OrganizerCard | None, user_id: uuid.UUID) -> dict[str, Any]:
    if found is None:
        return {"id": user_id, "username": None, "display_name": None, "avatar_media_id": None, "is_verified": False}
    return {"id": found.id, "username": found.username, "display_name": found.display_name,
            "avatar_media_id": found.avatar_media_id, "is_verified": found.verified_at is not None}


def _venue(event: Event) -> dict[str, Any] | None:
    if event.format != "in_person" and event.venue_name is None and event.venue_address is None:
        return None
    return {"name": event.venue_name, "address": event.venue_address,
            "latitude": None if event.latitude is None else float(event.latitude),
            "longitude": None if event.longitude is None else float(event.longitude)}


def event(found: EventView) -> dict[str, Any]:
    """An event's page as its viewer sees it. ``streaming_url`` is null but to its organizer, its
    staff and the holders of a valid ticket (``has_streaming_link`` says whether there is one);
    ``draft`` (each step saved and what it misses) only to the organizer and staff."""
    e = found.event
    zone = zoneinfo.ZoneInfo(e.time_zone)
    now = _now()
    return {
        "id": e.id, "state": e.state, "organizer": organizer(found.organizer, e.organizer_id),
        "title": e.title, "description": e.description, "category": category(found.category),
        "category_id": e.category_id, "cover_media_id": e.cover_media_id, "cover": found.cover,
        "format": e.format, "time_zone": e.time_zone, "kind": "multi_day" if len(found.days) > 1 else "one_time",
        "starts_at": e.starts_at, "ends_at": e.ends_at,
        "local": {"starts_at": _local(e.starts_at, zone), "ends_at": _local(e.ends_at, zone)},
        "days": [day(d, zone) for d in found.days],
        "venue": _venue(e),
        "has_streaming_link": e.streaming_url is not None,
        "streaming_url": e.streaming_url if found.streaming_visible else None,
        "currency": e.currency,
        "ticket_types": [ticket_type(t, found.type_days.get(t.id, ()), e.currency, now=now)
                         for t in found.ticket_types],
        "viewer_role": found.role,
        "draft": completeness.progress(e, found.problems) if found.problems is not None else None,
        "published_at": e.published_at, "cancelled_at": e.cancelled_at, "cancel_reason": e.cancel_reason,
        "completed_at": e.completed_at, "created_at": e.created_at, "updated_at": e.updated_at,
    }


def event_card(found: EventCard) -> dict[str, Any]:
    """An event as lists and search show it."""
    e = found.event
    zone = zoneinfo.ZoneInfo(e.time_zone)
    address = e.venue_address or {}
    return {
        "id": e.id, "state": e.state, "title": e.title, "organizer": organizer(found.organizer, e.organizer_id),
        "category": category(found.category), "cover": found.cover, "format": e.format, "time_zone": e.time_zone,
        "starts_at": e.starts_at, "ends_at": e.ends_at,
        "local": {"starts_at": _local(e.starts_at, zone), "ends_at": _local(e.ends_at, zone)},
        "days": found.days, "venue_name": e.venue_name,
        "city": address.get("city"), "region": address.get("region"), "country": address.get("country"),
        "currency": e.currency, "price_from": found.price_from,
    }


def json_ready(view: dict[str, Any]) -> dict[str, Any]:
    """A view as its JSON reads back (ids and times as strings), for a live event's data."""
    return orjson.loads(orjson.dumps(view, default=str))


# tickets and ticket orders (domain/events/tickets.py, ticket_orders.py)

def ticket_view(ticket) -> dict[str, Any]:
    """A ticket as its holder sees it (a ``tickets_repository.TicketRow``): its QR text and short
    code while it admits, and for an online event its streaming link."""
    valid = ticket.state == "valid"
    payload = decode(ticket.payload)
    return {
        "id": ticket.id,
        "event": {"id": ticket.event_id, "title": ticket.event_title, "format": ticket.event_format,
                  "state": ticket.event_state, "starts_at": ticket.event_starts_at, "ends_at": ticket.event_ends_at,
                  "time_zone": ticket.event_time_zone, "venue_name": ticket.event_venue_name},
        "ticket_type": {"id": ticket.ticket_type_id, "name": ticket.type_name, "kind": ticket.type_kind},
        "order_id": ticket.order_id,
        "state": ticket.state,
        "code": ticket.code,
        "qr": qr_text(ticket.payload, ticket.signature) if valid else None,
        "price": ticket.price,
        "currency": ticket.currency,
        "days": sorted(payload.days),
        "valid_from": ticket.valid_from,
        "valid_until": ticket.valid_until,
        "key_id": ticket.key_id,
        "issued_at": ticket.issued_at,
        "revoked_at": ticket.revoked_at,
        "revoke_reason": ticket.revoke_reason,
        "replaces": ticket.replaces,
        "replaced_by": ticket.replaced_by,
        "streaming_url": ticket.event_streaming_url if valid and ticket.event_format == "online" else None,
    }


def ticket_order_view(order, lines, tickets) -> dict[str, Any]:
    """A ticket order as its buyer sees it, with its lines and the tickets of it they hold."""
    return {
        "id": order.id,
        "event": {"id": order.event_id, "title": order.event_title},
        "state": order.state,
        "currency": order.currency,
        "total": order.total,
        "hold_id": order.hold_id,
        "reserved_until": order.reserved_until,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "closed_at": order.closed_at,
        "cancel_reason": order.cancel_reason,
        "lines": [{"ticket_type_id": line.ticket_type_id, "name": line.type_name, "quantity": line.quantity,
                   "unit_price": line.unit_price, "line_total": line.line_total} for line in lines],
        "tickets": [ticket_view(ticket) for ticket in tickets],
    }


def signing_key_view(key) -> dict[str, Any]:
    """A ticket signing key as the operators see it (never its private key)."""
    return {"kid": key.id, "state": key.state, "created_at": key.created_at, "rotated_at": key.rotated_at,
            "retired_at": key.retired_at, "public_key_pem": key.public_key_pem}


# The door (domain/events/checkin.py, staff.py, devices.py, dashboard.py)

def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def staff_member(row) -> dict[str, Any]:
    return {"event_id": str(row["event_id"]),
            "user": {"id": str(row["user_id"]), "username": row["username"], "display_name": row["display_name"]},
            "role": row["role"], "state": row["state"], "invited_at": _iso(row["created_at"]),
            "accepted_at": _iso(row["accepted_at"])}


def scanner(row) -> dict[str, Any]:
    return {"id": str(row["id"]), "event_id": str(row["event_id"]), "name": row["name"], "gate": row["gate"],
            "key_prefix": row["key_prefix"], "created_at": _iso(row["created_at"]),
            "last_used_at": _iso(row["last_used_at"]), "revoked_at": _iso(row["revoked_at"])}


def kiosk(row) -> dict[str, Any]:
    return {"id": str(row["id"]), "state": row["state"],
            "event_id": None if row["event_id"] is None else str(row["event_id"]),
            "day_id": None if row["day_id"] is None else str(row["day_id"]), "gate": row["gate"], "name": row["name"],
            "paired_at": _iso(row["paired_at"]), "revoked_at": _iso(row["revoked_at"])}


def admission_view(row) -> dict[str, Any]:
    """An admission as the scanning device, the dashboard and the lists show it."""
    if row["scanner_id"] is not None:
        device = {"kind": "scanner", "id": str(row["scanner_id"]), "name": row["scanner_name"]}
    elif row["kiosk_id"] is not None:
        device = {"kind": "kiosk", "id": str(row["kiosk_id"]), "name": row["kiosk_name"]}
    else:
        device = {"kind": "staff", "id": str(row["by_user_id"]), "name": row["by_name"]}
    return {
        "ticket_id": str(row["ticket_id"]), "event_id": str(row["event_id"]),
        "day": {"id": str(row["day_id"]), "number": row["day_number"]},
        "holder": {"id": str(row["holder_id"]), "display_name": row["holder_name"]},
        "ticket_type": {"id": str(row["ticket_type_id"]), "name": row["type_name"]},
        "method": row["method"], "gate": row["gate"], "device": device, "offline": row["offline"],
        "scanned_at": row["scanned_at"].isoformat(), "recorded_at": row["recorded_at"].isoformat(),
    }


def counts_view(rows) -> dict[str, Any]:
    return {"admitted": sum(row["admitted"] for row in rows),
            "by_day_and_gate": [{"day_id": str(row["day_id"]), "day_number": row["day_number"], "gate": row["gate"],
                                 "admitted": row["admitted"]} for row in rows]}


def conflict_view(row) -> dict[str, Any]:
    if row["first_scanner_id"] is not None:
        device = {"kind": "scanner", "id": str(row["first_scanner_id"]), "name": row["first_scanner_name"]}
    elif row["first_kiosk_id"] is not None:
        device = {"kind": "kiosk", "id": str(row["first_kiosk_id"]), "name": row["first_kiosk_name"]}
    else:
        device = {"kind": "staff", "id": str(row["first_by_user_id"]), "name": row["first_by_name"]}
    return {
        "ticket_id": str(row["ticket_id"]), "day": {"id": str(row["day_id"]), "number": row["day_number"]},
        "holder": {"id": str(row["holder_id"]), "display_name": row["holder_name"]},
        "ticket_type": {"id": str(row["ticket_type_id"]), "name": row["type_name"]},
        "scanner": {"id": str(row["scanner_id"]), "name": row["scanner_name"]}, "nonce": row["nonce"],
        "gate": row["gate"], "scanned_at": row["scanned_at"].isoformat(), "uploaded_at": row["uploaded_at"].isoformat(),
        "first": {"method": row["first_method"], "gate": row["first_gate"], "device": device,
                  "scanned_at": None if row["first_scanned_at"] is None else row["first_scanned_at"].isoformat()},
    }


def event_embed_card(event_id: uuid.UUID, found: EventCard | None, ticket_types: list) -> dict[str, Any]:
    """An event as a post embeds it (docs/social.md, "Embeds"): its cover, title, dates, place,
    tickets left and price range; ``state`` is the event's (``published``, ``cancelled``,
    ``completed``), or ``unavailable`` (nothing else shown) when the viewer may no longer see it.
    Its live changes come on ``topic``."""
    if found is None:
        return {"kind": "event", "id": event_id, "state": "unavailable", "topic": None}
    card = event_card(found)
    prices = [t.price for t in ticket_types]
    available = sum(t.available for t in ticket_types)
    return {
        "kind": "event", "id": event_id, "state": card["state"], "topic": f"event:{event_id}",
        "title": card["title"], "image": card["cover"], "starts_at": card["starts_at"], "ends_at": card["ends_at"],
        "local": card["local"], "format": card["format"], "venue_name": card["venue_name"], "city": card["city"],
        "region": card["region"], "country": card["country"], "currency": card["currency"],
        "price_range": {"min": min(prices), "max": max(prices)} if prices else None,
        "tickets_available": available, "sold_out": bool(ticket_types) and available == 0,
    }
