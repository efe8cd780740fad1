"""The schemas of buying tickets, the tickets, the revocation list and the signing keys (they
are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.events import checkout
from ...domain.events.ticket_orders import order_not_found
from ...domain.events.tickets import ticket_not_found
from ...errors import NotFound
from ...pagination import page_schema
from ..payments.schemas import PaymentSchema
from ..routing import PathId

EVENT_ID = PathId("event_id", lambda raw: NotFound("No such event", code="event_not_found"))
TICKET_ID = PathId("ticket_id", lambda raw: ticket_not_found())
ORDER_ID = PathId("order_id", lambda raw: order_not_found())


class CheckoutLineIn(ma.Schema):
    ticket_type_id = ma.fields.UUID(required=True, metadata={"description": "A ticket type of the event (a hidden "
                                                                             "type too, for those given its id)"})
    quantity = ma.fields.Integer(required=True, strict=True,
                                 validate=ma.validate.Range(min=1, max=checkout.MAX_QUANTITY),
                                 metadata={"description": "Tickets of that type, at most its per_order_limit",
                                           "example": 2})


class TicketCheckoutIn(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(CheckoutLineIn), required=True,
                           validate=ma.validate.Length(min=1, max=checkout.MAX_LINES),
                           metadata={"description": "Each ticket type once"})
    method_id = ma.fields.UUID(load_default=None, metadata={
        "description": "One of your mobile money methods: a paid order's payment is begun with it (left out: pay "
                       "the order's hold with POST /api/payments). Ignored for a free order"})


class TicketEventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True, allow_none=True)
    format = ma.fields.String(required=True, allow_none=True, metadata={"description": "in_person or online"})
    state = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(required=True, allow_none=True)
    ends_at = ma.fields.DateTime(required=True, allow_none=True)
    time_zone = ma.fields.String(required=True, metadata={"example": "Africa/Nairobi"})
    venue_name = ma.fields.String(required=True, allow_none=True)


class TicketTypeNameSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "free, paid, vip or early_bird"})


class TicketSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event = ma.fields.Nested(TicketEventSchema, required=True)
    ticket_type = ma.fields.Nested(TicketTypeNameSchema, required=True)
    order_id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True, metadata={
        "description": "valid (admits), cancelled (refunded or cancelled) or transferred (replaced_by names the new "
                       "ticket)"})
    code = ma.fields.String(required=True, metadata={"description": "The short code for manual entry",
                                                     "example": "7K3Q-M9XD"})
    qr = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "What the QR code carries (docs/events.md, \"The ticket format\"): NXT1.<base32 payload>."
                       "<base32 signature>; null once the ticket no longer admits"})
    price = ma.fields.Integer(required=True, metadata={"description": "Minor units"})
    currency = ma.fields.String(required=True)
    days = ma.fields.List(ma.fields.Integer(), required=True, metadata={"description": "The day numbers it admits"})
    valid_from = ma.fields.DateTime(required=True)
    valid_until = ma.fields.DateTime(required=True)
    key_id = ma.fields.String(required=True, metadata={"description": "The key that signed it (GET /api/events/keys)"})
    issued_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(required=True, allow_none=True)
    revoke_reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "refunded, cancelled or transferred"})
    replaces = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "The ticket it was transferred from"})
    replaced_by = ma.fields.UUID(required=True, allow_none=True)
    streaming_url = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "An online event's streaming link, while the ticket admits"})


TicketPageSchema = page_schema(TicketSchema)


class TicketOrderEventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True, allow_none=True)


class TicketOrderLineSchema(ma.Schema):
    ticket_type_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, metadata={"description": "The type's name when bought"})
    quantity = ma.fields.Integer(required=True)
    unit_price = ma.fields.Integer(required=True)
    line_total = ma.fields.Integer(required=True)


class TicketOrderSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event = ma.fields.Nested(TicketOrderEventSchema, required=True)
    state = ma.fields.String(required=True, metadata={
        "description": "pending_payment (its tickets held until reserved_until), paid (tickets issued), cancelled "
                       "(unpaid in time, or its payment failed), refunded (every ticket refunded)"})
    currency = ma.fields.String(required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Minor units; 0 for a free order"})
    hold_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "The escrow hold to pay into (POST /api/payments); null for a free order"})
    reserved_until = ma.fields.DateTime(required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    paid_at = ma.fields.DateTime(required=True, allow_none=True)
    closed_at = ma.fields.DateTime(required=True, allow_none=True)
    cancel_reason = ma.fields.String(required=True, allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(TicketOrderLineSchema), required=True)
    tickets = ma.fields.List(ma.fields.Nested(TicketSchema), required=True, metadata={
        "description": "The tickets of the order you hold (none until it is paid)"})


TicketOrderPageSchema = page_schema(TicketOrderSchema)


class TicketPaymentErrorSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(required=True)


class TicketCheckoutSchema(TicketOrderSchema):
    payment = ma.fields.Nested(PaymentSchema, required=True, allow_none=True, metadata={
        "description": "The payment begun into the order's hold (with method_id), else null"})
    payment_error = ma.fields.Nested(TicketPaymentErrorSchema, required=True, allow_none=True, metadata={
        "description": "Why the payment could not begin (the order waits: pay it with POST /api/payments)"})


class TransferIn(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64),
                                metadata={"description": "The user who gets the ticket"})


class RevocationsQuery(ma.Schema):
    since = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "Only the tickets revoked after this instant (next_since of the previous answer)"})


class RevocationSchema(ma.Schema):
    ticket_id = ma.fields.UUID(required=True)
    code = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "cancelled or transferred"})
    reason = ma.fields.String(required=True, allow_none=True, metadata={"description": "refunded, cancelled or "
                                                                                        "transferred"})
    revoked_at = ma.fields.DateTime(required=True)


class RevocationListSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    revoked = ma.fields.List(ma.fields.Nested(RevocationSchema), required=True, metadata={
        "description": "Oldest revocation first"})
    next_since = ma.fields.DateTime(required=True, metadata={"description": "Ask with since= this next time"})


class TicketKeyJwkSchema(ma.Schema):
    kty = ma.fields.String(required=True, metadata={"example": "RSA"})
    kid = ma.fields.String(required=True, metadata={"description": "The key id the ticket payload names"})
    use = ma.fields.String(required=True, metadata={"example": "sig"})
    alg = ma.fields.String(required=True, metadata={"description": "PS256: RSA-PSS, SHA-256, MGF1 SHA-256, salt 32"})
    n = ma.fields.String(required=True)
    e = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={
        "description": "active (signs new tickets), rotated (signs no more, still verifies), retired (what it "
                       "signed no longer admits)"})


class TicketKeySetSchema(ma.Schema):
    keys = ma.fields.List(ma.fields.Nested(TicketKeyJwkSchema), required=True, metadata={"description": "Newest first"})


class SigningKeySchema(ma.Schema):
    kid = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    rotated_at = ma.fields.DateTime(required=True, allow_none=True)
    retired_at = ma.fields.DateTime(required=True, allow_none=True)
    public_key_pem = ma.fields.String(required=True)


class SigningKeyListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SigningKeySchema), required=True)

