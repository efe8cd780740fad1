"""The SQL of the door: staff (``sql/events/staff.sql``), scanners and kiosks
(``sql/events/devices.sql``), admissions, offline uploads and the dashboard
(``sql/events/checkin.sql``). It runs queries and decides nothing; rows come back as records."""
from __future__ import annotations

import datetime
import uuid

import asyncpg

from ...sql import all_rows, queries

_sql = queries("events")
Row = asyncpg.Record


# Staff

async def staff_member(conn, event_id: uuid.UUID, user_id: uuid.UUID) -> Row | None:
    return await _sql.staff_member(conn, event_id=event_id, user_id=user_id)


async def staff_of_event(conn, event_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.staff_of_event, conn, event_id=event_id)


async def staff_invitations_of(conn, user_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.staff_invitations_of, conn, user_id=user_id)


async def insert_staff(conn, *, event_id: uuid.UUID, user_id: uuid.UUID, role: str, invited_by: uuid.UUID) -> bool:
    return bool(await _sql.staff_insert(conn, event_id=event_id, user_id=user_id, role=role, invited_by=invited_by))


async def accept_staff(conn, event_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.staff_accept(conn, event_id=event_id, user_id=user_id))


async def delete_staff(conn, event_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    return await _sql.staff_delete(conn, event_id=event_id, user_id=user_id)


# Scanners

async def insert_scanner(conn, **fields) -> Row:
    return await _sql.scanner_insert(conn, **fields)


async def scanners_of_event(conn, event_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.scanners_of_event, conn, event_id=event_id)


async def scanner_by_key(conn, key_hash: bytes) -> Row | None:
    return await _sql.scanner_by_key(conn, key_hash=key_hash)


async def revoke_scanner(conn, event_id: uuid.UUID, scanner_id: uuid.UUID) -> Row | None:
    return await _sql.scanner_revoke(conn, event_id=event_id, id=scanner_id)


async def scanner_still_valid(conn, scanner_id: uuid.UUID) -> bool:
    return bool(await _sql.scanner_still_valid(conn, id=scanner_id))


# Kiosks

async def insert_kiosk(conn, **fields) -> Row | None:
    return await _sql.kiosk_insert(conn, **fields)


async def forget_expired_kiosk(conn, code: str) -> None:
    await _sql.kiosk_forget_expired(conn, code=code)


async def kiosk_by_secret(conn, secret_hash: bytes) -> Row | None:
    return await _sql.kiosk_by_secret(conn, secret_hash=secret_hash)


async def kiosk_by_id(conn, kiosk_id: uuid.UUID) -> Row | None:
    return await _sql.kiosk_by_id(conn, id=kiosk_id)


async def pair_kiosk(conn, **fields) -> Row | None:
    return await _sql.kiosk_pair(conn, **fields)


async def kiosks_of_event(conn, event_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.kiosks_of_event, conn, event_id=event_id)


async def revoke_kiosk(conn, event_id: uuid.UUID, kiosk_id: uuid.UUID) -> Row | None:
    return await _sql.kiosk_revoke(conn, event_id=event_id, id=kiosk_id)


async def kiosk_for_scan(conn, kiosk_id: uuid.UUID) -> Row | None:
    return await _sql.kiosk_for_scan(conn, id=kiosk_id)


async def day_of_event(conn, event_id: uuid.UUID, day_id: uuid.UUID) -> Row | None:
    return await _sql.day_of_event(conn, event_id=event_id, day_id=day_id)


# Admissions

async def event(conn, event_id: uuid.UUID) -> Row | None:
    return await _sql.checkin_event(conn, id=event_id)


async def ticket(conn, ticket_id: uuid.UUID) -> Row | None:
    return await _sql.checkin_ticket(conn, ticket_id=ticket_id)


async def ticket_by_code(conn, event_id: uuid.UUID, code: str) -> Row | None:
    return await _sql.checkin_ticket_by_code(conn, event_id=event_id, code=code)


async def days_for_type(conn, event_id: uuid.UUID, ticket_type_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.checkin_days, conn, event_id=event_id, ticket_type_id=ticket_type_id)


async def insert_checkin(conn, **fields) -> bool:
    return bool(await _sql.checkin_insert(conn, **fields))


async def checkin(conn, ticket_id: uuid.UUID, day_id: uuid.UUID) -> Row | None:
    return await _sql.checkin_one(conn, ticket_id=ticket_id, day_id=day_id)


async def latest_checkins(conn, event_id: uuid.UUID, count: int) -> list[Row]:
    return await all_rows(_sql.checkin_latest, conn, event_id=event_id, count=count)


async def checkin_counts(conn, event_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.checkin_counts, conn, event_id=event_id)


async def offline_scan(conn, scanner_id: uuid.UUID, nonce: str) -> Row | None:
    return await _sql.offline_scan(conn, scanner_id=scanner_id, nonce=nonce)


async def insert_offline_scan(conn, **fields) -> bool:
    return bool(await _sql.offline_scan_insert(conn, **fields))


async def conflicts(conn, event_id: uuid.UUID, count: int, before: datetime.datetime | None = None) -> list[Row]:
    return await all_rows(_sql.checkin_conflicts, conn, event_id=event_id, count=count, before=before)


async def days_of(conn, event_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.event_days_of, conn, event_id=event_id)


async def ticket_types_with_days(conn, event_id: uuid.UUID) -> list[Row]:
    return await all_rows(_sql.ticket_types_with_days, conn, event_id=event_id)
