"""Push subscriptions and deliveries (``sql/notifications/push.sql``): runs queries, decides nothing."""
from __future__ import annotations

import datetime
import uuid

import asyncpg

from ...sql import queries
from .centre_repository import Notification

_sql = queries("notifications")


async def lock_user_subscriptions(conn, user_id: uuid.UUID) -> None:
    await _sql.lock_user_subscriptions(conn, user_id=user_id)


async def evict_beyond(conn, user_id: uuid.UUID, registered_id: uuid.UUID, cap: int) -> int:
    """Keep ``registered_id`` and the user's newest others up to ``cap`` in all; drop the rest
    (those registered least recently). How many were dropped."""
    return await _sql.evict_beyond(conn, user_id=user_id, registered_id=registered_id, cap=cap)


async def upsert_webpush(conn, *, user_id: uuid.UUID, device_id: uuid.UUID, session_id: uuid.UUID,
                         endpoint: str, p256dh: str, auth: str) -> asyncpg.Record:
    return await _sql.upsert_webpush(conn, id=uuid.uuid4(), user_id=user_id, device_id=device_id,
                                     session_id=session_id, endpoint=endpoint, p256dh=p256dh, auth=auth)


async def upsert_fcm(conn, *, user_id: uuid.UUID, device_id: uuid.UUID, session_id: uuid.UUID,
                     token: str) -> asyncpg.Record:
    return await _sql.upsert_fcm(conn, id=uuid.uuid4(), user_id=user_id, device_id=device_id, session_id=session_id,
                                 token=token)


async def subscriptions_of(conn, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.subscriptions_of(conn, user_id=user_id)]


async def subscription(conn, subscription_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.subscription(conn, id=subscription_id)


async def delete_subscription(conn, subscription_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await _sql.delete_subscription(conn, id=subscription_id, user_id=user_id) == 1


async def prune_subscription(conn, subscription_id: uuid.UUID) -> None:
    await _sql.prune_subscription(conn, id=subscription_id)


async def delete_session_subscriptions(conn, session_ids: list[uuid.UUID]) -> int:
    return await _sql.delete_session_subscriptions(conn, session_ids=session_ids)


async def pushed_notification(conn, notification_id: uuid.UUID) -> tuple[Notification, bool] | None:
    """The notification and whether it was deleted, or None if there is none (yet)."""
    row = await _sql.pushed_notification(conn, id=notification_id)
    if row is None:
        return None
    columns = dict(row)
    deleted = columns.pop("deleted")
    return Notification(**columns), deleted


async def queue_delivery(conn, *, notification_id: uuid.UUID, told_id: uuid.UUID, recipient_id: uuid.UUID,
                         channel: str, subscription_id: uuid.UUID, device_id: uuid.UUID) -> asyncpg.Record | None:
    """The new delivery, or None if this telling was already queued for the subscription."""
    return await _sql.queue_delivery(conn, id=uuid.uuid4(), notification_id=notification_id, told_id=told_id,
                                     recipient_id=recipient_id, channel=channel, subscription_id=subscription_id,
                                     device_id=device_id)


async def lock_delivery(conn, delivery_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.lock_delivery(conn, id=delivery_id)


async def queue_channel_delivery(conn, *, delivery_id: uuid.UUID, notification_id: uuid.UUID, told_id: uuid.UUID,
                                 recipient_id: uuid.UUID, channel: str) -> bool:
    """Whether the email or SMS delivery was queued now (False: this telling's already was)."""
    return await _sql.queue_channel_delivery(conn, id=delivery_id, notification_id=notification_id, told_id=told_id,
                                             recipient_id=recipient_id, channel=channel) is not None


async def record_attempt(conn, delivery_id: uuid.UUID, *, status: str, reason: str | None,
                         next_attempt_at: datetime.datetime | None, message_id: str | None = None) -> None:
    await _sql.record_attempt(conn, id=delivery_id, status=status, reason=reason, next_attempt_at=next_attempt_at,
                              message_id=message_id)


async def withdraw_delivery(conn, delivery_id: uuid.UUID, reason: str) -> None:
    await _sql.withdraw_delivery(conn, id=delivery_id, reason=reason)


async def deliveries_of(conn, notification_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.deliveries_of(conn, notification_id=notification_id)]


# Quiet hours

async def hold(conn, *, told_id: uuid.UUID, notification_id: uuid.UUID, recipient_id: uuid.UUID,
               until: datetime.datetime) -> None:
    await _sql.hold_push(conn, told_id=told_id, notification_id=notification_id, recipient_id=recipient_id,
                         until=until)


async def release_holds(conn, recipient_id: uuid.UUID, until: datetime.datetime) -> list[asyncpg.Record]:
    """The recipient's holds due by ``until`` not released yet, now released (each to one caller)."""
    return [row async for row in _sql.release_holds(conn, recipient_id=recipient_id, until=until)]


async def unread_notifications(conn, ids: list[uuid.UUID]) -> list[Notification]:
    return [Notification(**dict(row)) async for row in _sql.unread_notifications(conn, ids=ids)]


async def insert_summary(conn, *, recipient_id: uuid.UUID, until: datetime.datetime,
                         notification_ids: list[uuid.UUID], told_ids: list[uuid.UUID]) -> asyncpg.Record:
    row = await _sql.insert_summary(conn, id=uuid.uuid4(), recipient_id=recipient_id, until=until,
                                    notification_ids=notification_ids)
    await _sql.mark_summarised(conn, summary_id=row["id"], told_ids=told_ids)
    return row


async def summary(conn, summary_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.summary(conn, id=summary_id)


async def queue_summary_delivery(conn, *, summary_id: uuid.UUID, recipient_id: uuid.UUID, channel: str,
                                 subscription_id: uuid.UUID, device_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.queue_summary_delivery(conn, id=uuid.uuid4(), summary_id=summary_id, recipient_id=recipient_id,
                                             channel=channel, subscription_id=subscription_id, device_id=device_id)
