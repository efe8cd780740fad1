"""Push subscriptions (docs/notifications.md, "Push"): the server's VAPID public key,
registering a browser's Web Push subscription or an app's FCM token for the device you are
signed in on, listing and removing them. Signing that device out removes its subscriptions."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.notifications import push
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import (
    SUBSCRIPTION_ID, PushSubscribeSchema, PushSubscriptionListSchema, PushSubscriptionSchema, PushTokenSchema,
    VapidKeySchema,
)

routes = Routes("notifications")


@routes.get("/api/notifications/push/vapid-public-key", summary="The key a browser subscribes to push with",
            response=VapidKeySchema, errors=(503,))
async def vapid_public_key(request: web.Request) -> web.Response:
    """503 `push_unavailable` when this server has no VAPID key."""
    return json_response(VapidKeySchema, {"public_key": push.public_key(request.app[PLATFORM])})


@routes.post("/api/notifications/push-subscriptions", summary="Register this browser for push notifications",
             body=PushSubscribeSchema, response=PushSubscriptionSchema, status=201, other_statuses=(200,),
             errors=(422, 503))
async def subscribe(request: web.Request, *, body: dict) -> web.Response:
    """The body is `PushSubscription.toJSON()`. 201 for a new endpoint, 200 for one already
    registered (its keys and owner are updated: the browser's latest word). It belongs to the
    device and session of your access token. 422 `push_endpoint_not_allowed` for an endpoint
    on no known push service, `push_subscription_invalid` for keys that are not P-256 and 16 octets.
    Past `NEXGATE_PUSH_SUBSCRIPTIONS_MAX` (20) subscriptions of yours, the one registered least
    recently is dropped."""
    view, created = await push.subscribe(request.app[PLATFORM], caller(request), endpoint=body["endpoint"],
                                         p256dh=body["keys"]["p256dh"], auth=body["keys"]["auth"])
    return json_response(PushSubscriptionSchema, view, status=201 if created else 200)


@routes.post("/api/notifications/push-tokens", summary="Register this app for push notifications (FCM)",
             body=PushTokenSchema, response=PushSubscriptionSchema, status=201, other_statuses=(200,),
             errors=(422, 503))
async def register_token(request: web.Request, *, body: dict) -> web.Response:
    """The Android or iOS app's FCM registration token; register it again when FCM gives a new
    one (onNewToken). 201 for a new token, 200 for one already registered (it moves to your
    device and session). It is listed and removed with the push subscriptions, and counts
    towards their cap (the one registered least recently is dropped past it). 503
    `fcm_unavailable` on a server without an FCM service account."""
    view, created = await push.register_token(request.app[PLATFORM], caller(request), token=body["token"])
    return json_response(PushSubscriptionSchema, view, status=201 if created else 200)


@routes.get("/api/notifications/push-subscriptions", summary="Your push subscriptions, on all your devices",
            response=PushSubscriptionListSchema)
async def subscriptions(request: web.Request) -> web.Response:
    items = await push.subscriptions(request.app[PLATFORM], caller(request))
    return json_response(PushSubscriptionListSchema, {"items": items})


@routes.delete("/api/notifications/push-subscriptions/{subscription_id}", summary="Stop pushing to a subscription",
               ids=(SUBSCRIPTION_ID,), status=204)
async def unsubscribe(request: web.Request, *, subscription_id: uuid.UUID) -> web.Response:
    """Call it when the browser unsubscribes (PushSubscription.unsubscribe()). Someone else's
    subscription, or an unknown id, answers 404 `push_subscription_not_found`."""
    await push.unsubscribe(request.app[PLATFORM], caller(request), subscription_id)
    return web.Response(status=204)
