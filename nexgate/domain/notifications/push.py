"""Push: a recipient's notifications on the devices they subscribed, through their push
services (docs/notifications.md, "Push"): Web Push for browsers, FCM (HTTP v1) for the apps.

**Subscriptions.** A browser registers its Web Push subscription (endpoint and keys), an app
its FCM registration token, for the auth device and session it is signed in with. It is
dropped when that session ends (logout, the device removed, a password reset: the
``auth.session.revoked`` event), and before each push the auth area is asked which sessions
are still signed in, so a push never goes to a signed-out device even before that event
arrives. A Web Push endpoint must be on one of the push services in
``NEXGATE_PUSH_ENDPOINT_HOSTS``: the server POSTs nowhere else.

**Delivery.** ``triggers.tell`` asks for a push of every notification it makes or updates
that the recipient's preferences let through (``request_push``: the event
``notifications.push.requested``, written to the core outbox before the consumer's own
transaction commits, so a crash in between delivers it again and the redo asks again under the
same ``told_id``, which is queued once per subscription). A push held for the recipient's quiet
hours is a hold (notify database) and the job of their end (``notifications.quiet_hours.ended``,
one per recipient and end); when it fires, ``summarise`` pushes what is still unread as one
summary (a single one as itself). The
``notifications_push`` group queues one delivery per live subscription and attempts it. A
push service's answer decides what follows: 201 sent (FCM: 200); 404 and 410 (FCM:
UNREGISTERED, SENDER_ID_MISMATCH) the subscription is pruned and nothing is retried; 429,
5xx, a timeout or no connection is retried with exponential backoff
(``NEXGATE_PUSH_RETRY_BASE_MS`` × 2ⁿ, at least the Retry-After) through a scheduled job;
other refusals fail at once. A delivery whose ``NEXGATE_PUSH_MAX_ATTEMPTS`` all failed is
failed and parked in the group's dead-letter queue, where a replay attempts it once more.
"""
from __future__ import annotations

import asyncio
import datetime
import fnmatch
import logging
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import orjson
from cryptography.hazmat.primitives.asymmetric import ec

from ... import bus
from ...bus import Event, deadletters, scheduler
from ...errors import Invalid, NotFound, Unavailable
from ...platform import Platform
from ...providers.fcm import FcmAnswer
from ...providers.webpush import PushAnswer, Subscription, unb64url
from ...ws import presence
from ..auth import sessions
from ..auth.caller import Caller
from ..users import visibility
from . import centre_repository, preferences, registry
from . import push_repository as repository
from .centre_repository import Notification
from .deliveries import NotYetTold
from .events import PUSH_BACKOFF_EXPIRED, PUSH_REQUESTED, QUIET_HOURS_ENDED
from .views import notification_view

log = logging.getLogger(__name__)

GROUP = "notifications_push"
WEBPUSH, FCM = "webpush", "fcm"
TEMPORARY = ("rate_limited", "server_error", "timeout", "unreachable")  # retried; the rest are final
PRUNED_WEBPUSH = {404: "not_found", 410: "gone"}  # the subscription no longer exists
PRUNED_FCM = {"UNREGISTERED": "unregistered", "SENDER_ID_MISMATCH": "wrong_sender"}  # the token is of no use
PRUNED = (*PRUNED_WEBPUSH.values(), *PRUNED_FCM.values())  # pruned, not retried
MAX_TOKEN = 4096
SUMMARY_LINK = "nexgate://notifications"  # the centre
SUMMARY_NAMES = 3  # the people a summary names, the latest first
_SUMMARY_JOBS = uuid.uuid5(uuid.NAMESPACE_URL, "nexgate:notifications:quiet-hours-summary")

# The summary of the pushes held for quiet hours (docs/notifications.md, "Quiet hours").
SUMMARY = registry.own_text(
    "quiet_hours_summary", params=("count",),
    en="You have {count} new notifications", sw="Una arifa mpya {count}")
