"""Request and response schemas of the profile, follow, block and mute routes, and the
parsing they share."""
from __future__ import annotations

import dataclasses
from typing import Any

import marshmallow as ma

from ...domain.users.profiles import LANGUAGES
from ...domain.users.repository import UserListItem
from ...errors import NotFound
from ...pagination import page_schema
from ...validation import Name, Text
from ..routing import PathId

_URL = ma.validate.URL(relative=False, schemes={"http", "https"}, require_tld=True,
                       error="Give a full http:// or https:// address with a host name.")


def _website(value: str) -> None:
    if value.strip():
        _URL(value.strip())


class ProfileUpdateSchema(ma.Schema):
    """Only the fields sent change; send null (or "") to clear an optional text."""

    username = ma.fields.String(metadata={
        "description": "3-30 of a-z, A-Z, 0-9, _; unique in any letter case; once every 30 days"})
    display_name = Name(validate=ma.validate.Length(min=1, max=60))
    bio = Text(allow_none=True, validate=ma.validate.Length(max=250))
    location = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100),
                                metadata={"example": "Arusha, Tanzania"})
    website = ma.fields.String(allow_none=True, validate=[ma.validate.Length(max=200), _website],
                               metadata={"example": "https://amina.co.tz"})
    is_private = ma.fields.Boolean(metadata={
        "description": "Private: new followers need approval. Turning it off accepts every pending request"})
    show_presence = ma.fields.Boolean(metadata={"description": "Whether others who may see your content see you online"})
    dm_policy = ma.fields.String(validate=ma.validate.OneOf(("everyone", "following")), metadata={
        "description": "following: only people you follow may message you"})
    language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES), metadata={
        "description": "en (English, the default) or sw (Swahili): the language of your notifications"})
    avatar_media_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "Your own ready image uploaded with purpose=avatar (POST /api/media); null clears it"})
    cover_media_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "Your own ready image uploaded with purpose=cover (POST /api/media); null clears it"})


class StatsSchema(ma.Schema):
    posts = ma.fields.Integer(required=True)
    followers = ma.fields.Integer(required=True)
    following = ma.fields.Integer(required=True)
    likes_received = ma.fields.Integer(required=True)


class TrustSchema(ma.Schema):
    score = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "0-100; null until scored"})
    level = ma.fields.String(required=True, metadata={"example": "good"})


class RelationshipSchema(ma.Schema):
    following = ma.fields.Boolean(required=True, metadata={"description": "You follow them"})
    followed_by = ma.fields.Boolean(required=True, metadata={"description": "They follow you"})
    requested = ma.fields.Boolean(required=True, metadata={"description": "Your follow request is pending"})
    muted = ma.fields.Boolean(required=True, metadata={"description": "You muted them"})


class SettingsSchema(ma.Schema):
    show_presence = ma.fields.Boolean(required=True)
    dm_policy = ma.fields.String(required=True, metadata={"example": "everyone"})
    language = ma.fields.String(required=True, metadata={"example": "sw"})


class ProfileSchema(ma.Schema):
    """A profile as others see it: never an email or a phone number."""

    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    bio = ma.fields.String(allow_none=True, required=True)
    avatar_media_id = ma.fields.UUID(allow_none=True, required=True)
    cover_media_id = ma.fields.UUID(allow_none=True, required=True)
    location = ma.fields.String(allow_none=True, required=True)
    website = ma.fields.String(allow_none=True, required=True)
    is_private = ma.fields.Boolean(required=True)
    is_verified = ma.fields.Boolean(required=True)
    joined_at = ma.fields.AwareDateTime(required=True)
    stats = ma.fields.Nested(StatsSchema, required=True)
    trust = ma.fields.Nested(TrustSchema, required=True)
    content_visible = ma.fields.Boolean(required=True, metadata={
        "description": "False for a private account you do not follow: its posts and lists are hidden"})
    relationship = ma.fields.Nested(RelationshipSchema, allow_none=True, required=True,
                                    metadata={"description": "null on your own profile"})
    settings = ma.fields.Nested(SettingsSchema, metadata={"description": "Your own profile only"})


class UserCardSchema(ma.Schema):
    """A user as lists, search results and suggestions show them."""

    id = ma.fields.UUID(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    avatar_media_id = ma.fields.UUID(allow_none=True, required=True)
    is_verified = ma.fields.Boolean(required=True)


class UserListItemSchema(UserCardSchema):
    since = ma.fields.AwareDateTime(required=True, metadata={
        "description": "When the follow, request, block or mute began"})


UserPageSchema = page_schema(UserListItemSchema, name="UserPageSchema")


class FollowStateSchema(ma.Schema):
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(("following", "requested")), metadata={
        "description": "following, or requested for a private account (pending its approval)"})


def list_item(item: UserListItem) -> dict[str, Any]:
    return {**dataclasses.asdict(item), "is_verified": item.verified_at is not None}


def _no_such_user(raw: str) -> NotFound:
    return NotFound("No such user", code="user_not_found")


USER_ID = PathId("user_id", _no_such_user)
REQUESTER_ID = PathId("requester_id", _no_such_user)
