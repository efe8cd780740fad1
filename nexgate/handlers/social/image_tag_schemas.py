"""The schemas of tags on a post's images (the OpenAPI document is generated
from them; domain/social/views.py makes the dicts they document)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.social import image_tags
from ..users.schemas import UserCardSchema
from .schemas import _ShopRef as ShopRefSchema


class ImageTagIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(image_tags.KINDS))
    target_id = ma.fields.UUID(required=True, metadata={"description": "The user's, product's or shop's id"})
    x = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=0, max=100), metadata={
        "description": "Percent of the image's width from its left edge, 0 to 100 (kept to two decimals)"})
    y = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=0, max=100), metadata={
        "description": "Percent of the image's height from its top edge, 0 to 100 (kept to two decimals)"})


class _TaggedProduct(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    shop_id = ma.fields.UUID(required=True)


class ImageTagSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    post_id = ma.fields.UUID(required=True)
    media_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "user, product or shop: which of the three is set"})
    x = ma.fields.Float(required=True)
    y = ma.fields.Float(required=True)
    user = ma.fields.Nested(UserCardSchema, required=True, allow_none=True)
    product = ma.fields.Nested(_TaggedProduct, required=True, allow_none=True)
    shop = ma.fields.Nested(ShopRefSchema, required=True, allow_none=True)
    created_by = ma.fields.UUID(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class ImageTagListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ImageTagSchema), required=True, metadata={
        "description": f"Oldest first, at most {image_tags.MAX_TAGS}"})
