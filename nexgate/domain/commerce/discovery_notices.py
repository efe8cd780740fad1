"""The notification types of commerce's discovery (nexgate/domain/notifications/registry.py,
docs/notifications.md): a saved product's price drop and its return to stock, told to each of
its savers the wishlist's event names; a review of a shop's product, told to its seller."""
from __future__ import annotations

from ..notifications.registry import Each, notification_type
from .events import REVIEW_CREATED, WISHLIST_BACK_IN_STOCK, WISHLIST_PRICE_DROPPED

_TO_EACH_SAVER = {"category": "commerce", "recipient": "recipient_id",
                  "each": Each("recipient_ids", as_field="recipient_id"), "about": ("product", "product_id"),
                  "link": "nexgate://products/{product_id}"}

PRICE_DROP = notification_type(
    "wishlist_price_drop", sources=(WISHLIST_PRICE_DROPPED,), **_TO_EACH_SAVER,
    params=("product_name", "old_price", "new_price", "currency"),
    amounts={"old_price": "currency", "new_price": "currency"},
    in_app={"en": "Price drop: {product_name} on your wishlist is now {new_price} (was {old_price})",
            "sw": "Bei imeshuka: {product_name} kwenye orodha yako ya matamanio sasa ni {new_price} "
                  "(ilikuwa {old_price})"})

BACK_IN_STOCK = notification_type(
    "wishlist_back_in_stock", sources=(WISHLIST_BACK_IN_STOCK,), **_TO_EACH_SAVER, params=("product_name",),
    in_app={"en": "Back in stock: {product_name} on your wishlist is available again",
            "sw": "Imerudi: {product_name} kwenye orodha yako ya matamanio inapatikana tena"})

REVIEW_RECEIVED = notification_type(
    "review_received", sources=(REVIEW_CREATED,), category="commerce", recipient="seller_id", actor="buyer_id",
    about=("product", "product_id"), params=("product_name", "rating"),
    link="nexgate://products/{product_id}/reviews/{review_id}",
    in_app={"en": "{actor_name} rated {product_name} {rating} out of 5",
            "sw": "{actor_name} ameipa {product_name} nyota {rating} kati ya 5"})

TYPES = (PRICE_DROP, BACK_IN_STOCK, REVIEW_RECEIVED)
