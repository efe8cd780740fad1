"""The verified badge: sellers and organizers apply, moderators approve or reject, and
moderators grant or revoke the badge directly. Each change is an event (docs/trust.md).

Whether the applicant really is a seller or organizer is for the moderator to judge from the
application: the commerce and events areas, which will know, do not exist yet.

Who may review (``MODERATORS``) is checked where the routes are declared
(handlers/users/verification.py, ``roles=``), the one place roles are checked.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...pagination import OLDEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from . import repository
from . import verification_repository as applications
from .events import VERIFICATION_APPLIED, VERIFICATION_DECIDED, VERIFICATION_GRANTED, VERIFICATION_REVOKED
from .verification_repository import Application

MODERATORS = ("moderator", "admin")
OWN_APPLICATIONS_SHOWN = 20


@dataclasses.dataclass(frozen=True)
class OwnVerification:
    verified_at: datetime.datetime | None
    applications: list[Application]  # newest first


async def apply(platform: Platform, caller: Caller, *, kind: str, statement: str, evidence: str | None) -> Application:
    """Apply for the badge; one pending application at a time, and none once verified."""
    statement, evidence = statement.strip(), (evidence or "").strip() or None
    if not statement:
        raise Invalid.fields("body", {"statement": "Say why."})
    async with platform.core.transaction("users.verification_apply") as conn:
        if not await repository.lock_users(conn, [caller.user_id]):
            raise NotFound("Your account no longer exists", code="user_not_found")
        if await applications.verified_at(conn, caller.user_id) is not None:
            raise Conflict("You are already verified", code="already_verified")
        try:
            application = await applications.insert_application(
                conn, id=uuid.uuid4(), user_id=caller.user_id, kind=kind, statement=statement, evidence=evidence)
        except asyncpg.UniqueViolationError:
            raise Conflict("You already have an application waiting for review",
                           code="application_pending") from None
        await bus.emit(conn, VERIFICATION_APPLIED, {
            "application_id": str(application.id), "user_id": str(caller.user_id), "kind": kind})
    return application


async def own_verification(platform: Platform, caller: Caller) -> OwnVerification:
    async with platform.core.connection() as conn:
        verified_at = await applications.verified_at(conn, caller.user_id)
        mine = await applications.applications_of(conn, caller.user_id, OWN_APPLICATIONS_SHOWN)
    return OwnVerification(verified_at, mine)


async def pending_queue(platform: Platform, caller: Caller, cursor: str | None, limit: int) -> Page[Application]:
    """The applications waiting for review, oldest first."""
    async with platform.core.connection() as conn:
        return await fetch(OLDEST_FIRST, cursor, limit, lambda after, n: applications.pending_page(conn, after, n),
                           lambda application: (application.created_at, application.id))


async def decide(platform: Platform, caller: Caller, application_id: uuid.UUID, *, approve: bool,
                 reason: str | None) -> Application:
    """Approve (the applicant is verified) or reject (with a reason the applicant is shown) a
    pending application."""
    reason = (reason or "").strip() or None
    if not approve and reason is None:
        raise Invalid.fields("body", {"reason": "Say why the application is rejected."}, code="reason_required")
    async with platform.core.transaction("users.verification_decide") as conn:
        application = await applications.lock_application(conn, application_id)
        if application is None:
            raise NotFound("No such application", code="application_not_found")
        if application.user_id == caller.user_id:
            raise Forbidden("Another moderator must decide your own application", code="own_application")
        if application.status != "pending":
            raise Conflict(f"This application was already {application.status}", code="application_decided",
                           details={"status": application.status, "decided_at": application.decided_at.isoformat()})
        if approve:
            await repository.lock_users(conn, [application.user_id])
            if await applications.set_verified(conn, application.user_id) is not None:
                await bus.emit(conn, VERIFICATION_GRANTED, _granted(application.user_id, caller, application.id))
        application = await applications.decide_application(
            conn, application_id, status="approved" if approve else "rejected", reviewer_id=caller.user_id,
            reason=reason)
        await bus.emit(conn, VERIFICATION_DECIDED, _decided(application))
    return application


async def grant(platform: Platform, caller: Caller, user_id: uuid.UUID) -> datetime.datetime:
    """Verify a user directly; their pending application, if any, is approved with it."""
    async with platform.core.transaction("users.verification_grant") as conn:
        await _lock_user(conn, user_id)
        verified_at = await applications.set_verified(conn, user_id)
        if verified_at is None:
            raise Conflict("This user is already verified", code="already_verified")
        settled = await applications.approve_pending_application_of(conn, user_id, caller.user_id)
        await bus.emit(conn, VERIFICATION_GRANTED, _granted(user_id, caller, settled.id if settled else None))
        if settled is not None:
            await bus.emit(conn, VERIFICATION_DECIDED, _decided(settled))
    return verified_at


async def revoke(platform: Platform, caller: Caller, user_id: uuid.UUID) -> None:
    async with platform.core.transaction("users.verification_revoke") as conn:
        await _lock_user(conn, user_id)
        if not await applications.clear_verified(conn, user_id):
            raise Conflict("This user is not verified", code="not_verified")
        await bus.emit(conn, VERIFICATION_REVOKED, {"user_id": str(user_id), "revoked_by": str(caller.user_id)})


async def _lock_user(conn, user_id: uuid.UUID) -> None:
    if not await repository.lock_users(conn, [user_id]):
        raise NotFound("No such user", code="user_not_found")


def _granted(user_id: uuid.UUID, caller: Caller, application_id: uuid.UUID | None) -> dict:
    return {"user_id": str(user_id), "granted_by": str(caller.user_id),
            "application_id": None if application_id is None else str(application_id)}


def _decided(application: Application) -> dict:
    return {"application_id": str(application.id), "user_id": str(application.user_id), "kind": application.kind,
            "decision": application.status, "reason": application.reason,
            "reviewer_id": str(application.reviewer_id)}
