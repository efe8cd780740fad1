"""The notification as a client sees it: the REST answers and the live events carry this dict
(docs/notifications.md)."""
from __future__ import annotations

from typing import Any

from . import registry
from .centre_repository import Notification

SHOWN_ACTORS = 3  # the avatars a client stacks; the text and actor_count say the rest


def notification_view(kind: registry.NotificationType, notification: Notification, language: str) -> dict[str, Any]:
    n = notification
    return {
        "id": n.id,
        "type": n.type,
        "category": n.category,
        "critical": kind.critical,
        "text": registry.render(kind, "in_app", language, n.params, [a["name"] for a in n.actors], n.actor_count),
        "link": n.link,
        "object": None if n.object_type is None else {"type": n.object_type, "id": n.object_id},
        "actors": n.actors[:SHOWN_ACTORS],
        "actor_count": n.actor_count,
        "params": n.params,
        "read": n.read_at is not None,
        "read_at": n.read_at,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
    }
