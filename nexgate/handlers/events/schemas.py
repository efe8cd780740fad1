"""The events area's request and response schemas (they are the OpenAPI document too)."""
from __future__ import annotations

from urllib.parse import urlsplit

import marshmallow as ma

from ...domain.events import access, completeness, drafts, pages
from ...errors import NotFound
from ...money import MINOR_UNIT_DIGITS
from ...pagination import PageQuery, page_schema
from ...validation import Name, Text
from ..media.schemas import MediaSchema
from ..routing import PathId

CURRENCIES = tuple(MINOR_UNIT_DIGITS)
EVENT_ID = PathId("event_id", lambda raw: NotFound("No such event", code="event_not_found"))
TICKET_TYPE_ID = PathId("ticket_type_id", lambda raw: drafts.ticket_type_not_found())
ORGANIZER_ID = PathId("user_id", lambda raw: NotFound("No such user", code="user_not_found"))
_WHEN = ("An instant (RFC 3339). Without an offset it is read in the event's time zone "
         "(2026-12-24T18:00:00 in Africa/Nairobi is 15:00Z)")


def _https(value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ma.ValidationError("A streaming link is an https:// address.")


def _time_zone(value: str | None) -> None:
    if value is not None and drafts.time_zone_problem(value):
        raise ma.ValidationError(drafts.time_zone_problem(value))


# steps

class EventBasicsIn(ma.Schema):
    title = Name(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=140),
                 metadata={"example": "Sauti za Busara 2027"})
    description = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=10000))
    category_id = ma.fields.UUID(load_default=None, allow_none=True,
                                 metadata={"description": "One of GET /api/events/categories"})
    cover_media_id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "Your own ready image, uploaded with purpose event"})


class EventDayIn(ma.Schema):
    starts_at = ma.fields.DateTime(required=True, metadata={"description": _WHEN})
    ends_at = ma.fields.DateTime(required=True, metadata={"description": _WHEN})
    doors_open_minutes = ma.fields.Integer(load_default=60, validate=ma.validate.Range(min=0, max=1440), metadata={
        "description": "Check-in opens this many minutes before the day starts"})
    title = Name(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=140),
                 metadata={"example": "Day 1: workshops"})


class EventScheduleIn(ma.Schema):
    time_zone = ma.fields.String(load_default=drafts.DEFAULT_TIME_ZONE, validate=_time_zone, metadata={
        "description": "An IANA time zone name", "example": "Africa/Dar_es_Salaam"})
    days = ma.fields.List(ma.fields.Nested(EventDayIn), load_default=list,
                          validate=ma.validate.Length(max=drafts.MAX_DAYS), metadata={
        "description": "In time order, not overlapping: one for a one-time event, several for a multi-day one"})


class VenueAddressIn(ma.Schema):
    line1 = Name(required=True, validate=ma.validate.Length(min=1, max=200), metadata={"example": "Ali Hassan Mwinyi Rd"})
    line2 = Name(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    city = Name(required=True, validate=ma.validate.Length(min=1, max=100), metadata={"example": "Dar es Salaam"})
    region = Name(load_default=None, allow_none=True, validate=ma.validate.Length(max=100))
    country = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Z]{2}$", error="An ISO 3166-1 "
                               "alpha-2 code, such as TZ."), metadata={"example": "TZ"})


class EventPlaceIn(ma.Schema):
    format = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(("in_person", "online")))
    venue_name = Name(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=140))
    venue_address = ma.fields.Nested(VenueAddressIn, load_default=None, allow_none=True)
    latitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    streaming_url = ma.fields.String(load_default=None, allow_none=True,
                                     validate=[ma.validate.Length(max=2000), _https], metadata={
        "description": "Online events: shown only to ticket holders", "example": "https://meet.example.com/abc"})


class _TicketTypeFields(ma.Schema):
    description = Text(allow_none=True, validate=ma.validate.Length(max=1000))
    price = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=drafts.MAX_PRICE), metadata={
        "description": "Integer minor units of the event's currency; 0 for a free ticket"})
    quantity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=1_000_000))
    per_order_limit = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=100))
    sales_start_at = ma.fields.DateTime(allow_none=True, metadata={"description": "null: on sale at once"})
    sales_end_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "null: until the last day it admits ends (an early bird closes here or when sold out)"})
    days = ma.fields.List(ma.fields.Integer(strict=True), validate=ma.validate.Length(min=1, max=drafts.MAX_DAYS),
                          metadata={"description": "The day numbers it admits; absent: every day"})
    visibility = ma.fields.String(validate=ma.validate.OneOf(("public", "hidden")), metadata={
        "description": "hidden: not listed, sold to whoever is given its id"})


