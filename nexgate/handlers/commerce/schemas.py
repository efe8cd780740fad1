"""The commerce area's request and response schemas (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.auth import identifiers
from ...domain.commerce import addresses, handles, shops
from ...errors import NotFound
from ...money import MINOR_UNIT_DIGITS
from ...pagination import page_schema
from ...validation import Name, Text
from ..media.schemas import MediaSchema
from ..routing import PathId
from ..users.schemas import TrustSchema

CURRENCIES = tuple(MINOR_UNIT_DIGITS)
MAX_FEE = 10**12  # minor units: far beyond any delivery fee, well inside a bigint
MAX_REGION_FEES = 50


def _handle(value: str) -> None:
    reason = handles.problem(value)
    if reason is not None:
        raise ma.ValidationError(reason)


def _contact_phone(value: str | None) -> None:
    if value is not None and value.strip() and shops.contact_phone_problem(value) is not None:
        raise ma.ValidationError(shops.contact_phone_problem(value))


def _email(value: str | None) -> None:
    if value is not None and value.strip() and (len(value.strip()) > 254 or not identifiers.EMAIL.match(value.strip())):
        raise ma.ValidationError("Not a valid email address.")


_MONEY = {"strict": True, "validate": ma.validate.Range(min=0, max=MAX_FEE)}
_FEE_DOC = "Integer minor units of the shop's currency (TZS 3,000 is 300000); 0 is free"


class LocationIn(ma.Schema):
    region = Name(allow_none=True, load_default=None, validate=ma.validate.Length(max=100),
                  metadata={"example": "Dar es Salaam"})
    city = Name(allow_none=True, load_default=None, validate=ma.validate.Length(max=100),
                metadata={"example": "Kariakoo"})


class ContactIn(ma.Schema):
    phone = ma.fields.String(allow_none=True, load_default=None, validate=_contact_phone, metadata={
        "description": "International form, +country code first", "example": "+255712345678"})
    email = ma.fields.String(allow_none=True, load_default=None, validate=_email,
                             metadata={"example": "duka@example.co.tz"})


class PickupIn(ma.Schema):
    note = Text(allow_none=True, load_default=None, validate=ma.validate.Length(max=300), metadata={
        "description": "Where and when to collect", "example": "Stall 12, Kariakoo market; 8:00-18:00"})


class RegionFeeIn(ma.Schema):
    region = Name(required=True, validate=ma.validate.Length(min=1, max=100), metadata={"example": "Arusha"})
    fee = ma.fields.Integer(required=True, **_MONEY, metadata={"description": _FEE_DOC, "example": 500000})


class DeliveryIn(ma.Schema):
    default_fee = ma.fields.Integer(allow_none=True, load_default=None, **_MONEY, metadata={
        "description": f"{_FEE_DOC}: to any region not in region_fees; null: only to those regions",
        "example": 300000})
    region_fees = ma.fields.List(ma.fields.Nested(RegionFeeIn), load_default=list,
                                 validate=ma.validate.Length(max=MAX_REGION_FEES), metadata={
        "description": "The fee to each region named (any letter case), each region once"})

    @ma.validates_schema
    def _rules(self, data: dict, **kwargs) -> None:
        seen: set[str] = set()
        for index, fee in enumerate(data.get("region_fees", [])):
            key = " ".join(fee["region"].split()).casefold()
            if key in seen:
                raise ma.ValidationError({index: {"region": ["This region is named twice."]}}, "region_fees")
            seen.add(key)
        if data.get("default_fee") is None and not data.get("region_fees"):
            raise ma.ValidationError("Give a default fee, or a fee for some region.", "default_fee")


_SHOP_FIELDS = {
    "name": lambda **kw: Name(validate=ma.validate.Length(min=1, max=80), metadata={"example": "Duka la Amina"}, **kw),
    "description": lambda **kw: Text(allow_none=True, validate=ma.validate.Length(max=2000), **kw),
    "logo_media_id": lambda **kw: ma.fields.UUID(allow_none=True, metadata={
        "description": "Your own ready image uploaded with purpose=avatar (POST /api/media); null clears it"}, **kw),
    "cover_media_id": lambda **kw: ma.fields.UUID(allow_none=True, metadata={
        "description": "Your own ready image uploaded with purpose=cover (POST /api/media); null clears it"}, **kw),
    "location": lambda **kw: ma.fields.Nested(LocationIn, allow_none=True, **kw),
    "contact": lambda **kw: ma.fields.Nested(ContactIn, allow_none=True, **kw),
    "currency": lambda **kw: ma.fields.String(validate=ma.validate.OneOf(CURRENCIES), metadata={
        "description": "The currency of the shop's fees and prices"}, **kw),
    "pickup": lambda **kw: ma.fields.Nested(PickupIn, allow_none=True, metadata={
        "description": "null: buyers cannot collect"}, **kw),
    "delivery": lambda **kw: ma.fields.Nested(DeliveryIn, allow_none=True, metadata={
        "description": "null: the shop does not deliver"}, **kw),
    "return_policy": lambda **kw: Text(allow_none=True, validate=ma.validate.Length(max=2000), **kw),
}
_HANDLE_DOC = {"description": f"{handles.HANDLE_RULE}; unique in any letter case; not a reserved word "
                              "(docs/commerce.md)", "example": "Duka_la_Amina"}


class ShopCreateSchema(ma.Schema):
    handle = ma.fields.String(required=True, validate=_handle, metadata=_HANDLE_DOC)
    name = _SHOP_FIELDS["name"](required=True)
    description = _SHOP_FIELDS["description"](load_default=None)
    logo_media_id = _SHOP_FIELDS["logo_media_id"](load_default=None)
    cover_media_id = _SHOP_FIELDS["cover_media_id"](load_default=None)
    location = _SHOP_FIELDS["location"](load_default=None)
    contact = _SHOP_FIELDS["contact"](load_default=None)
    currency = _SHOP_FIELDS["currency"](required=True)
    pickup = _SHOP_FIELDS["pickup"](load_default=None)
    delivery = _SHOP_FIELDS["delivery"](load_default=None)
    return_policy = _SHOP_FIELDS["return_policy"](load_default=None)


class ShopUpdateSchema(ma.Schema):
    """Only the fields sent change; an object sent replaces the whole of it."""

    handle = ma.fields.String(validate=_handle, metadata={**_HANDLE_DOC, "description": "Owner only. "
                                                          + _HANDLE_DOC["description"]})
    name = _SHOP_FIELDS["name"]()
    description = _SHOP_FIELDS["description"]()
    logo_media_id = _SHOP_FIELDS["logo_media_id"]()
    cover_media_id = _SHOP_FIELDS["cover_media_id"]()
    location = _SHOP_FIELDS["location"]()
    contact = _SHOP_FIELDS["contact"]()
    currency = _SHOP_FIELDS["currency"]()
    pickup = _SHOP_FIELDS["pickup"]()
    delivery = _SHOP_FIELDS["delivery"]()
    return_policy = _SHOP_FIELDS["return_policy"]()


class ShopStateIn(ma.Schema):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(shops.OWNER_STATES), metadata={
        "description": "open: taking orders; closed: shown, not taking orders"})


class OperatorReasonIn(ma.Schema):
    reason = Text(required=True, validate=ma.validate.Length(min=1, max=500), metadata={
        "example": "Counterfeit goods reported by three buyers"})


class LocationSchema(ma.Schema):
    region = ma.fields.String(required=True, allow_none=True)
    city = ma.fields.String(required=True, allow_none=True)


class ContactSchema(ma.Schema):
    phone = ma.fields.String(required=True, allow_none=True, metadata={"description": "E.164"})
    email = ma.fields.String(required=True, allow_none=True)


class PickupSchema(ma.Schema):
    note = ma.fields.String(required=True, allow_none=True)


class RegionFeeSchema(ma.Schema):
    region = ma.fields.String(required=True)
    fee = ma.fields.Integer(required=True, metadata={"description": "Minor units of the shop's currency"})


class ShopDeliverySchema(ma.Schema):
    default_fee = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "Minor units, to any region not listed; null: only to the regions listed"})
    region_fees = ma.fields.List(ma.fields.Nested(RegionFeeSchema), required=True)


class ShopOwnerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    avatar_media_id = ma.fields.UUID(required=True, allow_none=True)
    is_verified = ma.fields.Boolean(required=True, metadata={"description": "The users area's verified badge"})
    trust = ma.fields.Nested(TrustSchema, required=True)


class ShopCardSchema(ma.Schema):
    """A shop as lists show it."""

    id = ma.fields.UUID(required=True)
    handle = ma.fields.String(required=True, metadata={"description": "As typed; $handle names it in any case"})
    name = ma.fields.String(required=True)
    owner_id = ma.fields.UUID(required=True)
    logo_media_id = ma.fields.UUID(required=True, allow_none=True)
    location = ma.fields.Nested(LocationSchema, required=True)
    state = ma.fields.String(required=True, metadata={"enum": list(shops.STATES)})
    created_at = ma.fields.AwareDateTime(required=True)


class ShopSchema(ShopCardSchema):
    """A shop's page: the same for everyone who may see it."""

    description = ma.fields.String(required=True, allow_none=True)
    cover_media_id = ma.fields.UUID(required=True, allow_none=True)
    logo = ma.fields.Nested(MediaSchema, required=True, allow_none=True, metadata={
        "description": "The logo's image; null if none (or it was deleted)"})
    cover = ma.fields.Nested(MediaSchema, required=True, allow_none=True)
    contact = ma.fields.Nested(ContactSchema, required=True)
    currency = ma.fields.String(required=True, metadata={"enum": list(CURRENCIES)})
    pickup = ma.fields.Nested(PickupSchema, required=True, allow_none=True, metadata={
        "description": "null: buyers cannot collect"})
    delivery = ma.fields.Nested(ShopDeliverySchema, required=True, allow_none=True, metadata={
        "description": "null: the shop does not deliver"})
    return_policy = ma.fields.String(required=True, allow_none=True)
    suspended_reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Why an operator suspended it (only its staff see a suspended shop)"})
    state_changed_at = ma.fields.AwareDateTime(required=True)
    owner = ma.fields.Nested(ShopOwnerSchema, required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class StaffShopSchema(ShopCardSchema):
    role = ma.fields.String(required=True, metadata={"enum": ["owner", "manager"]})
    joined_at = ma.fields.AwareDateTime(required=True)


ShopCardPageSchema = page_schema(ShopCardSchema)
StaffShopPageSchema = page_schema(StaffShopSchema)


class StaffAddIn(ma.Schema):
    user_id = ma.fields.UUID(required=True, metadata={"description": "Who becomes a manager"})


class StaffMemberSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    avatar_media_id = ma.fields.UUID(required=True, allow_none=True)
    is_verified = ma.fields.Boolean(required=True)
    role = ma.fields.String(required=True, metadata={"enum": ["owner", "manager"]})
    added_by = ma.fields.UUID(required=True, allow_none=True)
    since = ma.fields.AwareDateTime(required=True)


class StaffListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StaffMemberSchema), required=True, metadata={
        "description": "The owner first, then the managers as they were added"})


