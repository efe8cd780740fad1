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


# Push

class VapidKeySchema(ma.Schema):
    public_key = ma.fields.String(required=True, metadata={
        "description": "The server's VAPID public key (base64url, an uncompressed P-256 point): pass it as "
                       "applicationServerKey to PushManager.subscribe()"})


class PushKeysSchema(ma.Schema):
    p256dh = ma.fields.String(required=True, validate=ma.validate.Length(1, 200), metadata={
        "description": "The browser's P-256 ECDH public key, base64url (PushSubscription.toJSON().keys.p256dh)"})
    auth = ma.fields.String(required=True, validate=ma.validate.Length(1, 100), metadata={
        "description": "The browser's 16-octet authentication secret, base64url"})


class PushSubscribeSchema(ma.Schema):
    """PushSubscription.toJSON() as the browser gives it."""

    endpoint = ma.fields.URL(required=True, schemes={"https", "http"}, require_tld=False,
                             validate=ma.validate.Length(max=2048), metadata={
                                 "description": "The push service's URL for this browser (https; on a browser's "
                                                "push service: NEXGATE_PUSH_ENDPOINT_HOSTS)"})
    keys = ma.fields.Nested(PushKeysSchema, required=True)
    expirationTime = ma.fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "As the browser gives it (ignored: a push service answering 404 or 410 ends it)"})


class PushTokenSchema(ma.Schema):
    token = ma.fields.String(required=True, metadata={
        "description": "The app's FCM registration token (FirebaseMessaging.getToken(); on iOS too, FCM relays to APNs)"})


class PushSubscriptionSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(("webpush", "fcm")))
    endpoint = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "The Web Push endpoint; null for an app's FCM token (not shown again)"})
    device_id = ma.fields.UUID(required=True, metadata={"description": "The auth device it belongs to "
                                                                       "(GET /api/auth/devices)"})
    current_device = ma.fields.Boolean(required=True, metadata={"description": "Registered from the device "
                                                                               "making this request"})
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class PushSubscriptionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PushSubscriptionSchema), required=True)


class DeliverySchema(ma.Schema):
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(("webpush", "fcm", "email", "sms")),
                               metadata={"description": "webpush and fcm: a push to one of your devices; email and "
                                                        "sms: to your verified address or number"})
    device_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "The device pushed to; null for email and sms"})
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(("queued", "sent", "delivered", "failed")),
                              metadata={"description": "queued: an attempt is due (next_attempt_at); sent: the push "
                                                       "service, mail server or SMS gateway took it; delivered: the "
                                                       "SMS gateway reported it reached the phone; failed: see reason"})
    attempts = ma.fields.Integer(required=True)
    reason = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "Why the last attempt failed (or why it was not attempted again). Pushes: gone, not_found, "
                       "unregistered, wrong_sender, rate_limited, server_error, timeout, unreachable, rejected, "
                       "unsubscribed, read, deleted, unavailable. Email: smtp_<code> when the mail server refused it "
                       "for good, else the kind of error (SMTPConnectError, ...). SMS: the gateway's status "
                       "(InvalidPhoneNumber, UserInBlacklist, InsufficientBalance, ...), else the kind of error; once "
                       "its delivery report says it failed, the report's failureReason (DeliveryFailure, "
                       "UserIsInactive, ...) or status (AbsentSubscriber, Expired, ...)"})
    next_attempt_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    queued_at = ma.fields.AwareDateTime(required=True)
    sent_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    delivered_at = ma.fields.AwareDateTime(allow_none=True, required=True, metadata={
        "description": "When the SMS gateway reported it delivered (null otherwise, and for pushes)"})
    updated_at = ma.fields.AwareDateTime(required=True)
    summary_id = ma.fields.UUID(allow_none=True, required=True, metadata={
        "description": "The quiet hours' summary this push was part of (null: a push of this notification itself)"})


class NotificationDetailSchema(NotificationSchema):
    deliveries = ma.fields.List(ma.fields.Nested(DeliverySchema), required=True, metadata={
        "description": "Each push of it to each of your devices (its own, or the quiet hours' summary it was in), "
                       "and its email and text message, oldest first (a group is told by push, email and SMS once, "
                       "when it starts)"})


def _no_such_subscription(raw: str) -> NotFound:
    return NotFound("You have no such push subscription", code="push_subscription_not_found")


SUBSCRIPTION_ID = PathId("subscription_id", _no_such_subscription)
