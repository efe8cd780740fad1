"""Request and response schemas of the payments routes."""
from __future__ import annotations

import marshmallow as ma

from ...domain.payments import disbursements, methods, payments
from ...domain.payments.ledger import CURRENCIES
from ...pagination import PageQuery, page_schema
from ...validation import Name
from ..routing import PathId

METHOD_ID = PathId("method_id", lambda raw: methods.not_found())
PAYMENT_ID = PathId("payment_id", lambda raw: payments.not_found())
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


def _whole_number(value) -> None:
    if isinstance(value, bool):  # JSON true is no amount
        raise ma.ValidationError("Must be a positive whole number of minor units.")


class PaymentIn(ma.Schema):
    hold_id = ma.fields.UUID(required=True, metadata={
        "description": "The escrow hold it pays into (an order's, a ticket order's: the area that sold it gives it)"})
    amount = ma.fields.Integer(required=True, strict=True, validate=_whole_number, metadata={
        "description": "Integer minor units (KES and TZS cents: 150000 is 1,500 shillings), positive, at most "
                       "NEXGATE_PAYMENTS_MAX_MINOR and what the hold still expects", "example": 150000})
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(CURRENCIES), metadata={
        "description": "The hold's and the method's currency", "example": "KES"})
    method_id = ma.fields.UUID(load_default=None, metadata={
        "description": "One of your mobile money payment methods (or `checkout`)"})
    checkout = ma.fields.String(load_default=None, validate=ma.validate.OneOf(payments.CHECKOUTS), metadata={
        "description": "card: pay on Selcom's hosted card page instead of a prompt (TZS; no method needed)"})


class PaymentQuery(PageQuery):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(payments.STATUSES))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(payments.KINDS))


class PaymentFailureSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "The provider's code", "example": "1032"})
    message = ma.fields.String(required=True, metadata={"example": "Request cancelled by user"})


class PaymentSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "collection: money from you into a hold"})
    status = ma.fields.String(required=True, metadata={
        "description": "pending, succeeded, failed, expired or review", "example": "pending"})
    prompt = ma.fields.String(required=True, metadata={
        "description": "sent (the provider pushed it to your phone), unconfirmed (the provider did not answer in "
                       "time: it may have reached your phone), refused, or sending", "example": "sent"})
    message = ma.fields.String(required=True, metadata={"description": "What the state means, for the payer"})
    hold_id = ma.fields.UUID(required=True)
    channel = ma.fields.String(required=True, metadata={
        "description": "mobile_money (a prompt to the method's phone) or card_checkout (the provider's card page)"})
    method_id = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "null for a card checkout"})
    provider = ma.fields.String(required=True, metadata={"description": "daraja, selcom or tembo"})
    phone = ma.fields.String(required=True, allow_none=True, metadata={
        "example": "+254708374149", "description": "null for a card checkout"})
    checkout_url = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "A card checkout's page: open it in a browser; null for a prompt"})
    amount = ma.fields.Integer(required=True, metadata={"description": "Minor units", "example": 150000})
    currency = ma.fields.String(required=True, metadata={"example": "KES"})
    reference = ma.fields.String(required=True, metadata={"description": "Ours, as the provider shows it"})
    receipt = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The provider's receipt (an M-Pesa receipt number) once it succeeded"})
    failure = ma.fields.Nested(PaymentFailureSchema, required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    settled_at = ma.fields.DateTime(required=True, allow_none=True)


class StepSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"description": "The payment's status after this step"})
    step = ma.fields.String(required=True, metadata={
        "description": "created, prompt_sent, prompt_unconfirmed, checked, succeeded, failed, expired or flagged"})
    note = ma.fields.String(required=True)
    at = ma.fields.DateTime(required=True)


class PaymentDetailSchema(PaymentSchema):
    timeline = ma.fields.List(ma.fields.Nested(StepSchema), required=True, metadata={"description": "Oldest first"})


class TransactionSchema(PaymentSchema):
    """A payment you made, or a refund or payout sent to you (``kind``); fields that do not apply
    to its kind are null."""
    kind = ma.fields.String(required=True, metadata={
        "description": "collection: your payment into a hold; refund: a hold's money back to your number; "
                       "payout: your balance to your number"})
    prompt = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "A payment's prompt (as POST /api/payments answers); null for a refund or payout"})
    payment_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "The payment a refund goes back through; null otherwise"})
    fee = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "A refund's or payout's provider charge, minor units; null for a payment"})
    sent_amount = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "What reached the phone (amount - fee); null for a payment"})


