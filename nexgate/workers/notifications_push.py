"""Consumer group ``notifications_push``: pushes each notification told to the recipient's
devices, attempts again the deliveries whose backoff is over, pushes what was held for quiet
hours as one summary when they end, and drops the subscriptions of signed-out sessions
(domain/notifications/push.py)."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.auth.events import SESSION_REVOKED
from ..domain.notifications import push
from ..domain.notifications.events import PUSH_BACKOFF_EXPIRED, PUSH_REQUESTED, QUIET_HOURS_ENDED
from ..platform import Platform

ROUTING_KEYS = (PUSH_REQUESTED, PUSH_BACKOFF_EXPIRED, QUIET_HOURS_ENDED, SESSION_REVOKED)


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await push.handle(platform, conn, event)

    return ConsumerGroup(name=push.GROUP, routing_keys=ROUTING_KEYS, handle=handle, database=platform.notify)
