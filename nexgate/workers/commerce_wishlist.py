"""Consumer group ``commerce_wishlist``: tells the savers of a product when its price drops
(``commerce.variant_price.changed`` to a lower price) or it is back in stock
(``commerce.variant_stock.changed`` from none available), by writing
``commerce.wishlist_price.dropped`` or ``commerce.wishlist_item.restocked`` naming them in the
delivery's own transaction, for the notification service (docs/commerce.md, "Wishlist")."""
from __future__ import annotations

from ..bus.consumer import ConsumerGroup
from ..domain.commerce import wishlist
from ..domain.commerce.events import VARIANT_PRICE_CHANGED, VARIANT_STOCK_CHANGED
from ..platform import Platform

NAME = "commerce_wishlist"


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await wishlist.tell_savers(conn, event)

    return ConsumerGroup(name=NAME, routing_keys=(VARIANT_PRICE_CHANGED, VARIANT_STOCK_CHANGED), handle=handle,
                         database=platform.core)
