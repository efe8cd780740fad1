"""Consumer group ``commerce_live``: tells a shop's staff's devices that their shop changed
(``commerce.shop.updated``, ``commerce.shop_state.changed``) or its staff did
(``commerce.staff.added``, ``commerce.staff.removed``), with the shop's view as REST shows it.

The events come from the outbox, so a crash between the commit and the publish loses nothing;
each is appended under the event's id, so a redelivery reaches each device once (DESIGN.md §13).
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.commerce import live
from ..domain.commerce.events import SHOP_LIVE
from ..platform import Platform

NAME = "commerce_live"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await live.tell_staff(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=SHOP_LIVE, handle=handle, database=platform.core)
