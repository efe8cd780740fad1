"""Operators' routes: one payment's or refund's or payout's full history, and the resolution of
one in review."""
from __future__ import annotations

import uuid

import marshmallow as ma
from aiohttp import web

from ...domain.payments import disbursements, resolutions
from ...domain.payments.views import operator_disbursement_view, operator_payment_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import DISBURSEMENT_ID, PAYMENT_ID, DisbursementDetailSchema, PaymentDetailSchema

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


class OperatorDisbursementSchema(DisbursementDetailSchema):
    user_id = ma.fields.UUID(required=True, metadata={"description": "Who receives it"})
    refund_id = ma.fields.UUID(required=True, allow_none=True)
    review_reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Why it was flagged for review; null if it never was"})
    provider_transaction_id = ma.fields.String(required=True, allow_none=True)
    send = ma.fields.String(required=True, metadata={"description": "queued, sent, unconfirmed or refused"})
    entries = ma.fields.List(ma.fields.Nested(EntrySchema), required=True, metadata={
        "description": "The journal entries that moved its money"})


class ResolveDisbursementIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(disbursements.OUTCOMES), metadata={
        "description": "paid: it reached the phone; returned: it did not, the money goes back where it came from"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500), metadata={
        "example": "Daraja support confirmed the B2C of 1000 KES with receipt SBX5TQ"})


@routes.get("/api/admin/payments/disbursements/{disbursement_id}",
            summary="A refund's or payout's full history, for operators", ids=(DISBURSEMENT_ID,),
            response=OperatorDisbursementSchema, roles=ADMINS)
async def show_disbursement(request: web.Request, *, disbursement_id: uuid.UUID) -> web.Response:
    """Any user's refund or payout, with its timeline and its journal entries; admin role only."""
    return await _disbursement_answer(request, disbursement_id)


@routes.post("/api/admin/payments/disbursements/{disbursement_id}/resolve",
             summary="Resolve a refund or payout flagged for review", ids=(DISBURSEMENT_ID,),
             body=ResolveDisbursementIn, response=OperatorDisbursementSchema, roles=ADMINS, errors=(409,))
async def resolve_disbursement(request: web.Request, *, body: dict, disbursement_id: uuid.UUID) -> web.Response:
    """Once: one not in review is 409 `disbursement_not_in_review` with `details.status`. The
    operator recorded in the journal entry's cause is the caller's username."""
    await disbursements.resolve(request.app[PLATFORM].core, disbursement_id, operator=caller(request).username, **body)
    return await _disbursement_answer(request, disbursement_id)


async def _disbursement_answer(request: web.Request, disbursement_id: uuid.UUID) -> web.Response:
    found, timeline, entries = await disbursements.history(request.app[PLATFORM].core, disbursement_id)
    return json_response(OperatorDisbursementSchema, operator_disbursement_view(found, timeline, entries))
