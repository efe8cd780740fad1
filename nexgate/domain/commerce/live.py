"""What a shop's staff are told live of their shop (docs/commerce.md, "Live"), what a product's
watchers are told on its topic, and what an order's buyer and its shop's staff are told of its
steps, for the ``commerce_live`` consumer group.

Each event was written to the outbox in the transaction of the change; the group appends it to
the streams of the shop's staff under the event's own name and id (a redelivery is shown once),
carrying the shop as REST shows it now. A removed manager is told too, once.
"""
from __future__ import annotations

import uuid
from typing import Any

from ...bus import Event
from ...platform import Platform
from . import orders, products, products_repository, shops, views
from . import shops_repository as repository
from .events import STAFF_ADDED, STAFF_REMOVED, VARIANT_PRICE_CHANGED, VARIANT_STOCK_CHANGED
from .stock import stock_status
from .views import json_ready, order_view, shop_view


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


def product_topic(product_id: uuid.UUID | str) -> str:
    return f"product:{product_id}"


async def tell_product_watchers(platform: Platform, conn, event: Event) -> None:
    """Publish a catalogue event on the product's topic, ``product:<id>``, with the product or the
    variant as it is now (a late or repeated delivery shows the current state, never an older one):
    a price change with the variant's price now, a stock change (when what is available moved)
    with what is available now, an edit or a change of state with the product's page."""
    payload = event.payload
    product_id = uuid.UUID(payload["product_id"])
    if event.type in (VARIANT_PRICE_CHANGED, VARIANT_STOCK_CHANGED):
        if event.type == VARIANT_STOCK_CHANGED and payload["available"] == payload["previous_available"]:
            return
        variant_id = uuid.UUID(payload["variant_id"])
        variant = (await products.variants(conn, [variant_id])).get(variant_id)
        product = await products_repository.product_by_id(conn, product_id)
        if variant is None or product is None or variant.archived_at is not None:
            return
        data = {"product_id": str(product_id), "variant_id": str(variant.id)}
        if event.type == VARIANT_PRICE_CHANGED:
            data |= {"price": variant.price, "previous_price": payload["old_price"], "currency": product.currency}
        else:
            data |= {"stock_status": stock_status(variant.available, product.low_stock_threshold),
                     "available": max(variant.available, 0)}
    else:
        found = await products.product_view_for_live(platform, conn, product_id)
        if found is None:
            return
        data = {"product": json_ready(views.product_view(found))}
    await platform.realtime.publish_to_topic(product_topic(product_id), event.type, data)


async def tell_order(platform: Platform, conn, event: Event) -> None:
    """An order's step, told to its buyer and its shop's staff, with the order as REST shows it now."""
    order = await orders.get_order(conn, uuid.UUID(event.payload["order_id"]))
    if order is None:
        return
    recipients = {order.buyer_id, *await repository.staff_ids(conn, order.shop_id)}
    data = {"order": json_ready(order_view(await orders.detail(conn, order)))}
    await platform.realtime.publish_to_users(recipients, event.type, data, event_id=event.id)
