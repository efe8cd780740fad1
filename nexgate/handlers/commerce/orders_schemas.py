"""The request and response schemas of orders (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.commerce import orders
from ...pagination import PageQuery, page_schema
from ...validation import Name, Text
from ..routing import PathId
from ..users.schemas import UserCardSchema
from .schemas import ShopNameSchema

ORDER_ID = PathId("order_id", lambda raw: orders.not_found())


class OrderListQuery(PageQuery):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(orders.STATES), metadata={
        "description": "Only the orders in this state"})


class OperatorOrderListQuery(PageQuery):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(orders.STATES), metadata={
        "description": "The orders in this state (`disputed`: the disputes to decide)", "example": "disputed"})


class NoteIn(ma.Schema):
    note = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=1000), metadata={
        "description": "Shown on the order's timeline", "example": "Packed, leaving tomorrow morning"})


class TrackingIn(ma.Schema):
    carrier = Name(required=True, validate=ma.validate.Length(min=1, max=80), metadata={"example": "DHL Tanzania"})
    number = Name(required=True, validate=ma.validate.Length(min=1, max=80), metadata={"example": "TZ12345678"})
    url = ma.fields.Url(load_default=None, allow_none=True, schemes={"https", "http"},
                        validate=ma.validate.Length(max=500),
                        metadata={"example": "https://track.example.co.tz/TZ12345678"})


class ShipIn(NoteIn):
    tracking = ma.fields.Nested(TrackingIn, load_default=None, allow_none=True, metadata={
        "description": "Required for a delivery (422 `tracking_required`); optional for a pickup"})


class ReasonIn(ma.Schema):
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=300), metadata={
        "example": "Ordered the wrong size"})


class DisputeIn(ma.Schema):
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=1000), metadata={
        "example": "The kitenge that arrived is not the colour shown"})


class DisputeResolveIn(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(("buyer", "seller")), metadata={
        "description": "buyer: refund the buyer; seller: release the payment to the seller"})
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=1000), metadata={
        "example": "The photos show a different cloth from the listing"})


class OrderItemSchema(ma.Schema):
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(required=True)
    product_name = ma.fields.String(required=True, metadata={"description": "As it was when bought"})
    variant_label = ma.fields.String(required=True, allow_none=True)
    sku = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    unit_price = ma.fields.Integer(required=True, metadata={"description": "Minor units, as bought"})
    line_total = ma.fields.Integer(required=True)


class TrackingSchema(ma.Schema):
    carrier = ma.fields.String(required=True)
    number = ma.fields.String(required=True)
    url = ma.fields.String(required=True, allow_none=True)


class OrderStepSchema(ma.Schema):
    from_state = ma.fields.String(required=True, allow_none=True, metadata={"description": "null for its placing"})
    state = ma.fields.String(required=True, metadata={"enum": list(orders.STATES)})
    actor = ma.fields.String(required=True, metadata={"enum": list(orders.PARTIES)})
    actor_id = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "null for the system"})
    note = ma.fields.String(required=True, allow_none=True)
    at = ma.fields.AwareDateTime(required=True)


_MAYBE_TIME = {"required": True, "allow_none": True}


class OrderCardSchema(ma.Schema):
    """An order as the lists show it."""

    id = ma.fields.UUID(required=True)
    checkout_id = ma.fields.UUID(required=True, metadata={"description": "The checkout that placed it (one order per shop)"})
    state = ma.fields.String(required=True, metadata={"enum": list(orders.STATES)})
    stock_state = ma.fields.String(required=True, metadata={"enum": ["reserved", "allocated", "released", "shipped"]})
    shop = ma.fields.Nested(ShopNameSchema, required=True)
    seller_id = ma.fields.UUID(required=True, metadata={"description": "The shop's owner when it was placed: the payee"})
    buyer = ma.fields.Nested(UserCardSchema, required=True, allow_none=True, metadata={
        "description": "null once the buyer's account is gone"})
    currency = ma.fields.String(required=True)
    subtotal = ma.fields.Integer(required=True, metadata={"description": "Minor units: the items' line totals"})
    delivery_fee = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "subtotal + delivery_fee: what was charged"})
    fulfilment = ma.fields.String(required=True, metadata={"enum": ["delivery", "pickup"]})
    address = ma.fields.Dict(required=True, allow_none=True, metadata={
        "description": "The delivery address as it was at checkout; null for a pickup"})
    tracking = ma.fields.Nested(TrackingSchema, required=True, allow_none=True)
    items = ma.fields.List(ma.fields.Nested(OrderItemSchema), required=True)
    hold_id = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "Its escrow hold (payments)"})
    reserved_until = ma.fields.AwareDateTime(**_MAYBE_TIME, metadata={
        "description": "While pending_payment: when its reservation ends"})
    cancel_reason = ma.fields.String(required=True, allow_none=True)
    dispute_reason = ma.fields.String(required=True, allow_none=True)
    resolution = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "For whom an operator decided its dispute: buyer or seller"})
    auto_complete_at = ma.fields.AwareDateTime(**_MAYBE_TIME, metadata={
        "description": "Shipped or delivered: when it completes by itself unless disputed"})
    created_at = ma.fields.AwareDateTime(required=True)
    paid_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    accepted_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    shipped_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    delivered_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    completed_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    cancelled_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    disputed_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    refunded_at = ma.fields.AwareDateTime(**_MAYBE_TIME)
    updated_at = ma.fields.AwareDateTime(required=True)


class OrderSchema(OrderCardSchema):
    """An order's page: the same for its buyer and its shop's staff."""

    timeline = ma.fields.List(ma.fields.Nested(OrderStepSchema), required=True, metadata={
        "description": "Each state it entered, oldest first"})


OrderCardPageSchema = page_schema(OrderCardSchema)
