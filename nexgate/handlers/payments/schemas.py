"""Request and response schemas of the payments routes."""
from __future__ import annotations

import marshmallow as ma

from ...domain.payments import methods
from ...validation import Name
from ..routing import PathId

METHOD_ID = PathId("method_id", lambda raw: methods.not_found())
_LABEL = {"description": "Your own name for it, shown in your list (1-40 characters); null clears it",
          "example": "Biashara"}


class MobileMoneyIn(ma.Schema):
    phone = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32), metadata={
        "description": "A Kenyan (Safaricom M-Pesa) or Tanzanian (Vodacom M-Pesa, Mixx by Yas, Airtel Money, "
                       "HaloPesa) mobile number: +country code, or national for NEXGATE_PHONE_REGION",
        "example": "+255754123456"})
    label = Name(allow_none=True, load_default=None, validate=ma.validate.Length(min=1, max=40), metadata=_LABEL)


class MethodUpdate(ma.Schema):
    """Only the fields sent change."""

    is_default = ma.fields.Boolean(validate=ma.validate.Equal(True, error="Make another method the default instead."),
                                   metadata={"description": "true: this method becomes your default (the only one)"})
    label = Name(allow_none=True, validate=ma.validate.Length(min=1, max=40), metadata=_LABEL)


class CardSchema(ma.Schema):
    brand = ma.fields.String(required=True, metadata={"example": "VISA"})
    last4 = ma.fields.String(required=True, metadata={"example": "4242"})


class MethodSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "mobile_money or card", "example": "mobile_money"})
    phone = ma.fields.String(required=True, allow_none=True, metadata={"description": "E.164; null for a card",
                                                                         "example": "+255754123456"})
    operator = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "safaricom, vodacom, tigo, airtel or halotel; null for a card", "example": "vodacom"})
    channel = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The wallet: M-Pesa, Mixx by Yas, Airtel Money or HaloPesa; null for a card",
        "example": "M-Pesa"})
    provider = ma.fields.String(required=True, metadata={
        "description": "Who collects payments from it: daraja, selcom or tembo", "example": "selcom"})
    country = ma.fields.String(required=True, metadata={"example": "TZ"})
    currency = ma.fields.String(required=True, metadata={"description": "The only currency it pays in",
                                                         "example": "TZS"})
    card = ma.fields.Nested(CardSchema, required=True, allow_none=True, metadata={"description": "null unless a card"})
    label = ma.fields.String(required=True, allow_none=True)
    is_default = ma.fields.Boolean(required=True)
    verified = ma.fields.Boolean(required=True)
    verified_at = ma.fields.DateTime(required=True, allow_none=True)
    verified_by = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "sms_code, payment (a first successful payment) or checkout (a card); null until verified"})
    created_at = ma.fields.DateTime(required=True)


class MethodListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MethodSchema), required=True, metadata={
        "description": f"Every live method, the default first, then the newest (at most {methods.MAX_METHODS})"})


class MethodCodeSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=16), metadata={
        "description": "The 6 digits texted to the method's number (spaces and dashes are ignored)",
        "example": "204816"})