SUMMARY_FROM = registry.own_text(
    "quiet_hours_summary_from", params=("count", "actor_name"),
    en="You have {count} new notifications, from {actor_name}", sw="Una arifa mpya {count}, kutoka kwa {actor_name}")


# Subscriptions

def public_key(platform: Platform) -> str:
    return _client(platform, WEBPUSH).public_key


def _sender(platform: Platform, channel: str):
    """The channel's client, None when this server is not configured for it."""
    return platform.push if channel == WEBPUSH else platform.fcm


def _client(platform: Platform, channel: str):
    if _sender(platform, channel) is None:
        if channel == WEBPUSH:
            raise Unavailable("Web Push is not configured on this server (NEXGATE_PUSH_VAPID_PRIVATE_KEY)",
                              code="push_unavailable")
        raise Unavailable("FCM is not configured on this server (NEXGATE_FCM_SERVICE_ACCOUNT)", code="fcm_unavailable")
    return _sender(platform, channel)


def _allowed_endpoint(platform: Platform, endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    config = platform.config
    if config.push_sandbox and origin == config.push_sandbox_url.rstrip("/"):
        return True
    for allowed in config.push_endpoint_hosts:
        if "://" in allowed:
            if origin == allowed.rstrip("/"):
                return True
        elif parts.scheme == "https" and parts.hostname and fnmatch.fnmatchcase(parts.hostname, allowed):
            return True
    return False


def _key(value: str, name: str, length: int) -> bytes:
    try:
        raw = unb64url(value)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != length:
        raise Invalid(f"keys.{name} must be {length} octets, base64url-encoded", code="push_subscription_invalid",
                      details={"field": f"keys.{name}"})
    return raw


def _checked(platform: Platform, endpoint: str, p256dh: str, auth: str) -> None:
    if not _allowed_endpoint(platform, endpoint):
        raise Invalid("The endpoint is not on a push service this server sends to (an https URL of a browser's "
                      "push service)", code="push_endpoint_not_allowed", details={"endpoint": endpoint})
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _key(p256dh, "p256dh", 65))
    except ValueError:
        raise Invalid("keys.p256dh is not a P-256 public key (an uncompressed point)",
                      code="push_subscription_invalid", details={"field": "keys.p256dh"}) from None
    _key(auth, "auth", 16)


def _subscription_view(row: asyncpg.Record, caller: Caller) -> dict[str, Any]:
    return {"id": row["id"], "channel": row["channel"], "endpoint": row["endpoint"], "device_id": row["device_id"],
            "current_device": row["device_id"] == caller.device_id, "created_at": row["created_at"],
            "updated_at": row["updated_at"]}


async def subscribe(platform: Platform, caller: Caller, *, endpoint: str, p256dh: str,
                    auth: str) -> tuple[dict[str, Any], bool]:
    """Register the browser's subscription for the caller's device and session; (its view, whether it is new)."""
    _client(platform, WEBPUSH)
    _checked(platform, endpoint, p256dh, auth)
    async with platform.notify.transaction("notifications.push_subscribe") as conn:
        await repository.lock_user_subscriptions(conn, caller.user_id)
        row = await repository.upsert_webpush(conn, user_id=caller.user_id, device_id=caller.device_id,
                                              session_id=caller.session_id, endpoint=endpoint, p256dh=p256dh,
                                              auth=auth)
        await _capped(platform, conn, caller.user_id, row["id"])
    return _subscription_view(row, caller), row["created"]


async def register_token(platform: Platform, caller: Caller, *, token: str) -> tuple[dict[str, Any], bool]:
    """Register the app's FCM registration token for the caller's device and session."""
    _client(platform, FCM)
    if not token or len(token) > MAX_TOKEN or any(c.isspace() for c in token):
        raise Invalid(f"token must be an FCM registration token: 1 to {MAX_TOKEN} characters, no spaces",
                      code="push_token_invalid", details={"field": "token"})
    async with platform.notify.transaction("notifications.push_register_token") as conn:
        await repository.lock_user_subscriptions(conn, caller.user_id)
        row = await repository.upsert_fcm(conn, user_id=caller.user_id, device_id=caller.device_id,
                                          session_id=caller.session_id, token=token)
        await _capped(platform, conn, caller.user_id, row["id"])
    return _subscription_view(row, caller), row["created"]


