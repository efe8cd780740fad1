"""The schemas of commerce's discovery routes: search, the wishlist, contacting a seller and
reviews (the OpenAPI document is generated from them)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.commerce import search
from ...pagination import PageQuery, page_schema
from ...validation import Name
from ..media.schemas import MediaSchema
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
    price = ma.fields.Nested(FoundPriceSchema, required=True, metadata={
        "description": "The lowest price of its variants (\"from\")"})
    in_stock = ma.fields.Boolean(required=True)
    image = ma.fields.Nested(MediaSchema, required=True, allow_none=True, metadata={"description": "Its first image"})
    rating = ma.fields.Nested(RatingSummarySchema, required=True)
    shop = ma.fields.Nested(FoundShopSchema, required=True)
    listed_at = ma.fields.AwareDateTime(required=True)


FoundProductPageSchema = page_schema(FoundProductSchema)
FoundShopPageSchema = page_schema(ShopCardSchema, name="FoundShopPageSchema")
