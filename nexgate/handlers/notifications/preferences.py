"""Your notification preferences (spec 003 "Notification Preferences"; docs/notifications.md,
"Preferences"): per category a choice for each channel, per type on or off, quiet hours in
your time zone. A PATCH changes only what it names; an unknown category, channel, choice,
type or time zone is 422 naming it."""
from __future__ import annotations

import datetime
import re
from typing import Any

import marshmallow as ma
from aiohttp import web

from ...domain.notifications import preferences, registry
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response

routes = Routes("notifications")

_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class LocalTime(ma.fields.String):
    """A local wall-clock time, ``"HH:MM"`` (24-hour)."""

    def __init__(self, *, metadata: dict[str, Any], **kwargs: Any):
        super().__init__(metadata={"pattern": f"^{_HH_MM.pattern}$", "example": "22:00", **metadata}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.strftime("%H:%M")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime.time:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not (match := _HH_MM.fullmatch(text)):
            raise ma.ValidationError('Not a time of day "HH:MM" (24-hour, e.g. "22:00").')
        return datetime.time(int(match[1]), int(match[2]))


def _one_of(choices, what: str) -> ma.validate.OneOf:
    return ma.validate.OneOf(choices, error=f"Not {what}; one of {', '.join(map(str, choices))}.")


def _channels_schema(name: str, *, required: bool) -> type[ma.Schema]:
    choices = preferences.CHOICES
    fields = {
        "in_app": ma.fields.Boolean(required=required, metadata={
            "description": "Shown in the centre (a critical notification always is)"}),
        "push": ma.fields.String(required=required, validate=_one_of(choices["push"], "a push choice"), metadata={
            "description": "all, important_only (critical ones and those their type marks important), none"}),
        "email": ma.fields.String(required=required, validate=_one_of(choices["email"], "an email choice"),
                                  metadata={"description": "all (each at once), daily_digest, weekly_digest, none"}),
        "sms": ma.fields.String(required=required, validate=_one_of(choices["sms"], "an SMS choice"), metadata={
            "description": "critical_only (security and payments), none"}),
    }
    schema = ma.Schema.from_dict(fields, name=name)
    schema.error_messages = {"unknown": f"Not a channel; one of {', '.join(preferences.CHANNELS)}."}
    return schema


def _categories_schema(name: str, channels: type[ma.Schema], *, required: bool) -> type[ma.Schema]:
    schema = ma.Schema.from_dict({category: ma.fields.Nested(channels, required=required)
                                  for category in registry.CATEGORIES}, name=name)
    schema.error_messages = {"unknown": f"Not a category; one of {', '.join(registry.CATEGORIES)}."}
    return schema


def _known_type(name: str) -> None:
    if name not in registry.registered().types:
        raise ma.ValidationError("Not a notification type (docs/notifications.md lists them).")


def _known_zone(name: str) -> None:
    if name not in preferences.time_zones():
        raise ma.ValidationError('Not an IANA time zone (e.g. "Africa/Nairobi", "Africa/Dar_es_Salaam", "UTC").')


class QuietHoursSchema(ma.Schema):
    start = LocalTime(required=True, metadata={"description": "Local time they begin (inclusive)"})
    end = LocalTime(required=True, metadata={"description": "Local time they end (exclusive); before start: "
                                                           "they cross midnight"})

    @ma.validates_schema
    def _not_empty(self, data: dict, **kwargs: Any) -> None:
        if data["start"] == data["end"]:
            raise ma.ValidationError("Give an end that differs from the start.", "end")


_CHANNELS = _channels_schema("NotificationChannels", required=True)
_CHANNELS_CHANGE = _channels_schema("NotificationChannelsChange", required=False)


class NotificationSettingsSchema(ma.Schema):
    categories = ma.fields.Nested(_categories_schema("NotificationCategories", _CHANNELS, required=True),
                                  required=True, metadata={"description": "Per category, each channel's choice"})
    types = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Boolean(), required=True, metadata={
        "description": "Every notification type, on or off", "example": {"new_follower": True}})
    quiet_hours = ma.fields.Nested(QuietHoursSchema, allow_none=True, required=True, metadata={
        "description": "Non-critical pushes wait until they end; null: none"})
    time_zone = ma.fields.String(required=True, metadata={
        "example": "Africa/Nairobi", "description": "The IANA time zone quiet hours are in"})


class NotificationSettingsChangeSchema(ma.Schema):
    categories = ma.fields.Nested(_categories_schema("NotificationCategoriesChange", _CHANNELS_CHANGE,
                                                     required=False), metadata={
        "description": "The categories and channels to change", "example": {"social": {"push": "none"}}})
    types = ma.fields.Dict(keys=ma.fields.String(validate=_known_type), values=ma.fields.Boolean(), metadata={
        "description": "The types to turn on or off", "example": {"new_follower": False}})
    quiet_hours = ma.fields.Nested(QuietHoursSchema, allow_none=True, metadata={
        "description": "New quiet hours, or null to have none"})
    time_zone = ma.fields.String(validate=_known_zone, metadata={"example": "Africa/Dar_es_Salaam"})


@routes.get("/api/notifications/settings", summary="Your notification preferences", response=NotificationSettingsSchema)
async def settings(request: web.Request) -> web.Response:
    """Until you change them, the defaults: push all, in-app on, email as a daily digest, SMS
    for critical notifications only, every type on, no quiet hours, time zone Africa/Nairobi."""
    view = await preferences.settings(request.app[PLATFORM], caller(request))
    return json_response(NotificationSettingsSchema, view)


@routes.patch("/api/notifications/settings", summary="Change your notification preferences",
              body=NotificationSettingsChangeSchema, response=NotificationSettingsSchema)
async def update_settings(request: web.Request, *, body: dict) -> web.Response:
    """Only what the body names changes: `{"categories": {"social": {"push": "none"}}}` leaves
    every other choice as it was. `in_app` cannot be turned off for security and payments
    (422): critical notifications are always shown. A new `time_zone` moves a waiting email
    digest to its hour there; a category leaving a digest takes its waiting notifications
    with it, and a digest no category is on any more is called off."""
    view = await preferences.update_settings(request.app[PLATFORM], caller(request), body)
    return json_response(NotificationSettingsSchema, view)
