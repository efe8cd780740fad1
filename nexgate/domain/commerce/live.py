"""What a shop's staff are told live of their shop (docs/commerce.md, "Live"), for the
``commerce_live`` consumer group.

Each event was written to the outbox in the transaction of the change; the group appends it to
the streams of the shop's staff under the event's own name and id (a redelivery is shown once),
carrying the shop as REST shows it now. A removed manager is told too, once.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...bus import Event
from ...platform import Platform
from . import shops
from . import shops_repository as repository
from .events import STAFF_ADDED, STAFF_REMOVED
from .views import json_ready, shop_view


async def tell_staff(platform: Platform, conn, event: Event) -> None:
    shop_id = uuid.UUID(event.payload["shop_id"])
    found = await shops.shop_view_for_staff(platform, conn, shop_id)
    if found is None:
        return
    recipients = await repository.staff_ids(conn, shop_id)
    data: dict[str, Any] = {"shop": json_ready(shop_view(found))}
    if event.type in (STAFF_ADDED, STAFF_REMOVED):
        data |= {"user_id": event.payload["user_id"], "role": event.payload["role"]}
        if event.type == STAFF_REMOVED:
            recipients.append(uuid.UUID(event.payload["user_id"]))
    await platform.realtime.publish_to_users(recipients, event.type, data, event_id=event.id)
