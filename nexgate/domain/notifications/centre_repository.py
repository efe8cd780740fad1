"""The notification centre's SQL (``sql/notifications/centre.sql``): runs queries, decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ...sql import queries

_sql = queries("notifications")


@dataclasses.dataclass(frozen=True)
class Notification:
    id: uuid.UUID
    recipient_id: uuid.UUID
    type: str
    category: str
    object_type: str | None
    object_id: uuid.UUID | None
    actors: list[dict[str, str]]  # {"id", "name"}, latest first, at most 100
    actor_count: int
    params: dict[str, Any]
    link: str
    read_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Notification | None:
        return None if row is None else cls(**dict(row))

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.updated_at, self.id


async def claim_group(conn, *, recipient_id: uuid.UUID, group_key: str, notification_id: uuid.UUID,
                      at: datetime.datetime, window: datetime.timedelta) -> uuid.UUID:
    return await _sql.claim_group(conn, recipient_id=recipient_id, group_key=group_key,
                                  notification_id=notification_id, at=at, window_s=window.total_seconds())


async def insert_notification(conn, **columns: Any) -> Notification:
    return Notification.from_row(await _sql.insert_notification(conn, **columns))


async def insert_actor(conn, notification_id: uuid.UUID, actor_id: uuid.UUID, at: datetime.datetime) -> bool:
    return await _sql.insert_actor(conn, notification_id=notification_id, actor_id=actor_id, at=at)


async def join_group(conn, notification_id: uuid.UUID, *, actor: dict[str, str], new_actor: bool,
                     params: dict[str, Any]) -> Notification:
    return Notification.from_row(
        await _sql.join_group(conn, id=notification_id, actor=actor, new_actor=new_actor, params=params))


async def notifications_page(conn, recipient_id: uuid.UUID, before: tuple, limit: int, *, unread: bool,
                             category: str | None) -> list[Notification]:
    rows = _sql.notifications_page(conn, recipient_id=recipient_id, before_at=before[0], before_id=before[1],
                                   unread=unread, category=category, lim=limit)
    return [Notification.from_row(row) async for row in rows]


async def notification(conn, notification_id: uuid.UUID, recipient_id: uuid.UUID) -> Notification | None:
    return Notification.from_row(await _sql.notification(conn, id=notification_id, recipient_id=recipient_id))


async def mark_read(conn, notification_id: uuid.UUID, recipient_id: uuid.UUID) -> Notification | None:
    return Notification.from_row(await _sql.mark_read(conn, id=notification_id, recipient_id=recipient_id))


async def mark_all_read(conn, recipient_id: uuid.UUID) -> int:
    return await _sql.mark_all_read(conn, recipient_id=recipient_id)


async def delete_notification(conn, notification_id: uuid.UUID, recipient_id: uuid.UUID) -> bool:
    return await _sql.delete_notification(conn, id=notification_id, recipient_id=recipient_id) == 1


async def unread_count(conn, recipient_id: uuid.UUID) -> int:
    return await _sql.unread_count(conn, recipient_id=recipient_id)
