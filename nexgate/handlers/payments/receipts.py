"""The receipt of a succeeded payment, as JSON or as a printable HTML page."""
from __future__ import annotations

import uuid

import marshmallow as ma
from aiohttp import web

from ...domain.payments import receipts
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import PAYMENT_ID

routes = Routes("payments")


class ReceiptQuery(ma.Schema):
    format = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("json", "html")), metadata={
        "description": "html: the printable page (as `Accept: text/html`); json (the default otherwise)"})


class AmountSchema(ma.Schema):
    minor = ma.fields.Integer(required=True, metadata={"description": "Integer minor units", "example": 150000})
    currency = ma.fields.String(required=True, metadata={"example": "TZS"})
    text = ma.fields.String(required=True, metadata={"description": "Written with the currency's decimals",
                                                     "example": "1,500.00 TZS"})


class ReceiptPayerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    email = ma.fields.String(required=True, allow_none=True, metadata={"description": "Where it was emailed"})


class PaidForSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"example": "commerce.order"})
    id = ma.fields.UUID(required=True)
    hold_id = ma.fields.UUID(required=True)


class ReceiptMethodSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={"example": "mobile_money", "description": "mobile_money or card"})
    channel = ma.fields.String(required=True, allow_none=True, metadata={"example": "M-Pesa"})
    number = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Masked; null for a card (Nexgate never sees it)", "example": "+255 *****3456"})


class ReceiptSchema(ma.Schema):
    number = ma.fields.String(required=True, metadata={"description": "The payment's reference",
                                                       "example": "NX1F2E3D4C5B6A79881726"})
    payment_id = ma.fields.UUID(required=True)
    issued_at = ma.fields.DateTime(required=True, metadata={"description": "When it succeeded, in time_zone"})
    date = ma.fields.String(required=True, metadata={"example": "01 December 2026, 13:05 EAT"})
    time_zone = ma.fields.String(required=True, metadata={"example": "Africa/Nairobi"})
    payer = ma.fields.Nested(ReceiptPayerSchema, required=True)
    paid_for = ma.fields.Nested(PaidForSchema, required=True)
    amount = ma.fields.Nested(AmountSchema, required=True)
    method = ma.fields.Nested(ReceiptMethodSchema, required=True)
    provider = ma.fields.String(required=True, metadata={"example": "selcom"})
    provider_receipt = ma.fields.String(required=True, allow_none=True)
    provider_transaction_id = ma.fields.String(required=True, allow_none=True)


@routes.get("/api/payments/{payment_id}/receipt", summary="The receipt of one of your succeeded payments",
            ids=(PAYMENT_ID,), query=ReceiptQuery, response=ReceiptSchema, errors=(409,))
async def get_receipt(request: web.Request, *, query: dict, payment_id: uuid.UUID) -> web.Response:
    """JSON, or a printable HTML page with `Accept: text/html` or `?format=html`. Another user's
    payment is 404 `payment_not_found`; one not succeeded is 409 `payment_not_succeeded` with
    `details.status`."""
    receipt = await receipts.receipt_of(request.app[PLATFORM], caller(request), payment_id)
    if _wants_html(request, query["format"]):
        return web.Response(text=receipts.receipt_page(receipt), content_type="text/html")
    return json_response(ReceiptSchema, receipt)


def _wants_html(request: web.Request, format: str | None) -> bool:
    if format is not None:
        return format == "html"
    return "text/html" in request.headers.get("Accept", "")