async def _capped(platform: Platform, conn: asyncpg.Connection, user_id: uuid.UUID, registered_id: uuid.UUID
                  ) -> None:
    """At most ``NEXGATE_PUSH_SUBSCRIPTIONS_MAX`` per user: the one just registered stays, and
    those registered least recently beyond the cap are dropped (a browser whose data was cleared,
    an app reinstalled: their old subscriptions are never registered again, and a client
    registers its own again after each sign-in). Called under the user's registration lock, so
    two registrations at once cannot pass the cap."""
    cap = platform.config.push_subscriptions_max
    if evicted := await repository.evict_beyond(conn, user_id, registered_id, cap):
        log.info("user %s past %d push subscriptions: %d registered least recently dropped", user_id, cap, evicted)


async def subscriptions(platform: Platform, caller: Caller) -> list[dict[str, Any]]:
    async with platform.notify.connection() as conn:
        rows = await repository.subscriptions_of(conn, caller.user_id)
    return [_subscription_view(row, caller) for row in rows]


async def unsubscribe(platform: Platform, caller: Caller, subscription_id: uuid.UUID) -> None:
    async with platform.notify.transaction("notifications.push_unsubscribe") as conn:
        if not await repository.delete_subscription(conn, subscription_id, caller.user_id):
            raise NotFound("You have no such push subscription", code="push_subscription_not_found")


async def sessions_ended(conn: asyncpg.Connection, session_ids: list[uuid.UUID]) -> int:
    """Drop the subscriptions of signed-out sessions (``auth.session.revoked``)."""
    return await repository.delete_session_subscriptions(conn, session_ids)


# What the recipient sees of its deliveries

async def delivery_states(conn: asyncpg.Connection, notification_id: uuid.UUID) -> list[dict[str, Any]]:
    return [{"channel": row["channel"], "device_id": row["device_id"], "status": row["status"],
             "attempts": row["attempts"], "reason": row["reason"], "next_attempt_at": row["next_attempt_at"],
             "queued_at": row["created_at"], "sent_at": row["sent_at"], "delivered_at": row["delivered_at"],
             "updated_at": row["updated_at"], "summary_id": row["summary_id"]}
            for row in await repository.deliveries_of(conn, notification_id)]


# Delivery

async def request_push(platform: Platform, conn: asyncpg.Connection, *, recipient_id: uuid.UUID,
                       notification_id: uuid.UUID, told_id: uuid.UUID,
                       decision: preferences.ChannelDelivery, offline_only: bool = False) -> None:
    """Ask for a push of a notification just told in ``conn`` (the notifications consumer's
    transaction), as the recipient's preferences decided (``preferences.decide``'s push): now,
    or held until their quiet hours end (``hold``); not at all when they are off or over the
    push limit, nor when the recipient has nowhere to push it to, nor, for a type pushed only
    to the offline (``offline_only``: a new message), when a device of theirs is connected."""
    if decision.decision not in (preferences.Decision.SEND, preferences.Decision.HOLD):
        return
    if offline_only and await presence.online(platform.realtime, recipient_id):
        return
    if not any(_sender(platform, row["channel"]) for row in await repository.subscriptions_of(conn, recipient_id)):
        return
    if decision.decision is preferences.Decision.HOLD and decision.until > datetime.datetime.now(datetime.UTC):
        await hold(platform, conn, recipient_id=recipient_id, notification_id=notification_id, told_id=told_id,
                   until=decision.until)
        return
    payload = {"notification_id": str(notification_id), "recipient_id": str(recipient_id), "told_id": str(told_id)}
    async with platform.core.transaction("notifications.request_push") as core:
        await bus.emit(core, PUSH_REQUESTED, payload)  # (held until quiet hours that have ended since: now)


