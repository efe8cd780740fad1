"""Consumer group ``commerce_live``: tells a shop's staff's devices that their shop changed
(``commerce.shop.updated``, ``commerce.shop_state.changed``) or its staff did
(``commerce.staff.added``, ``commerce.staff.removed``), with the shop's view as REST shows it;
and an order's buyer and its shop's staff of each step of the order (``commerce.order.*``), with
the order's view.

The events come from the outbox, so a crash between the commit and the publish loses nothing;
each is appended under the event's id, so a redelivery reaches each device once (DESIGN.md §13).
It also publishes the catalogue's changes on each product's topic, ``product:<id>``
(``commerce.product.updated``, ``commerce.product_state.changed``, ``commerce.variant_price.changed``,
``commerce.variant_stock.changed``), with the product or variant as it is when published.
"""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.commerce import live
from ..domain.commerce.events import ORDER_LIVE, PRODUCT_LIVE, SHOP_LIVE
from ..platform import Platform

NAME = "commerce_live"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        if event.type in PRODUCT_LIVE:
            await live.tell_product_watchers(platform, conn, event)
        elif event.type in ORDER_LIVE:
            await live.tell_order(platform, conn, event)
        else:
            await live.tell_staff(platform, conn, event)

    return ConsumerGroup(name=NAME, routing_keys=SHOP_LIVE + PRODUCT_LIVE + ORDER_LIVE, handle=handle,
                         database=platform.core)
