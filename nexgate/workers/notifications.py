"""Consumer group ``notifications``: every area's events that a registered notification type
is made from, turned into the recipients' notifications (domain/notifications/triggers.py), and
the email digests when they are due (domain/notifications/digests.py)."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.notifications import digests, registry
from ..domain.notifications.events import DIGEST_DUE
from ..domain.notifications.triggers import tell
from ..platform import Platform


def consumer_group(platform: Platform) -> ConsumerGroup:
    types = registry.registered()

    async def handle(event, conn):
        if event.type == DIGEST_DUE:
            await digests.send_due(platform, conn, types, event)
        else:
            await tell(platform, conn, types, event)

    return ConsumerGroup(name="notifications", routing_keys=(*types.sources(), DIGEST_DUE), handle=handle,
                         database=platform.notify)