def summary_job_id(recipient_id: uuid.UUID, until: datetime.datetime) -> uuid.UUID:
    """The scheduled job that ends a recipient's quiet hours at ``until``: one per pair."""
    return uuid.uuid5(_SUMMARY_JOBS, f"{recipient_id}\n{until.astimezone(datetime.UTC).isoformat()}")


async def hold(platform: Platform, conn: asyncpg.Connection, *, recipient_id: uuid.UUID, notification_id: uuid.UUID,
               told_id: uuid.UUID, until: datetime.datetime) -> None:
    """Hold a push until the recipient's quiet hours end: the hold in ``conn`` (the consumer's
    transaction), and the job of that end (``QUIET_HOURS_ENDED``, one per recipient and end:
    every push held until then shares it) in the core database. The job is put again with each
    hold, so that a hold written after its job fired (an event handled late) fires it again:
    what it releases then is what the first firing did not."""
    await repository.hold(conn, told_id=told_id, notification_id=notification_id, recipient_id=recipient_id,
                          until=until)
    until = until.astimezone(datetime.UTC)
    async with platform.core.transaction("notifications.hold_push") as core:
        await scheduler.schedule(core, routing_key=QUIET_HOURS_ENDED, run_at=until, replace=True,
                                 job_id=summary_job_id(recipient_id, until),
                                 payload={"recipient_id": str(recipient_id), "until": until.isoformat()})


async def handle(platform: Platform, conn: asyncpg.Connection, event: Event) -> None:
    """The ``notifications_push`` consumer group's handler."""
    if event.type == PUSH_REQUESTED:
        await _push_told(platform, conn, event.payload)
    elif event.type == PUSH_BACKOFF_EXPIRED:
        await _retry(platform, conn, event.payload)
    elif event.type == QUIET_HOURS_ENDED:
        await summarise(platform, conn, uuid.UUID(event.payload["recipient_id"]),
                        datetime.datetime.fromisoformat(event.payload["until"]))
    else:  # auth.session.revoked
        await sessions_ended(conn, [uuid.UUID(event.payload["session_id"])])


async def _push_told(platform: Platform, conn: asyncpg.Connection, payload: dict[str, Any]) -> None:
    notification_id = uuid.UUID(payload["notification_id"])
    found = await repository.pushed_notification(conn, notification_id)
    if found is None:
        raise NotYetTold(f"notification {notification_id} is not in the centre (yet)")
    notification, deleted = found
    if deleted or notification.read_at is not None:
        return
    await _push_notification(platform, conn, notification, uuid.UUID(payload["told_id"]))


async def _pushable(platform: Platform, conn: asyncpg.Connection, recipient_id: uuid.UUID) -> list:
    """The recipient's subscriptions this server can push to, of sessions still signed in."""
    return await _live(platform, conn, [row for row in await repository.subscriptions_of(conn, recipient_id)
                                        if _sender(platform, row["channel"]) is not None])


async def _push_notification(platform: Platform, conn: asyncpg.Connection, notification: Notification,
                             told_id: uuid.UUID) -> None:
    queued = []
    for subscription in await _pushable(platform, conn, notification.recipient_id):
        delivery = await repository.queue_delivery(
            conn, notification_id=notification.id, told_id=told_id, recipient_id=notification.recipient_id,
            channel=subscription["channel"], subscription_id=subscription["id"], device_id=subscription["device_id"])
        if delivery is not None:
            queued.append((delivery["id"], 0, subscription))
    if queued:
        await _attempt(platform, conn, await _message(platform, conn, notification), queued)


