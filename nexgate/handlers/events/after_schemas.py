"""The schemas of an event's life after it is on sale: cancellation, attendees, analytics,
reviews of the organizer and the operators' settlement routes (the OpenAPI document is
generated from them)."""
from __future__ import annotations

import marshmallow as ma

from ...pagination import PageQuery, page_schema
from ...validation import Text
from ..users.schemas import UserCardSchema

TICKET_STATES = ("valid", "cancelled", "transferred")


class CancelIn(ma.Schema):
    reason = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=500), metadata={
        "description": "Told to every ticket holder"})


class CancelledSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True, metadata={"description": "cancelled"})
    cancelled_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(required=True, allow_none=True)
    settlement = ma.fields.String(required=True, metadata={
        "description": "none while the paid orders are being refunded (by the events_timeline worker, in batches), "
                       "refunded once every one is"})
    tickets_revoked = ma.fields.Integer(required=True, metadata={"description": "0 on a repeated cancellation"})
    orders_cancelled = ma.fields.Integer(required=True, metadata={
        "description": "Unpaid orders cancelled, their tickets given back (0 on a repeated cancellation)"})


class AttendeesQuery(PageQuery):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100), metadata={
        "description": "Part of the holder's username or name, or of the ticket's code (any letter case)"})
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(TICKET_STATES), metadata={
        "description": "Only tickets of this state"})


class AttendeesCsvQuery(ma.Schema):
    q = AttendeesQuery._declared_fields["q"]
    state = AttendeesQuery._declared_fields["state"]


class _TicketTypeRef(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)


class _Holder(ma.Schema):
    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)


class _DayCheckin(ma.Schema):
    day_id = ma.fields.UUID(required=True)
    number = ma.fields.Integer(required=True)
    checked_in = ma.fields.Boolean(required=True)
    checked_in_at = ma.fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "When the device scanned it (an offline scanner's clock)"})
    gate = ma.fields.String(required=True, allow_none=True)
    method = ma.fields.String(required=True, allow_none=True, metadata={"description": "app, scanner, manual, kiosk"})


class AttendeeSchema(ma.Schema):
    """One ticket of the event, with its holder and its check-in on each day its type admits."""

    ticket_id = ma.fields.UUID(required=True)
    code = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "valid, cancelled or transferred"})
    price = ma.fields.Integer(required=True, metadata={"description": "Integer minor units of the event's currency"})
    issued_at = ma.fields.AwareDateTime(required=True)
    order_id = ma.fields.UUID(required=True)
    ticket_type = ma.fields.Nested(_TicketTypeRef, required=True)
    holder = ma.fields.Nested(_Holder, required=True)
    days = ma.fields.List(ma.fields.Nested(_DayCheckin), required=True)


AttendeePageSchema = page_schema(AttendeeSchema)


class _ViewsDay(ma.Schema):
    day = ma.fields.Date(required=True)
    viewers = ma.fields.Integer(required=True)


class _Views(ma.Schema):
    unique_viewers = ma.fields.Integer(required=True, metadata={"description": "Distinct viewers over all days"})
    per_day = ma.fields.List(ma.fields.Nested(_ViewsDay), required=True)


class _TypeSales(ma.Schema):
    ticket_type_id = ma.fields.UUID(required=True)
    ticket_type_name = ma.fields.String(required=True)
    tickets = ma.fields.Integer(required=True)
    revenue = ma.fields.Integer(required=True, metadata={"description": "Integer minor units"})


class _DaySales(_TypeSales):
    day = ma.fields.Date(required=True, metadata={"description": "In the event's time zone"})


class _Sales(ma.Schema):
    tickets = ma.fields.Integer(required=True)
    revenue = ma.fields.Integer(required=True)
    per_ticket_type = ma.fields.List(ma.fields.Nested(_TypeSales), required=True)
    per_day = ma.fields.List(ma.fields.Nested(_DaySales), required=True, metadata={
        "description": "Per day and ticket type"})


class _HourCheckins(ma.Schema):
    day_id = ma.fields.UUID(required=True)
    number = ma.fields.Integer(required=True, metadata={"description": "The event's day"})
    hour = ma.fields.Integer(required=True, metadata={"description": "0 to 23, in the event's time zone"})
    checkins = ma.fields.Integer(required=True)


class _Checkins(ma.Schema):
    total = ma.fields.Integer(required=True)
    per_hour = ma.fields.List(ma.fields.Nested(_HourCheckins), required=True)


class _Conversion(ma.Schema):
    viewers = ma.fields.Integer(required=True)
    buyers = ma.fields.Integer(required=True, metadata={"description": "Distinct buyers of tickets still counted"})
    basis_points = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "buyers * 10000 // viewers (null without viewers)"})


class AnalyticsSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    time_zone = ma.fields.String(required=True)
    currency = ma.fields.String(required=True)
    views = ma.fields.Nested(_Views, required=True)
    sales = ma.fields.Nested(_Sales, required=True)
    checkins = ma.fields.Nested(_Checkins, required=True)
    conversion = ma.fields.Nested(_Conversion, required=True)


class EventReviewIn(ma.Schema):
    rating = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=5))
    text = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=2000))


class EventReviewSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    event_title = ma.fields.String(required=True, allow_none=True)
    organizer_id = ma.fields.UUID(required=True)
    rating = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    reviewer = ma.fields.Nested(UserCardSchema, required=True)


EventReviewPageSchema = page_schema(EventReviewSchema)


class OrganizerRatingSchema(ma.Schema):
    organizer_id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True, metadata={"description": "Reviews of the organizer"})
    sum = ma.fields.Integer(required=True, metadata={"description": "Their ratings' sum: the average is sum / count"})
    average = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "sum / count to two decimals; null without reviews"})


class SettlementsQuery(PageQuery):
    settlement = ma.fields.String(load_default="held", validate=ma.validate.OneOf(("held", "waiting")))


class SettlementSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True, attribute="id")
    organizer_id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True)
    title = ma.fields.String(required=True, allow_none=True)
    currency = ma.fields.String(required=True)
    ends_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    completed_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    settlement = ma.fields.String(required=True)
    settle_after = ma.fields.AwareDateTime(required=True, allow_none=True)
    window_review_count = ma.fields.Integer(required=True)
    window_rating_sum = ma.fields.Integer(required=True)
    paid_total = ma.fields.Integer(required=True, metadata={
        "description": "What the paid orders' total came to (integer minor units)"})


SettlementPageSchema = page_schema(SettlementSchema)


class DecisionIn(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("release", "refund")), metadata={
        "description": "release: to the organizer, net of the fee; refund: every paid order back to its buyer"})
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=500))


class DecidedSchema(ma.Schema):
    event_id = ma.fields.UUID(required=True)
    settlement = ma.fields.String(required=True)
    amount = ma.fields.Integer(required=True, metadata={"description": "Released or refunded, minor units"})
    currency = ma.fields.String(required=True)
