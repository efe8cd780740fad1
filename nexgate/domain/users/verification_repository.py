"""The SQL of verification applications and the verified badge (``sql/users/verification.sql``)."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("users")


@dataclasses.dataclass(frozen=True)
class Application:
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    kind: str
    statement: str
    evidence: str | None
    status: str
    reviewer_id: uuid.UUID | None
    decided_at: datetime.datetime | None
    reason: str | None
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Application | None:
        return None if row is None else cls(**dict(row))


async def insert_application(conn, *, id: uuid.UUID, user_id: uuid.UUID, kind: str, statement: str,
                             evidence: str | None) -> Application:
    """Raises ``asyncpg.UniqueViolationError`` if the user has a pending application."""
    return Application.from_row(await _sql.insert_verification_application(
        conn, id=id, user_id=user_id, kind=kind, statement=statement, evidence=evidence))


async def lock_application(conn, application_id: uuid.UUID) -> Application | None:
    return Application.from_row(await _sql.lock_verification_application(conn, id=application_id))


async def decide_application(conn, application_id: uuid.UUID, *, status: str, reviewer_id: uuid.UUID,
                             reason: str | None) -> Application | None:
    """None if the application is not pending."""
    return Application.from_row(await _sql.decide_verification_application(
        conn, id=application_id, status=status, reviewer_id=reviewer_id, reason=reason))


async def approve_pending_application_of(conn, user_id: uuid.UUID, reviewer_id: uuid.UUID) -> Application | None:
    return Application.from_row(
        await _sql.approve_pending_application_of(conn, user_id=user_id, reviewer_id=reviewer_id))


async def pending_page(conn, after: tuple[datetime.datetime, uuid.UUID], limit: int) -> list[Application]:
    return [Application.from_row(row) async for row in _sql.pending_applications_page(
        conn, after_at=after[0], after_id=after[1], limit=limit)]


async def applications_of(conn, user_id: uuid.UUID, limit: int) -> list[Application]:
    return [Application.from_row(row) async for row in _sql.applications_of(conn, user_id=user_id, limit=limit)]


async def verified_at(conn, user_id: uuid.UUID) -> datetime.datetime | None:
    row = await _sql.verified_at_of(conn, user_id=user_id)
    return None if row is None else row["verified_at"]


async def set_verified(conn, user_id: uuid.UUID) -> datetime.datetime | None:
    """Mark the user verified now; None if they already were (or do not exist)."""
    return await _sql.set_verified(conn, user_id=user_id)


async def clear_verified(conn, user_id: uuid.UUID) -> bool:
    """False if the user was not verified (or does not exist)."""
    return bool(await _sql.clear_verified(conn, user_id=user_id))