async def summarise(platform: Platform, conn: asyncpg.Connection, recipient_id: uuid.UUID,
                    until: datetime.datetime) -> None:
    """The recipient's quiet hours ended at ``until``: release every push held for them by then
    (each hold once, whichever worker or redelivery gets here first) and push what is still
    unread: nothing if nothing is, a single one as itself, several as one summary to each
    device, the held ones never on their own."""
    held = await repository.release_holds(conn, recipient_id, until)
    if not held:
        return
    unread = await repository.unread_notifications(conn, list({row["notification_id"] for row in held}))
    if not unread:
        log.info("quiet hours of %s ended: the %d push(es) held were read meanwhile", recipient_id, len(held))
        return
    if len(unread) == 1:
        [notification] = unread
        await _push_notification(platform, conn, notification, next(
            row["told_id"] for row in held if row["notification_id"] == notification.id))
        return
    summary = await repository.insert_summary(
        conn, recipient_id=recipient_id, until=until, notification_ids=[n.id for n in unread],
        told_ids=[row["told_id"] for row in held])
    queued = []
    for subscription in await _pushable(platform, conn, recipient_id):
        delivery = await repository.queue_summary_delivery(
            conn, summary_id=summary["id"], recipient_id=recipient_id, channel=subscription["channel"],
            subscription_id=subscription["id"], device_id=subscription["device_id"])
        if delivery is not None:
            queued.append((delivery["id"], 0, subscription))
    if queued:
        await _attempt(platform, conn, await _summary_message(platform, conn, summary, unread), queued)


def summary_text(language: str, notifications: list[Notification]) -> str:
    """"You have 7 new notifications, from Amina, Juma and 3 others": the people who acted in
    them, the latest first, each once (a group's people beyond the latest 100 it keeps are
    counted as others)."""
    names: dict[str, str] = {}
    beyond = 0
    for notification in notifications:
        for actor in notification.actors:
            names.setdefault(actor["id"], actor["name"])
        beyond += notification.actor_count - len(notification.actors)
    count = len(notifications)
    if not names:
        return SUMMARY.render(language, count=count)
    people = registry.actors_phrase(language, list(names.values())[:SUMMARY_NAMES], len(names) + beyond)
    return SUMMARY_FROM.render(language, count=count, actor_name=people)


async def _summary_message(platform: Platform, conn: asyncpg.Connection, summary: asyncpg.Record,
                           unread: list[Notification]) -> dict[str, Any]:
    """What the devices get for a summary: the fields of a notification's push, for the centre."""
    language = await visibility.language_of(platform, summary["recipient_id"])
    body = {"id": str(summary["id"]), "type": "summary", "category": None, "critical": False,
            "text": summary_text(language, unread), "link": SUMMARY_LINK, "actor_count": 0,
            "updated_at": max(n.updated_at for n in unread).isoformat(),
            "unread_count": await centre_repository.unread_count(conn, summary["recipient_id"]),
            "tag": str(summary["id"]), "count": len(unread), "notification_ids": [str(n.id) for n in unread]}
    return {"body": body, "payload": orjson.dumps(body), "topic": summary["id"].hex, "urgency": "normal"}


async def _retry(platform: Platform, conn: asyncpg.Connection, payload: dict[str, Any]) -> None:
    delivery = await repository.lock_delivery(conn, uuid.UUID(payload["delivery_id"]))
    retryable = delivery is not None and (
        delivery["status"] == "queued" or (delivery["status"] == "failed" and delivery["reason"] in TEMPORARY))
    if not retryable or delivery["attempts"] != payload["attempt"] - 1:
        return  # attempted since (a stale job or a dead letter replayed twice), or settled
    subscription = None if delivery["subscription_id"] is None else await repository.subscription(
        conn, delivery["subscription_id"])
    if subscription is None or not await _live(platform, conn, [subscription]):
        await repository.withdraw_delivery(conn, delivery["id"], "unsubscribed")
        return
    if delivery["summary_id"] is not None:
        await _retry_summary(platform, conn, delivery, subscription)
        return
    notification, deleted = await repository.pushed_notification(conn, delivery["notification_id"])
    if deleted or notification.read_at is not None or _sender(platform, subscription["channel"]) is None:
        await repository.withdraw_delivery(conn, delivery["id"], "deleted" if deleted else "read" if
                                           notification.read_at is not None else "unavailable")
        return
    await _attempt(platform, conn, await _message(platform, conn, notification),
                   [(delivery["id"], delivery["attempts"], subscription)])


