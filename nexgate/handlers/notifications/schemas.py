"""Request and response schemas of the notification centre's routes."""
from __future__ import annotations

import marshmallow as ma

from ...domain.notifications.registry import CATEGORIES
from ...errors import NotFound
from ...pagination import PageQuery, page_schema
from ..routing import PathId


class NotificationsQuery(PageQuery):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "true: only unread notifications"})
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CATEGORIES), metadata={
        "description": "Only this category: " + ", ".join(CATEGORIES)})


class ActorSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, metadata={"description": "Their display name when they acted"})


class ObjectSchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"example": "user"})
    id = ma.fields.UUID(required=True)


class NotificationSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    type = ma.fields.String(required=True, metadata={"example": "new_follower",
                                                     "description": "docs/notifications.md lists every type"})
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORIES))
    critical = ma.fields.Boolean(required=True, metadata={"description": "Security and payments: always shown"})
    text = ma.fields.String(required=True, metadata={
        "example": "Amina, Juma and 10 others started following you",
        "description": "Rendered in your language (the language of your profile settings)"})
    link = ma.fields.String(required=True, metadata={"example": "nexgate://users/7d1c1f0e-…",
                                                     "description": "Where tapping it leads in the app"})
    object = ma.fields.Nested(ObjectSchema, allow_none=True, required=True, metadata={
        "description": "What it is about, if anything"})
    actors = ma.fields.List(ma.fields.Nested(ActorSchema), required=True, metadata={
        "description": "The latest actors, latest first (at most 3; actor_count says how many in all)"})
    actor_count = ma.fields.Integer(required=True, metadata={"description": "Exactly how many people did it"})
    params = ma.fields.Dict(required=True, metadata={"description": "The values the text was made from"})
    read = ma.fields.Boolean(required=True)
    read_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True, metadata={
        "description": "When someone last joined it; the list is newest first by this"})


NotificationPageSchema = page_schema(NotificationSchema)


class UnreadCountSchema(ma.Schema):
    unread_count = ma.fields.Integer(required=True)


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer(required=True, metadata={"description": "How many were unread"})
    unread_count = ma.fields.Integer(required=True)


def _no_such_notification(raw: str) -> NotFound:
    return NotFound("No such notification", code="notification_not_found")


NOTIFICATION_ID = PathId("notification_id", _no_such_notification)