PaymentPageSchema = page_schema(TransactionSchema)


DISBURSEMENT_ID = PathId("disbursement_id", lambda raw: disbursements.not_found())


class PayoutIn(ma.Schema):
    amount = ma.fields.Integer(required=True, strict=True, validate=_whole_number, metadata={
        "description": "Integer minor units taken from your balance, at least the currency's payout minimum; "
                       "the provider's fee comes out of it", "example": 1_000_000})
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(CURRENCIES), metadata={"example": "TZS"})
    method_id = ma.fields.UUID(required=True, metadata={
        "description": "One of your verified mobile money numbers, in that currency"})


class DisbursementQuery(PageQuery):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(disbursements.KINDS))
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(disbursements.STATUSES))


class DisbursementSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, metadata={
        "description": "refund: a hold's money back to the number that paid it; payout: your balance to your number"})
    status = ma.fields.String(required=True, metadata={"description": "pending, succeeded, failed or review"})
    message = ma.fields.String(required=True, metadata={"description": "What the state means, for the receiver"})
    hold_id = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "A refund's hold"})
    payment_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "The payment a refund goes back through"})
    method_id = ma.fields.UUID(required=True, allow_none=True, metadata={"description": "A payout's number"})
    provider = ma.fields.String(required=True, metadata={"description": "daraja, selcom or tembo"})
    phone = ma.fields.String(required=True, metadata={"example": "+255754321000"})
    amount = ma.fields.Integer(required=True, metadata={"description": "Minor units taken from the hold or balance"})
    fee = ma.fields.Integer(required=True, metadata={"description": "The provider's charge, minor units (payouts)"})
    sent_amount = ma.fields.Integer(required=True, metadata={"description": "What reaches the phone: amount - fee"})
    currency = ma.fields.String(required=True, metadata={"example": "TZS"})
    reference = ma.fields.String(required=True, metadata={"description": "Ours, as the provider shows it"})
    receipt = ma.fields.String(required=True, allow_none=True, metadata={"description": "The provider's, once paid"})
    failure = ma.fields.Nested(PaymentFailureSchema, required=True, allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    settled_at = ma.fields.DateTime(required=True, allow_none=True)


class DisbursementDetailSchema(DisbursementSchema):
    timeline = ma.fields.List(ma.fields.Nested(StepSchema), required=True, metadata={"description": "Oldest first"})


DisbursementPageSchema = page_schema(DisbursementSchema)


class ScheduleIn(ma.Schema):
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(CURRENCIES), metadata={"example": "TZS"})
    method_id = ma.fields.UUID(required=True, metadata={"description": "One of your verified numbers in that currency"})
    every = ma.fields.String(required=True, validate=ma.validate.OneOf(disbursements.SCHEDULES),
                             metadata={"example": "weekly"})
    starts_at = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "The first run (default: a day or a week from now)"})


class ScheduleSchema(ma.Schema):
    currency = ma.fields.String(required=True)
    method_id = ma.fields.UUID(required=True)
    every = ma.fields.String(required=True, metadata={"description": "daily or weekly"})
    next_run_at = ma.fields.DateTime(required=True)


class CurrencyQuery(ma.Schema):
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(CURRENCIES))


class BalanceSchema(ma.Schema):
    currency = ma.fields.String(required=True, metadata={"example": "TZS"})
    available = ma.fields.Integer(required=True, metadata={
        "description": "Minor units you may pay out now: what releases paid you, less payouts"})
    paying_out = ma.fields.Integer(required=True, metadata={"description": "Minor units on their way to your phone"})
    payout_minimum = ma.fields.Integer(required=True, metadata={"description": "The smallest payout, minor units"})
    schedule = ma.fields.Nested(ScheduleSchema, required=True, allow_none=True, metadata={
        "description": "Your standing order in this currency, if any"})


class BalanceListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BalanceSchema), required=True, metadata={
        "description": "One per currency you hold, were paid in or have a standing order in"})