async def _retry_summary(platform: Platform, conn: asyncpg.Connection, delivery: asyncpg.Record,
                         subscription: asyncpg.Record) -> None:
    """A summary attempted again tells what of it is still unread (nothing: not attempted)."""
    summary = await repository.summary(conn, delivery["summary_id"])
    unread = await repository.unread_notifications(conn, list(summary["notification_ids"]))
    if not unread or _sender(platform, subscription["channel"]) is None:
        await repository.withdraw_delivery(conn, delivery["id"], "read" if not unread else "unavailable")
        return
    await _attempt(platform, conn, await _summary_message(platform, conn, summary, unread),
                   [(delivery["id"], delivery["attempts"], subscription)])


async def _live(platform: Platform, conn: asyncpg.Connection, subscriptions: list) -> list:
    """The subscriptions whose session is still signed in; the others are pruned."""
    live = await sessions.live_sessions(platform, list({row["session_id"] for row in subscriptions}))
    ended = [row["session_id"] for row in subscriptions if row["session_id"] not in live]
    if ended:
        await sessions_ended(conn, ended)
    return [row for row in subscriptions if row["session_id"] in live]


async def _message(platform: Platform, conn: asyncpg.Connection, notification: Notification) -> dict[str, Any]:
    """What the device gets (docs/notifications.md, "What arrives"), in the recipient's language."""
    kind = registry.registered()[notification.type]
    view = notification_view(kind, notification, await visibility.language_of(platform, notification.recipient_id))
    unread = await centre_repository.unread_count(conn, notification.recipient_id)
    body = {"id": str(notification.id), "type": view["type"], "category": view["category"],
            "critical": view["critical"], "text": view["text"], "link": view["link"],
            "actor_count": view["actor_count"], "updated_at": notification.updated_at.isoformat(),
            "unread_count": unread, "tag": str(notification.id)}
    return {"body": body, "payload": orjson.dumps(body), "topic": notification.id.hex,
            "urgency": "high" if kind.critical else "normal"}


def fcm_message(token: str, message: dict[str, Any], ttl_s: int) -> dict[str, Any]:
    """The FCM HTTP v1 message: the body as ``data`` (strings, as FCM wants them) for the app,
    a system notification for when it is in the background, collapsed per notification on
    Android (``collapse_key``, ``tag``) and iOS (``apns-collapse-id``)."""
    body, high = message["body"], message["urgency"] == "high"
    data = {key: value if isinstance(value, str) else orjson.dumps(value).decode() for key, value in body.items()}
    return {
        "token": token, "data": data,
        "notification": {"title": "Nexgate", "body": body["text"]},
        "android": {"collapse_key": message["topic"], "priority": "high" if high else "normal", "ttl": f"{ttl_s}s",
                    "notification": {"tag": body["tag"]}},
        "apns": {"headers": {"apns-collapse-id": message["topic"], "apns-priority": "10" if high else "5",
                             "apns-expiration": str(int(time.time()) + ttl_s)},
                 "payload": {"aps": {"thread-id": body["type"]}}},
    }


def _outcome(channel: str, answer: PushAnswer | FcmAnswer) -> str | None:
    """None for a push the service took, else the reason it failed."""
    if answer.accepted:
        return None
    if answer.status is None:
        return "timeout" if (answer.error if channel == WEBPUSH else answer.error_code) == "timeout" else "unreachable"
    if channel == WEBPUSH and answer.status in PRUNED_WEBPUSH:
        return PRUNED_WEBPUSH[answer.status]
    if channel == FCM and answer.error_code in PRUNED_FCM:
        return PRUNED_FCM[answer.error_code]
    if answer.status == 429:
        return "rate_limited"
    if answer.status >= 500:
        return "server_error"
    return "rejected"


