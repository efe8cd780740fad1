"""The in-app notification centre (spec 003 "Notifications"): a recipient's notifications,
their unread count, reading and deleting them. Every change of the unread count reaches the
recipient's live devices (docs/websocket.md, "Notifications")."""
from __future__ import annotations

import uuid
from typing import Any

from ...errors import NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import centre_repository as repository
from . import live, push, registry
from .views import notification_view


def _not_found() -> NotFound:
    return NotFound("No such notification", code="notification_not_found")


async def _shown(platform: Platform, caller: Caller):
    """The view function for the caller: types by name, rendered in the caller's language."""
    types = registry.registered()
    language = await visibility.language_of(platform, caller.user_id)
    return lambda notification: notification_view(types[notification.type], notification, language)


async def notifications(platform: Platform, caller: Caller, *, unread: bool, category: str | None,
                        cursor: str | None, limit: int) -> Page[dict[str, Any]]:
    show = await _shown(platform, caller)
    async with platform.notify.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: repository.notifications_page(
            conn, caller.user_id, before, n, unread=unread, category=category), repository.Notification.position)
    return page.map(show)


async def notification(platform: Platform, caller: Caller, notification_id: uuid.UUID) -> dict[str, Any]:
    """One notification with its deliveries to the caller's devices (push.delivery_states)."""
    show = await _shown(platform, caller)
    async with platform.notify.connection() as conn:
        found = await repository.notification(conn, notification_id, caller.user_id)
        if found is None:
            raise _not_found()
        deliveries = await push.delivery_states(conn, notification_id)
    return show(found) | {"deliveries": deliveries}


async def unread_count(platform: Platform, caller: Caller) -> int:
    async with platform.notify.connection() as conn:
        return await repository.unread_count(conn, caller.user_id)


async def mark_read(platform: Platform, caller: Caller, notification_id: uuid.UUID) -> dict[str, Any]:
    show = await _shown(platform, caller)
    async with platform.notify.transaction("notifications.mark_read") as conn:
        marked = await repository.mark_read(conn, notification_id, caller.user_id)
        if marked is None:
            raise _not_found()
        unread = await repository.unread_count(conn, caller.user_id)
    await live.unread_count_changed(platform, caller.user_id, unread)
    return show(marked)


async def mark_all_read(platform: Platform, caller: Caller) -> tuple[int, int]:
    """Mark every notification read; how many were unread, and how many are now."""
    async with platform.notify.transaction("notifications.mark_all_read") as conn:
        marked = await repository.mark_all_read(conn, caller.user_id)
        unread = await repository.unread_count(conn, caller.user_id)  # what arrived meanwhile
    await live.unread_count_changed(platform, caller.user_id, unread)
    return marked, unread


async def delete(platform: Platform, caller: Caller, notification_id: uuid.UUID) -> None:
    async with platform.notify.transaction("notifications.delete") as conn:
        if not await repository.delete_notification(conn, notification_id, caller.user_id):
            raise _not_found()
        unread = await repository.unread_count(conn, caller.user_id)
    await live.unread_count_changed(platform, caller.user_id, unread)
