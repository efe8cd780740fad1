"""The schemas of commerce's discovery routes: search, the wishlist, contacting a seller and
reviews (the OpenAPI document is generated from them)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.commerce import reviews, search
from ...pagination import PageQuery, page_schema
from ...domain.messages.sending import MAX_TEXT
from ...validation import Name, Text
from ..media.schemas import MediaSchema
from ..messages.schemas import ConversationSchema, MessageSchema
from ..users.schemas import UserCardSchema
from .schemas import CURRENCIES, LocationSchema, ShopCardSchema

MAX_PRICE = 10**12

_PRICE = {"allow_none": True, "load_default": None, "validate": ma.validate.Range(min=0, max=MAX_PRICE)}


class ProductSearchQuery(PageQuery):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=search.MAX_QUERY), metadata={
        "description": "Words to find in the product's name, its shop's name and handle, its category and its "
                       "description; each word matches as a prefix, misspellings from three letters when nothing "
                       "matches exactly. Without it: every product the filters keep"})
    sort = ma.fields.String(load_default=None, validate=ma.validate.OneOf(search.SORTS), metadata={
        "description": "relevance (the default with q), newest (the default without), price_asc, price_desc "
                       "(the product's lowest variant price), rating (average, then number of reviews)"})
    category = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=60), metadata={
        "description": "A category's id or slug: the products of it and of every category under it"})
    shop = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=40), metadata={
        "description": "A shop's id or $handle"})
    condition = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("new", "used")))
    currency = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CURRENCIES), metadata={
        "description": "Only products priced in it; required with a price range"})
    min_price = ma.fields.Integer(**_PRICE, metadata={"description": "Integer minor units: the lowest price at least"})
    max_price = ma.fields.Integer(**_PRICE, metadata={"description": "Integer minor units: the lowest price at most"})
    in_stock = ma.fields.Boolean(load_default=False, metadata={"description": "Only products with units available"})
    region = Name(load_default=None, validate=ma.validate.Length(min=1, max=100), metadata={
        "description": "The shop's region, any letter case", "example": "Dar es Salaam"})
    city = Name(load_default=None, validate=ma.validate.Length(min=1, max=100), metadata={
        "description": "The shop's city, any letter case", "example": "Kariakoo"})


class ShopSearchQuery(PageQuery):
    q = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=search.MAX_SHOP_QUERY), metadata={
        "description": "Part of a handle ($ optional) or a name: prefixes, and from three letters similar ones"})


class FoundPriceSchema(ma.Schema):
    amount = ma.fields.Integer(required=True, metadata={"description": "Integer minor units of currency"})
    currency = ma.fields.String(required=True)


class RatingSummarySchema(ma.Schema):
    average = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "1 to 5, to two decimals; null without reviews"})
    count = ma.fields.Integer(required=True)


class FoundShopSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    handle = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    logo_media_id = ma.fields.UUID(required=True, allow_none=True)
    location = ma.fields.Nested(LocationSchema, required=True)


class FoundProductSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    category_id = ma.fields.UUID(required=True, allow_none=True)
    condition = ma.fields.String(required=True, metadata={"enum": ["new", "used"]})
    price = ma.fields.Nested(FoundPriceSchema, required=True, allow_none=True, metadata={
        "description": "The lowest price of its variants (\"from\"); null (on the wishlist only) when none is on sale"})
    in_stock = ma.fields.Boolean(required=True)
    image = ma.fields.Nested(MediaSchema, required=True, allow_none=True, metadata={"description": "Its first image"})
    rating = ma.fields.Nested(RatingSummarySchema, required=True)
    shop = ma.fields.Nested(FoundShopSchema, required=True)
    listed_at = ma.fields.AwareDateTime(required=True)


FoundProductPageSchema = page_schema(FoundProductSchema)
FoundShopPageSchema = page_schema(ShopCardSchema, name="FoundShopPageSchema")


class WishlistSaveIn(ma.Schema):
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The variant wanted (a size, a colour): its price and stock are what you are told of"})


class SavedProductSchema(FoundProductSchema):
    state = ma.fields.String(required=True, metadata={"enum": ["active", "archived"], "description":
                                                      "archived: no longer sold"})


class SavedSchema(ma.Schema):
    product = ma.fields.Nested(SavedProductSchema, required=True, metadata={
        "description": "As now; in_stock is the saved variant's when one is named"})
    variant_id = ma.fields.UUID(required=True, allow_none=True)
    variant_price = ma.fields.Nested(FoundPriceSchema, required=True, allow_none=True, metadata={
        "description": "The saved variant's price now; null when none is named"})
    saved_at = ma.fields.AwareDateTime(required=True)


SavedPageSchema = page_schema(SavedSchema)


class ContactIn(ma.Schema):
    text = Text(load_default=None, allow_none=True, validate=ma.validate.Length(max=MAX_TEXT), metadata={
        "description": "Your message; without it: \"Hi, I'm interested in {name}. Is this still available?\""})
    client_id = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(1, 64), metadata={
        "description": "Your own id for this message: sending again with it answers 200 with the stored message"})


class ContactSchema(ma.Schema):
    conversation = ma.fields.Nested(ConversationSchema, required=True, metadata={
        "description": "Your one-to-one conversation with the shop's owner"})
    message = ma.fields.Nested(MessageSchema, required=True, metadata={
        "description": "The product message sent (type product, with its banner)"})
    conversation_created = ma.fields.Boolean(required=True, metadata={
        "description": "false: you had a conversation with the seller already, and it is reused"})


# reviews

_REVIEW_TEXT = {"validate": ma.validate.Length(min=1, max=2000)}
_PHOTOS = {"validate": ma.validate.Length(max=reviews.MAX_PHOTOS), "metadata": {
    "description": "Your photos, uploaded first with POST /api/media?purpose=product (images)"}}


class ReviewIn(ma.Schema):
    order_id = ma.fields.UUID(required=True, metadata={"description": "Your completed order that bought it"})
    rating = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=5))
    text = Text(load_default=None, allow_none=True, **_REVIEW_TEXT)
    media_ids = ma.fields.List(ma.fields.UUID(), load_default=list, **_PHOTOS)


class ReviewUpdateSchema(ma.Schema):
    """Only what is sent changes."""

    rating = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=5))
    text = Text(allow_none=True, **_REVIEW_TEXT)
    media_ids = ma.fields.List(ma.fields.UUID(), **_PHOTOS)


class ReplyIn(ma.Schema):
    text = Text(required=True, **_REVIEW_TEXT)


class ReviewsQuery(PageQuery):
    sort = ma.fields.String(load_default="newest", validate=ma.validate.OneOf(reviews.SORTS), metadata={
        "description": "newest (the default), highest or lowest rating first (then newest)"})


class ReviewReplySchema(ma.Schema):
    text = ma.fields.String(required=True)
    replied_at = ma.fields.AwareDateTime(required=True)


class ReviewSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    product_id = ma.fields.UUID(required=True)
    shop_id = ma.fields.UUID(required=True)
    order_id = ma.fields.UUID(required=True)
    author = ma.fields.Nested(UserCardSchema, required=True)
    rating = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True, allow_none=True)
    photos = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)
    reply = ma.fields.Nested(ReviewReplySchema, required=True, allow_none=True, metadata={
        "description": "The shop's one reply, or null"})
    created_at = ma.fields.AwareDateTime(required=True)
    edited_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    editable_until = ma.fields.AwareDateTime(required=True, metadata={"description": "Its author may change it until"})


ReviewPageSchema = page_schema(ReviewSchema)


class StarsSchema(ma.Schema):
    class Meta:
        include = {str(star): ma.fields.Integer(required=True) for star in range(1, 6)}


class RatingDetailSchema(ma.Schema):
    average = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Of every rating, to two decimals; null without any"})
    count = ma.fields.Integer(required=True)
    stars = ma.fields.Nested(StarsSchema, required=True, metadata={"description": "How many of each star, \"1\" to \"5\""})