def backoff(config, attempt: int, retry_after_s: float | None) -> datetime.timedelta:
    """The wait after the ``attempt``-th failed attempt: base × 2^(attempt-1), capped, and never
    shorter than the push service's Retry-After."""
    wait_ms = min(config.push_retry_max_ms, config.push_retry_base_ms * 2 ** (attempt - 1))
    if retry_after_s is not None:
        wait_ms = max(wait_ms, retry_after_s * 1000)
    return datetime.timedelta(milliseconds=wait_ms)


def _send(platform: Platform, subscription: asyncpg.Record, message: dict[str, Any]):
    if subscription["channel"] == WEBPUSH:
        return platform.push.send(Subscription(subscription["endpoint"], subscription["p256dh"], subscription["auth"]),
                                  message["payload"], topic=message["topic"], urgency=message["urgency"])
    return platform.fcm.send(fcm_message(subscription["token"], message, platform.config.push_ttl_s))


async def _attempt(platform: Platform, conn: asyncpg.Connection, message: dict[str, Any],
                   deliveries: list[tuple[uuid.UUID, int, asyncpg.Record]]) -> None:
    """Send to each subscription at once, then record each answer."""
    answers = await asyncio.gather(*(_send(platform, row, message) for _, _, row in deliveries))
    for (delivery_id, attempts, subscription), answer in zip(deliveries, answers):
        await _record(platform, conn, delivery_id, attempts + 1, subscription, answer)


async def _record(platform: Platform, conn: asyncpg.Connection, delivery_id: uuid.UUID, attempt: int,
                  subscription: asyncpg.Record, answer: PushAnswer | FcmAnswer) -> None:
    config, counted, channel = platform.config, platform.metrics.notification_deliveries, subscription["channel"]
    reason = _outcome(channel, answer)
    if reason is None:
        await repository.record_attempt(conn, delivery_id, status="sent", reason=None, next_attempt_at=None)
        counted.labels(channel, "sent", "").inc()
        return
    if reason not in TEMPORARY or attempt >= config.push_max_attempts:
        await repository.record_attempt(conn, delivery_id, status="failed", reason=reason, next_attempt_at=None)
        counted.labels(channel, "failed", reason).inc()
        if reason in PRUNED:
            await repository.prune_subscription(conn, subscription["id"])
        elif reason in TEMPORARY:
            await _park(platform, delivery_id, attempt, reason)
        log.info("push delivery %s failed after %d attempt(s): %s", delivery_id, attempt, reason)
        return
    due = datetime.datetime.now(datetime.UTC) + backoff(config, attempt, answer.retry_after_s)
    await repository.record_attempt(conn, delivery_id, status="queued", reason=reason, next_attempt_at=due)
    async with platform.core.transaction("notifications.push_backoff") as core:
        await scheduler.schedule(core, routing_key=PUSH_BACKOFF_EXPIRED, run_at=due,
                                 payload={"delivery_id": str(delivery_id), "attempt": attempt + 1})
    counted.labels(channel, "retrying", reason).inc()


async def _park(platform: Platform, delivery_id: uuid.UUID, attempts: int, reason: str) -> None:
    """An exhausted delivery to the group's dead-letter queue: replaying it attempts it once more."""
    payload = {"delivery_id": str(delivery_id), "attempt": attempts + 1}
    bus.pending(PUSH_BACKOFF_EXPIRED, payload)
    event = Event(uuid.uuid4(), PUSH_BACKOFF_EXPIRED, payload, datetime.datetime.now(datetime.UTC))
    error = f"push delivery failed {attempts} times, the last: {reason}"
    await deadletters.park(platform.broker, GROUP, event, attempts=attempts, error=error)