# addresses

_ADDRESS_TEXT = {
    "label": (40, "Home"), "region": (100, "Arusha"), "district": (100, "Arumeru"), "ward": (100, "Usa River"),
    "street": (200, "Mbuguni Road"), "landmark": (200, "Opposite the Total petrol station"),
    "recipient_name": (80, "Amina Juma"),
}
_ADDRESS_REQUIRED = ("region", "district", "recipient_name")


def _address_text(name: str, **kw) -> Name:
    length, example = _ADDRESS_TEXT[name]
    minimum = 1 if name in _ADDRESS_REQUIRED else 0
    return Name(validate=ma.validate.Length(min=minimum, max=length), metadata={"example": example}, **kw)


class _AddressPhone:
    """The phone checked against the address's country when both are sent."""

    @ma.validates_schema(skip_on_field_errors=False)
    def _phone(self, data: dict, **kwargs) -> None:
        if data.get("phone") and data.get("country"):
            reason = addresses.phone_problem(data["phone"], data["country"])
            if reason is not None:
                raise ma.ValidationError(reason, "phone")


_COUNTRY_DOC = {"description": "ISO 3166 code: " + ", ".join(addresses.COUNTRIES), "example": "TZ"}
_PHONE_DOC = {"description": "The recipient's; E.164, or national in the address's country", "example": "+255712345678"}


