"""Operators' routes: one payment's full history, and the resolution of a payment in review."""
from __future__ import annotations

import uuid

import marshmallow as ma
from aiohttp import web

from ...domain.payments import resolutions
from ...domain.payments.views import operator_payment_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import PAYMENT_ID, PaymentDetailSchema

routes = Routes("payments")
ADMINS = ("admin",)


class CauseSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"description": "user, provider_callback, worker or operator"})
    id = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)


class LineSchema(ma.Schema):
    account_id = ma.fields.UUID(required=True)
    currency = ma.fields.String(required=True)
    amount = ma.fields.Integer(required=True, metadata={"description": "Minor units added to the account"})


class EntrySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True)
    reverses = ma.fields.UUID(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    cause = ma.fields.Nested(CauseSchema, required=True)
    lines = ma.fields.List(ma.fields.Nested(LineSchema), required=True)


class OperatorPaymentSchema(PaymentDetailSchema):
    payer_id = ma.fields.UUID(required=True)
    review_reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Why it was flagged for review; null if it never was"})
    provider_transaction_id = ma.fields.String(required=True, allow_none=True)
    entries = ma.fields.List(ma.fields.Nested(EntrySchema), required=True, metadata={
        "description": "The journal entries that moved its money"})


class ResolveIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(resolutions.OUTCOMES), metadata={
        "description": "credit: fund its hold as a verified callback would; fail: mark it failed"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500), metadata={
        "example": "Selcom support confirmed 150000 TZS reached our account"})


@routes.get("/api/admin/payments/{payment_id}", summary="A payment's full history, for operators",
            ids=(PAYMENT_ID,), response=OperatorPaymentSchema, roles=ADMINS)
async def show_payment(request: web.Request, *, payment_id: uuid.UUID) -> web.Response:
    """Any user's payment, with its timeline and its journal entries; admin role only."""
    found = await resolutions.history(request.app[PLATFORM].core, payment_id)
    return json_response(OperatorPaymentSchema, operator_payment_view(found.payment, found.timeline, found.entries))


@routes.post("/api/admin/payments/{payment_id}/resolve", summary="Resolve a payment flagged for review",
             ids=(PAYMENT_ID,), body=ResolveIn, response=OperatorPaymentSchema, roles=ADMINS, errors=(409,))
async def resolve_payment(request: web.Request, *, body: dict, payment_id: uuid.UUID) -> web.Response:
    """Once: a payment not in review (a second resolution included) is 409 `payment_not_in_review`
    with `details.status`; a credit the hold cannot take is the hold's 409. The operator recorded
    in the journal entry's cause is the caller's username."""
    platform = request.app[PLATFORM]
    await resolutions.resolve(platform.core, payment_id, operator=caller(request).username, **body)
    found = await resolutions.history(platform.core, payment_id)
    return json_response(OperatorPaymentSchema, operator_payment_view(found.payment, found.timeline, found.entries))
