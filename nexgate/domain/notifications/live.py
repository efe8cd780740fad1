"""What the notification service pushes to the recipient's devices (docs/websocket.md,
"Notifications"), on the recipient's stream: resumable like every user event."""
from __future__ import annotations

import uuid
from typing import Any

from ...platform import Platform

NOTIFICATION_CREATED = "notifications.notification.created"
NOTIFICATION_UPDATED = "notifications.notification.updated"
UNREAD_COUNT_CHANGED = "notifications.unread_count.changed"


async def notification_told(platform: Platform, recipient_id: uuid.UUID, view: dict[str, Any], unread: int, *,
                            created: bool, event_id: uuid.UUID) -> None:
    """A new (or grouped into) notification with the new unread count. ``event_id`` is derived
    from the source event's id, so the consumer's retry of that event shows it once."""
    await platform.realtime.publish_to_user(
        recipient_id, NOTIFICATION_CREATED if created else NOTIFICATION_UPDATED,
        {"notification": view, "unread_count": unread}, event_id=event_id)


async def unread_count_changed(platform: Platform, recipient_id: uuid.UUID, unread: int) -> None:
    """After the recipient read or deleted notifications on one device: the count for the others."""
    await platform.realtime.publish_to_user(recipient_id, UNREAD_COUNT_CHANGED, {"unread_count": unread})