class AddressIn(_AddressPhone, ma.Schema):
    label = _address_text("label", allow_none=True, load_default=None)
    country = ma.fields.String(required=True, validate=ma.validate.OneOf(addresses.COUNTRIES), metadata=_COUNTRY_DOC)
    region = _address_text("region", required=True)
    district = _address_text("district", required=True)
    ward = _address_text("ward", allow_none=True, load_default=None)
    street = _address_text("street", allow_none=True, load_default=None)
    landmark = _address_text("landmark", allow_none=True, load_default=None)
    recipient_name = _address_text("recipient_name", required=True)
    phone = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=30), metadata=_PHONE_DOC)
    is_default = ma.fields.Boolean(load_default=False, metadata={
        "description": "Make it your default (your first address is, whatever this says)"})


class AddressUpdate(_AddressPhone, ma.Schema):
    """Only the fields sent change; null clears an optional one."""

    label = _address_text("label", allow_none=True)
    country = ma.fields.String(validate=ma.validate.OneOf(addresses.COUNTRIES), metadata=_COUNTRY_DOC)
    region = _address_text("region")
    district = _address_text("district")
    ward = _address_text("ward", allow_none=True)
    street = _address_text("street", allow_none=True)
    landmark = _address_text("landmark", allow_none=True)
    recipient_name = _address_text("recipient_name")
    phone = ma.fields.String(validate=ma.validate.Length(min=1, max=30), metadata=_PHONE_DOC)
    is_default = ma.fields.Boolean(metadata={"description": "true: make it your default (false is refused on the "
                                                             "default: make another the default instead)"})


class AddressSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    label = ma.fields.String(required=True, allow_none=True)
    country = ma.fields.String(required=True)
    region = ma.fields.String(required=True)
    district = ma.fields.String(required=True)
    ward = ma.fields.String(required=True, allow_none=True)
    street = ma.fields.String(required=True, allow_none=True)
    landmark = ma.fields.String(required=True, allow_none=True)
    recipient_name = ma.fields.String(required=True)
    phone = ma.fields.String(required=True, metadata={"description": "E.164"})
    is_default = ma.fields.Boolean(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class AddressListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AddressSchema), required=True, metadata={
        "description": "The default first, then the newest"})


SHOP_ID = PathId("shop_id", lambda raw: shops.not_found())
ADDRESS_ID = PathId("address_id", lambda raw: addresses.not_found())
MEMBER_ID = PathId("user_id", lambda raw: NotFound("No such manager of this shop", code="staff_not_found"))
OWNER_ID = PathId("user_id", lambda raw: NotFound("No such user", code="user_not_found"))
