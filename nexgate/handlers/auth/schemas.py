"""Request and response schemas shared by the auth routes."""
from __future__ import annotations

import marshmallow as ma

PLATFORMS = ("ios", "android", "web", "desktop", "kiosk", "other")


class DeviceSchema(ma.Schema):
    id = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=128),
        metadata={"description": "The client's own stable id for this installation or browser profile"},
    )
    platform = ma.fields.String(load_default="other", validate=ma.validate.OneOf(PLATFORMS))
    name = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=80), metadata={"example": "Amina's Tecno Spark"}
    )


class GrantRequestSchema(ma.Schema):
    """Fields of every request that opens a session."""

    device = ma.fields.Nested(DeviceSchema, load_default=lambda: DeviceSchema().load({}))
    refresh_token_cookie = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Web clients: receive the refresh token in an HttpOnly cookie instead of the body"},
    )


class AccountSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    email = ma.fields.String(allow_none=True)
    email_verified = ma.fields.Boolean(required=True)
    phone = ma.fields.String(allow_none=True, metadata={"description": "E.164"})
    phone_verified = ma.fields.Boolean(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    has_password = ma.fields.Boolean(required=True, metadata={"description": "False for OAuth-only accounts"})
    created_at = ma.fields.AwareDateTime(required=True)


class TokenResponseSchema(ma.Schema):
    user = ma.fields.Nested(AccountSchema, required=True)
    access_token = ma.fields.String(required=True, metadata={"description": "JWT (EdDSA), for Authorization: Bearer"})
    refresh_token = ma.fields.String(
        allow_none=True, required=True,
        metadata={"description": "Opaque, single use; null when it was set as the nexgate_refresh cookie"},
    )
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds the access token lives"})


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4096))
