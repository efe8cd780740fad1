"""The verified badge: applications, their review, and direct grants and revocations."""
from __future__ import annotations

import dataclasses
import uuid

import marshmallow as ma
from aiohttp import web

from ...domain.users import verification
from ...errors import NotFound
from ...keys import PLATFORM
from ...pagination import PageQuery, page_schema
from ...validation import Text
from ..routing import PathId, Routes, caller, json_response
from .schemas import USER_ID

routes = Routes("verification")
MODERATORS = verification.MODERATORS
APPLICATION_ID = PathId("application_id", lambda raw: NotFound("No such application", code="application_not_found"))


class ApplySchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(("seller", "organizer")), metadata={
        "description": "What you are: a seller or an event organizer (the moderator checks it)"})
    statement = Text(required=True, validate=ma.validate.Length(min=1, max=1000), metadata={
        "description": "Who you are and why your account should carry the badge"})
    evidence = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=2000), metadata={
        "description": "Links, business registration or TIN numbers, past events: what backs the statement"})


class ApproveSchema(ma.Schema):
    reason = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=1000),
                              metadata={"description": "An optional note for the applicant"})


class RejectSchema(ma.Schema):
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=1000),
                              metadata={"description": "Why, as the applicant will read it"})


class ApplicationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    user_id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"example": "seller"})
    statement = ma.fields.String(required=True)
    evidence = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(required=True, metadata={"description": "pending, approved or rejected"})
    reviewer_id = ma.fields.UUID(allow_none=True, required=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    reason = ma.fields.String(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


ApplicationPageSchema = page_schema(ApplicationSchema, name="ApplicationPageSchema")


class OwnVerificationSchema(ma.Schema):
    is_verified = ma.fields.Boolean(required=True)
    verified_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    applications = ma.fields.List(ma.fields.Nested(ApplicationSchema), required=True, metadata={
        "description": f"Your latest {verification.OWN_APPLICATIONS_SHOWN} applications, newest first"})


class VerifiedSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    is_verified = ma.fields.Boolean(required=True)
    verified_at = ma.fields.AwareDateTime(required=True)


@routes.post("/api/users/verification/applications", summary="Apply for the verified badge (sellers, organizers)",
             body=ApplySchema, response=ApplicationSchema, status=201, errors=(409, 422))
async def apply(request: web.Request, *, body: dict) -> web.Response:
    """409 `application_pending` while an earlier application waits for review, 409
    `already_verified` once verified."""
    application = await verification.apply(request.app[PLATFORM], caller(request), **body)
    return json_response(ApplicationSchema, dataclasses.asdict(application), status=201)


@routes.get("/api/users/verification/applications", summary="Applications waiting for review, oldest first",
            query=PageQuery, response=ApplicationPageSchema, roles=MODERATORS)
async def pending(request: web.Request, *, query: dict) -> web.Response:
    page = await verification.pending_queue(request.app[PLATFORM], caller(request), **query)
    return json_response(ApplicationPageSchema, page.map(dataclasses.asdict))


@routes.post("/api/users/verification/applications/{application_id}/approve", summary="Approve an application: "
             "the applicant is verified", body=ApproveSchema, body_optional=True, ids=(APPLICATION_ID,),
             response=ApplicationSchema, roles=MODERATORS, errors=(404, 409))
async def approve(request: web.Request, *, body: dict, application_id: uuid.UUID) -> web.Response:
    """No body is needed. 404 `application_not_found`; 409 `application_decided` if it was
    already approved or rejected; 403 `own_application` for a moderator's own."""
    return await _decide(request, application_id, approve=True, reason=body["reason"])


@routes.post("/api/users/verification/applications/{application_id}/reject", summary="Reject an application, "
             "saying why", body=RejectSchema, body_optional=True, ids=(APPLICATION_ID,), response=ApplicationSchema,
             roles=MODERATORS, errors=(404, 409, 422))
async def reject(request: web.Request, *, body: dict, application_id: uuid.UUID) -> web.Response:
    """As approve; the reason is required (422) and shown to the applicant."""
    return await _decide(request, application_id, approve=False, reason=body["reason"])


async def _decide(request: web.Request, application_id: uuid.UUID, *, approve: bool,
                  reason: str | None) -> web.Response:
    application = await verification.decide(request.app[PLATFORM], caller(request), application_id,
                                            approve=approve, reason=reason)
    return json_response(ApplicationSchema, dataclasses.asdict(application))


@routes.get("/api/users/me/verification", summary="Your verified badge and your applications for it",
            response=OwnVerificationSchema)
async def own(request: web.Request) -> web.Response:
    mine = await verification.own_verification(request.app[PLATFORM], caller(request))
    return json_response(OwnVerificationSchema, {
        "is_verified": mine.verified_at is not None, "verified_at": mine.verified_at,
        "applications": [dataclasses.asdict(a) for a in mine.applications]})


@routes.post("/api/users/{user_id}/verification", summary="Verify a user directly", response=VerifiedSchema,
             ids=(USER_ID,), roles=MODERATORS, errors=(404, 409))
async def grant(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """Their pending application, if any, is approved with it. 409 `already_verified`."""
    verified_at = await verification.grant(request.app[PLATFORM], caller(request), user_id)
    return json_response(VerifiedSchema, {"user_id": user_id, "is_verified": True, "verified_at": verified_at})


@routes.delete("/api/users/{user_id}/verification", summary="Take a user's verified badge away", status=204,
               ids=(USER_ID,), roles=MODERATORS, errors=(404, 409))
async def revoke(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """409 `not_verified`. The user may apply again."""
    await verification.revoke(request.app[PLATFORM], caller(request), user_id)
    return web.Response(status=204)