class TicketTypeIn(_TicketTypeFields):
    name = Name(required=True, validate=ma.validate.Length(min=1, max=80), metadata={"example": "Regular"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(drafts.TICKET_KINDS))
    quantity = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=1, max=1_000_000))


class TicketTypeInList(TicketTypeIn):
    id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "One of the event's ticket types, to change it; absent: a new one"})


class TicketTypeUpdateIn(_TicketTypeFields):
    name = Name(validate=ma.validate.Length(min=1, max=80))
    kind = ma.fields.String(validate=ma.validate.OneOf(drafts.TICKET_KINDS))


class EventTicketsIn(ma.Schema):
    currency = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.OneOf(CURRENCIES))
    ticket_types = ma.fields.List(ma.fields.Nested(TicketTypeInList), load_default=list, metadata={
        "description": "The whole list: one with its id is changed, one without added, one left out removed"})


# answers

class EventCategorySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    name_sw = ma.fields.String(required=True, allow_none=True)


class EventCategoriesSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventCategorySchema), required=True)


class OrganizerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True, allow_none=True)
    display_name = ma.fields.String(required=True, allow_none=True)
    avatar_media_id = ma.fields.UUID(required=True, allow_none=True)
    is_verified = ma.fields.Boolean(required=True)


class LocalTimesSchema(ma.Schema):
    starts_at = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "In the event's time zone, with its offset"})
    ends_at = ma.fields.String(required=True, allow_none=True)


class DayLocalSchema(LocalTimesSchema):
    doors_open_at = ma.fields.String(required=True)


class EventDaySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    number = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True, allow_none=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    doors_open_at = ma.fields.AwareDateTime(required=True)
    doors_open_minutes = ma.fields.Integer(required=True)
    local = ma.fields.Nested(DayLocalSchema, required=True)


class VenueAddressSchema(ma.Schema):
    line1 = ma.fields.String(required=True)
    line2 = ma.fields.String(required=True, allow_none=True)
    city = ma.fields.String(required=True)
    region = ma.fields.String(required=True, allow_none=True)
    country = ma.fields.String(required=True)


class VenueSchema(ma.Schema):
    name = ma.fields.String(required=True, allow_none=True)
    address = ma.fields.Nested(VenueAddressSchema, required=True, allow_none=True)
    latitude = ma.fields.Float(required=True, allow_none=True)
    longitude = ma.fields.Float(required=True, allow_none=True)


class TicketTypeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True, allow_none=True)
    kind = ma.fields.String(required=True, metadata={"enum": list(drafts.TICKET_KINDS)})
    price = ma.fields.Integer(required=True)
    currency = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    committed = ma.fields.Integer(required=True, metadata={"description": "Sold, or reserved by unpaid orders"})
    available = ma.fields.Integer(required=True)
    per_order_limit = ma.fields.Integer(required=True)
    sales_start_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    sales_end_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    sales_state = ma.fields.String(required=True, metadata={"enum": ["scheduled", "on_sale", "sold_out", "ended"]})
    visibility = ma.fields.String(required=True, metadata={"enum": ["public", "hidden"]})
    position = ma.fields.Integer(required=True)
    day_ids = ma.fields.List(ma.fields.UUID(), required=True)
    days = ma.fields.List(ma.fields.Integer(), required=True, metadata={"description": "The day numbers it admits"})


class DraftStepSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"enum": list(completeness.STEPS)})
    saved = ma.fields.Boolean(required=True)
    missing = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "The fields this step still misses or has wrong"})


class DraftProgressSchema(ma.Schema):
    steps = ma.fields.List(ma.fields.Nested(DraftStepSchema), required=True)
    ready = ma.fields.Boolean(required=True, metadata={"description": "Nothing is missing (but time: publish "
                                                                       "also refuses a day that has begun)"})
    problems = ma.fields.Dict(required=True, metadata={
        "description": "What publish would answer in details.fields"})


class EventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True, metadata={"enum": list(pages.OWN_STATES)})
    organizer = ma.fields.Nested(OrganizerSchema, required=True)
    title = ma.fields.String(required=True, allow_none=True)
    description = ma.fields.String(required=True, allow_none=True)
    category = ma.fields.Nested(EventCategorySchema, required=True, allow_none=True)
    category_id = ma.fields.UUID(required=True, allow_none=True)
    cover_media_id = ma.fields.UUID(required=True, allow_none=True)
    cover = ma.fields.Nested(MediaSchema, required=True, allow_none=True)
    format = ma.fields.String(required=True, allow_none=True, metadata={"enum": ["in_person", "online"]})
    time_zone = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": ["one_time", "multi_day"]})
    starts_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    ends_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    local = ma.fields.Nested(LocalTimesSchema, required=True)
    days = ma.fields.List(ma.fields.Nested(EventDaySchema), required=True)
    venue = ma.fields.Nested(VenueSchema, required=True, allow_none=True)
    has_streaming_link = ma.fields.Boolean(required=True)
    streaming_url = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Only to the organizer, the event's staff and holders of a valid ticket"})
    currency = ma.fields.String(required=True)
    ticket_types = ma.fields.List(ma.fields.Nested(TicketTypeSchema), required=True, metadata={
        "description": "Hidden ones only to the organizer and staff"})
    viewer_role = ma.fields.String(required=True, allow_none=True, metadata={
        "enum": [access.ORGANIZER, "manager", "scanner"]})
    draft = ma.fields.Nested(DraftProgressSchema, required=True, allow_none=True, metadata={
        "description": "To the organizer and staff: each step and what it misses"})
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    cancelled_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    cancel_reason = ma.fields.String(required=True, allow_none=True)
    completed_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class EventCardSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True, metadata={"enum": list(pages.OWN_STATES)})
    title = ma.fields.String(required=True, allow_none=True)
    organizer = ma.fields.Nested(OrganizerSchema, required=True)
    category = ma.fields.Nested(EventCategorySchema, required=True, allow_none=True)
    cover = ma.fields.Nested(MediaSchema, required=True, allow_none=True)
    format = ma.fields.String(required=True, allow_none=True)
    time_zone = ma.fields.String(required=True)
    starts_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    ends_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    local = ma.fields.Nested(LocalTimesSchema, required=True)
    days = ma.fields.Integer(required=True, metadata={"description": "How many days it has"})
    venue_name = ma.fields.String(required=True, allow_none=True)
    city = ma.fields.String(required=True, allow_none=True)
    region = ma.fields.String(required=True, allow_none=True)
    country = ma.fields.String(required=True, allow_none=True)
    currency = ma.fields.String(required=True)
    price_from = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "The lowest price of its public ticket types"})


EventCardPageSchema = page_schema(EventCardSchema)


class OwnEventsQuery(PageQuery):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(pages.OWN_STATES))


class EventSearchQuery(PageQuery):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200), metadata={
        "description": "Words of the title, venue, town or description (each a prefix); absent: every event",
        "example": "jazz"})
    from_at = ma.fields.AwareDateTime(data_key="from", load_default=None, metadata={
        "description": "Events still on after this instant (default now)"})
    to_at = ma.fields.AwareDateTime(data_key="to", load_default=None, metadata={
        "description": "Events starting before this instant"})
    city = Name(load_default=None, validate=ma.validate.Length(max=100), metadata={"example": "Arusha"})
    region = Name(load_default=None, validate=ma.validate.Length(max=100))
    country = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[A-Z]{2}$"), metadata={
        "example": "TZ"})
    lat = ma.fields.Float(load_default=None, validate=ma.validate.Range(min=-90, max=90))
    lng = ma.fields.Float(load_default=None, validate=ma.validate.Range(min=-180, max=180))
    radius_km = ma.fields.Float(load_default=None, validate=ma.validate.Range(min=0.1, max=500), metadata={
        "description": "Around lat, lng (default 25)"})
    category = ma.fields.String(load_default=None, validate=ma.validate.Length(max=60), metadata={
        "description": "A category's slug or id", "example": "music"})
    free = ma.fields.Boolean(load_default=False, metadata={"description": "Only events with a free ticket type"})
    max_price = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=0, max=drafts.MAX_PRICE),
                                  metadata={"description": "A ticket type at most this price (needs currency)"})
    currency = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CURRENCIES))
    format = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("in_person", "online")))
