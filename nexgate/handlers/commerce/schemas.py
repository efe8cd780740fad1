"""The commerce area's request and response schemas (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.auth import identifiers
from ...domain.commerce import addresses, handles, products, shops, stock
from ...errors import NotFound
from ...money import MINOR_UNIT_DIGITS
from ...pagination import PageQuery, page_schema
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


class ShopNameSchema(ma.Schema):
    """A shop as a cart line or an order names it."""

    id = ma.fields.UUID(required=True)
    handle = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


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


# the catalogue

_PRICE = {"strict": True, "validate": ma.validate.Range(min=1, max=products.MAX_PRICE)}
_PRICE_DOC = "A positive integer of minor units of the shop's currency (TZS 25,000 is 2500000)"
_QUANTITY = {"strict": True, "validate": ma.validate.Range(min=2, max=stock.MAX_STOCK)}
_SKU_DOC = {"description": "Letters, digits, `.`, `_`, `-`, up to 64, starting with a letter or digit; unique in "
                           "the shop in any letter case", "example": "KITENGE-RED-M"}
_MEDIA_IDS_DOC = "Your own ready images or videos uploaded with purpose=product (POST /api/media), in order"


def _distinct(what: str):
    def check(values: list[str]) -> None:
        folded = [value.casefold() for value in values]
        if len(set(folded)) != len(folded):
            raise ma.ValidationError(f"Each {what} is named once (in any letter case).")
    return check


class AxisSchema(ma.Schema):
    name = Name(required=True, validate=ma.validate.Length(min=1, max=40), metadata={"example": "Size"})
    values = ma.fields.List(Name(validate=ma.validate.Length(min=1, max=40)), required=True,
                            validate=[ma.validate.Length(min=1, max=products.MAX_AXIS_VALUES), _distinct("value")],
                            metadata={"example": ["S", "M", "L"]})


def _axes(axes: list[dict]) -> None:
    _distinct("option")([axis["name"] for axis in axes])


_AXES = {"validate": [ma.validate.Length(max=products.MAX_AXES), _axes], "metadata": {
    "description": f"The option axes, in order (at most {products.MAX_AXES}, each with 1-{products.MAX_AXIS_VALUES} "
                   "values); [] for a product sold one way"}}
_SKU = {"validate": ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", error="Not a SKU: letters, digits, "
                                       "'.', '_' and '-', up to 64, starting with a letter or digit."),
        "metadata": _SKU_DOC}


class VariantIn(ma.Schema):
    sku = ma.fields.String(required=True, **_SKU)
    options = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), load_default=dict, metadata={
        "description": "One value of each of the product's axes: {\"Size\": \"M\"}; {} without axes"})
    price = ma.fields.Integer(required=True, **_PRICE, metadata={"description": _PRICE_DOC, "example": 2500000})
    stock = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=stock.MAX_STOCK),
                              metadata={"description": "The units on hand to start with"})
    media_ids = ma.fields.List(ma.fields.UUID(), load_default=list,
                               validate=ma.validate.Length(max=products.MAX_VARIANT_MEDIA),
                               metadata={"description": _MEDIA_IDS_DOC})


class _TierFields(ma.Schema):
    min_quantity = ma.fields.Integer(required=True, **_QUANTITY, metadata={"description": "From this many units (2 or more)"})
    max_quantity = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                     validate=ma.validate.Range(min=2, max=stock.MAX_STOCK), metadata={
        "description": "Up to this many units; null: no end"})
    unit_price = ma.fields.Integer(required=True, **_PRICE, metadata={"description": "Each unit's price: " + _PRICE_DOC})


class TierIn(_TierFields):
    sku = ma.fields.String(load_default=None, allow_none=True, metadata={
        "description": "The tier of the variant with this SKU; null: the product's, for each variant without tiers"})


class TierPutIn(_TierFields):
    variant_id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The tier of this variant; null: the product's, for each variant without tiers of its own"})


class ProductCreateSchema(ma.Schema):
    name = Name(required=True, validate=ma.validate.Length(min=1, max=120), metadata={"example": "Kitenge dress"})
    description = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=5000))
    category_id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "A category of GET /api/product-categories"})
    condition = ma.fields.String(load_default="new", validate=ma.validate.OneOf(products.CONDITIONS))
    state = ma.fields.String(load_default="draft", validate=ma.validate.OneOf(("draft", "active")), metadata={
        "description": "draft: seen by the shop's staff only; active: on sale"})
    options = ma.fields.List(ma.fields.Nested(AxisSchema), load_default=list, **_AXES)
    variants = ma.fields.List(ma.fields.Nested(VariantIn), required=True,
                              validate=ma.validate.Length(min=1, max=products.MAX_VARIANTS), metadata={
        "description": "One per combination of the axes' values sold; exactly one without axes"})
    media_ids = ma.fields.List(ma.fields.UUID(), load_default=list,
                               validate=ma.validate.Length(max=products.MAX_PRODUCT_MEDIA),
                               metadata={"description": _MEDIA_IDS_DOC})
    low_stock_threshold = ma.fields.Integer(load_default=5, strict=True, validate=ma.validate.Range(min=0, max=10000),
                                            metadata={"description": "A variant with at most this many available "
                                                                     "is low_stock"})
    price_tiers = ma.fields.List(ma.fields.Nested(TierIn), load_default=list, validate=ma.validate.Length(max=200),
                                 metadata={"description": "Quantity prices; tiers of one variant (or of the "
                                                          "product) never overlap"})


class ProductUpdateSchema(ma.Schema):
    """Only the fields sent change."""

    name = Name(validate=ma.validate.Length(min=1, max=120))
    description = Text(allow_none=True, validate=ma.validate.Length(max=5000))
    category_id = ma.fields.UUID(allow_none=True)
    condition = ma.fields.String(validate=ma.validate.OneOf(products.CONDITIONS))
    options = ma.fields.List(ma.fields.Nested(AxisSchema), **{**_AXES, "metadata": {
        "description": "The same axes in the same order; values may be added (those variants on sale use stay)"}})
    low_stock_threshold = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10000))
    media_ids = ma.fields.List(ma.fields.UUID(), validate=ma.validate.Length(max=products.MAX_PRODUCT_MEDIA),
                               metadata={"description": "The whole gallery: " + _MEDIA_IDS_DOC})


class ProductStateIn(ma.Schema):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(products.STATES), metadata={
        "description": "draft -> active or archived; active -> archived; archived -> active"})


class VariantUpdateSchema(ma.Schema):
    """Only the fields sent change."""

    sku = ma.fields.String(**_SKU)
    price = ma.fields.Integer(**_PRICE, metadata={"description": _PRICE_DOC})
    position = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10000))
    media_ids = ma.fields.List(ma.fields.UUID(), validate=ma.validate.Length(max=products.MAX_VARIANT_MEDIA),
                               metadata={"description": _MEDIA_IDS_DOC})


class TiersIn(ma.Schema):
    tiers = ma.fields.List(ma.fields.Nested(TierPutIn), required=True, validate=ma.validate.Length(max=200),
                           metadata={"description": "Every tier of the product and its variants ([] removes them all)"})


class StockAdjustIn(ma.Schema):
    delta = ma.fields.Integer(required=True, strict=True,
                              validate=ma.validate.Range(min=-stock.MAX_STOCK, max=stock.MAX_STOCK), metadata={
        "description": "Units added (positive) or taken away (negative)", "example": 12})
    reason = ma.fields.String(required=True, validate=ma.validate.OneOf(tuple(stock.SELLER_REASONS)), metadata={
        "description": "restock, returned: adding; damaged, lost: taking away; correction: either"})
    note = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=300))


class ProductListQuery(PageQuery):
    state = ma.fields.String(load_default=None, validate=ma.validate.OneOf(products.EVERY_STATE), metadata={
        "description": "The shop's staff: only this state (default: every state). Anyone else sees active ones"})


class CategoryIn(ma.Schema):
    slug = ma.fields.String(required=True, validate=ma.validate.Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+){0,10}$", error="Lower-case letters and digits, words joined by '-'."),
        metadata={"example": "maize-flour"})
    name = Name(required=True, validate=ma.validate.Length(min=1, max=80))
    name_sw = Name(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=80))
    parent_id = ma.fields.UUID(load_default=None, allow_none=True)
    position = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(min=0, max=10000))

    @ma.validates("slug")
    def _slug_length(self, value: str, **kwargs) -> None:
        if len(value) > 60:
            raise ma.ValidationError("At most 60 characters.")


class CategorySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    parent_id = ma.fields.UUID(required=True, allow_none=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    name_sw = ma.fields.String(required=True, allow_none=True, metadata={"description": "The Swahili name"})


class CategoryNodeSchema(CategorySchema):
    position = ma.fields.Integer(required=True)
    children = ma.fields.List(ma.fields.Nested(lambda: CategoryNodeSchema()), required=True)


class CategoryTreeSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CategoryNodeSchema), required=True, metadata={
        "description": "The top categories, each with its children, in their order"})


class TierSchema(ma.Schema):
    min_quantity = ma.fields.Integer(required=True)
    max_quantity = ma.fields.Integer(required=True, allow_none=True)
    unit_price = ma.fields.Integer(required=True)


class PriceRangeSchema(ma.Schema):
    min = ma.fields.Integer(required=True)
    max = ma.fields.Integer(required=True)


class VariantStockSchema(ma.Schema):
    on_hand = ma.fields.Integer(required=True)
    committed = ma.fields.Integer(required=True, metadata={"description": "Reserved or allocated to orders"})


_STOCK_STATUSES = ["in_stock", "low_stock", "out_of_stock"]


class ProductVariantSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    sku = ma.fields.String(required=True)
    options = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    price = ma.fields.Integer(required=True, metadata={"description": "Minor units of the product's currency"})
    price_tiers = ma.fields.List(ma.fields.Nested(TierSchema), required=True, metadata={
        "description": "The tiers that apply to it: its own, else the product's"})
    available = ma.fields.Integer(required=True, metadata={"description": "Units that can be bought now"})
    stock_status = ma.fields.String(required=True, metadata={"enum": _STOCK_STATUSES})
    stock = ma.fields.Nested(VariantStockSchema, required=True, allow_none=True, metadata={
        "description": "The shop's staff only (null for anyone else)"})
    media = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)
    position = ma.fields.Integer(required=True)


class ProductSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    shop = ma.fields.Nested(ShopCardSchema, required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True, allow_none=True)
    category = ma.fields.Nested(CategorySchema, required=True, allow_none=True)
    condition = ma.fields.String(required=True, metadata={"enum": list(products.CONDITIONS)})
    state = ma.fields.String(required=True, metadata={"enum": list(products.EVERY_STATE)})
    suspended_reason = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Why an operator suspended it (only its shop's staff see a suspended product); else null"})
    currency = ma.fields.String(required=True, metadata={"enum": list(CURRENCIES)})
    options = ma.fields.List(ma.fields.Nested(AxisSchema), required=True)
    low_stock_threshold = ma.fields.Integer(required=True)
    media = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)
    variants = ma.fields.List(ma.fields.Nested(ProductVariantSchema), required=True, metadata={
        "description": "The variants on sale, in their order"})
    price_tiers = ma.fields.List(ma.fields.Nested(TierSchema), required=True, metadata={
        "description": "The product's own tiers, for each variant without tiers of its own"})
    price_range = ma.fields.Nested(PriceRangeSchema, required=True, allow_none=True)
    available = ma.fields.Integer(required=True, metadata={"description": "Units available of all its variants"})
    stock_status = ma.fields.String(required=True, metadata={"enum": _STOCK_STATUSES})
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class ProductCardSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    shop_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    category_id = ma.fields.UUID(required=True, allow_none=True)
    condition = ma.fields.String(required=True, metadata={"enum": list(products.CONDITIONS)})
    state = ma.fields.String(required=True, metadata={"enum": list(products.EVERY_STATE)})
    currency = ma.fields.String(required=True)
    image = ma.fields.Nested(MediaSchema, required=True, allow_none=True, metadata={"description": "Its first media"})
    price_range = ma.fields.Nested(PriceRangeSchema, required=True, allow_none=True)
    available = ma.fields.Integer(required=True)
    stock_status = ma.fields.String(required=True, metadata={"enum": _STOCK_STATUSES})
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)


ProductCardPageSchema = page_schema(ProductCardSchema)


class StockLevelSchema(ma.Schema):
    variant_id = ma.fields.UUID(required=True)
    product_id = ma.fields.UUID(required=True)
    on_hand = ma.fields.Integer(required=True)
    committed = ma.fields.Integer(required=True)
    available = ma.fields.Integer(required=True)
    stock_status = ma.fields.String(required=True, metadata={"enum": _STOCK_STATUSES})


class MovementSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    on_hand_delta = ma.fields.Integer(required=True)
    committed_delta = ma.fields.Integer(required=True)
    on_hand_after = ma.fields.Integer(required=True)
    committed_after = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True, metadata={"enum": list(stock.REASONS)})
    note = ma.fields.String(required=True, allow_none=True)
    actor_id = ma.fields.UUID(required=True, allow_none=True)
    order_id = ma.fields.UUID(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)


MovementPageSchema = page_schema(MovementSchema)
PRODUCT_ID = PathId("product_id", lambda raw: products.not_found())
VARIANT_ID = PathId("variant_id", lambda raw: products.variant_not_found())
