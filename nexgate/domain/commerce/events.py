"""The commerce area's events (docs/bus.md, "Event catalogue"; docs/commerce.md)."""
from __future__ import annotations

from ...bus.catalogue import INTEGER, OBJECT, STRING, UUID, declare, event, list_of, nullable

SHOP_CREATED = "commerce.shop.created"
SHOP_UPDATED = "commerce.shop.updated"
SHOP_STATE_CHANGED = "commerce.shop_state.changed"
STAFF_ADDED = "commerce.staff.added"
STAFF_REMOVED = "commerce.staff.removed"
PRODUCT_CREATED = "commerce.product.created"
PRODUCT_UPDATED = "commerce.product.updated"
PRODUCT_STATE_CHANGED = "commerce.product_state.changed"
VARIANT_PRICE_CHANGED = "commerce.variant_price.changed"
VARIANT_STOCK_CHANGED = "commerce.variant_stock.changed"
CATEGORY_CREATED = "commerce.category.created"
# A checkout's reservation came due (a scheduled job, checkout.py): the order still unpaid is cancelled.
RESERVATION_EXPIRED = "commerce.reservation.expired"
WISHLIST_PRICE_DROPPED = "commerce.wishlist_price.dropped"
WISHLIST_BACK_IN_STOCK = "commerce.wishlist_item.restocked"
REVIEW_CREATED = "commerce.review.created"
# Told live to the shop's staff (workers/commerce_live.py).
SHOP_LIVE = (SHOP_UPDATED, SHOP_STATE_CHANGED, STAFF_ADDED, STAFF_REMOVED)
# Told live on the product's topic, product:<id> (workers/commerce_live.py).
PRODUCT_LIVE = (PRODUCT_UPDATED, PRODUCT_STATE_CHANGED, VARIANT_PRICE_CHANGED, VARIANT_STOCK_CHANGED)

# An order's steps (domain/commerce/orders.py): the event of the state it entered.
ORDER_PLACED = "commerce.order.placed"
ORDER_PAID = "commerce.order.paid"
ORDER_ACCEPTED = "commerce.order.accepted"
ORDER_SHIPPED = "commerce.order.shipped"
ORDER_DELIVERED = "commerce.order.delivered"
ORDER_COMPLETED = "commerce.order.completed"
ORDER_CANCELLED = "commerce.order.cancelled"
ORDER_REFUNDED = "commerce.order.refunded"
ORDER_DISPUTED = "commerce.order.disputed"
DISPUTE_LOST = "commerce.dispute.lost"
ORDER_TIMER_EXPIRED = "commerce.order_timer.expired"
ORDER_EVENTS = {"pending_payment": ORDER_PLACED, "paid": ORDER_PAID, "accepted": ORDER_ACCEPTED,
                "shipped": ORDER_SHIPPED, "delivered": ORDER_DELIVERED, "completed": ORDER_COMPLETED,
                "cancelled": ORDER_CANCELLED, "refunded": ORDER_REFUNDED, "disputed": ORDER_DISPUTED}
# Told live to the buyer and the shop's staff (workers/commerce_live.py).
ORDER_LIVE = tuple(ORDER_EVENTS.values())

# What every order event carries: the order, its parties, the step and who took it.
_ORDER = dict(order_id=UUID, checkout_id=UUID, buyer_id=UUID, shop_id=UUID, seller_id=UUID, shop_name=STRING,
              previous_state=nullable(STRING), state=STRING, actor=STRING, actor_id=nullable(UUID), total=INTEGER,
              currency=STRING)

EVENTS = declare("commerce", [
    event(SHOP_CREATED, "a user opened a shop", shop_id=UUID, owner_id=UUID, handle=STRING),
    event(SHOP_UPDATED, "a shop's owner or manager edited it", shop_id=UUID, handle=STRING, fields=list_of(STRING),
          actor_id=UUID),
    event(SHOP_STATE_CHANGED, "a shop was opened, closed, suspended or reinstated", shop_id=UUID, handle=STRING,
          previous_state=STRING, state=STRING, reason=nullable(STRING), actor_id=UUID),
    event(STAFF_ADDED, "a shop's owner made a user a manager", shop_id=UUID, user_id=UUID, role=STRING,
          actor_id=UUID),
    event(STAFF_REMOVED, "a manager left a shop's staff or its owner removed them", shop_id=UUID, user_id=UUID,
          role=STRING, actor_id=UUID),
    event(RESERVATION_EXPIRED, "the time an unpaid order's stock was reserved for came (a scheduled job): an order "
          "still unpaid is cancelled and its stock released", order_id=UUID, buyer_id=UUID),
    event(ORDER_PLACED, "a checkout placed an order of one shop; it waits for payment", **_ORDER),
    event(ORDER_PAID, "an order's hold was funded: its stock is allocated and the shop may accept it", **_ORDER),
    event(ORDER_ACCEPTED, "the shop's staff accepted a paid order", **_ORDER),
    event(ORDER_SHIPPED, "the shop's staff shipped an order (or handed it over for pickup)", **_ORDER,
          tracking=nullable(OBJECT)),
    event(ORDER_DELIVERED, "the buyer confirmed an order's delivery", **_ORDER),
    event(ORDER_COMPLETED, "an order completed (by itself after delivery, or a dispute decided for the seller): "
          "its hold was released to the seller, net of the fee", **_ORDER, released=INTEGER, fee=INTEGER, net=INTEGER),
    event(ORDER_CANCELLED, "an order was cancelled before shipping: its payment refunded in full, its stock released",
          **_ORDER, refunded=INTEGER, reason=nullable(STRING)),
    event(ORDER_REFUNDED, "a dispute was decided for the buyer: the order's payment was refunded", **_ORDER,
          refunded=INTEGER),
    event(ORDER_DISPUTED, "the buyer disputed a shipped or delivered order: its hold is frozen", **_ORDER,
          reason=STRING),
    event(DISPUTE_LOST, "an operator decided a dispute against the seller", order_id=UUID, buyer_id=UUID,
          shop_id=UUID, seller_id=UUID, reason=STRING),
    event(ORDER_TIMER_EXPIRED, "an order's auto-completion time came (a scheduled job)", order_id=UUID),
    event(PRODUCT_CREATED, "a shop's staff listed a product (as a draft, or active)", product_id=UUID, shop_id=UUID,
          state=STRING, actor_id=UUID),
    event(PRODUCT_UPDATED, "a shop's staff edited a product, its variants, media or price tiers", product_id=UUID,
          shop_id=UUID, fields=list_of(STRING), actor_id=UUID),
    event(PRODUCT_STATE_CHANGED, "a product was published, archived or put back on sale", product_id=UUID,
          shop_id=UUID, previous_state=STRING, state=STRING, actor_id=UUID),
    event(VARIANT_PRICE_CHANGED, "a variant's unit price changed", variant_id=UUID, product_id=UUID, shop_id=UUID,
          old_price=INTEGER, new_price=INTEGER, currency=STRING),
    event(VARIANT_STOCK_CHANGED, "a variant's stock moved (an adjustment, a reservation, a release, a shipment)",
          variant_id=UUID, product_id=UUID, shop_id=UUID, available=INTEGER, previous_available=INTEGER,
          on_hand=INTEGER, reason=STRING),
    event(CATEGORY_CREATED, "an operator added a product category", category_id=UUID, parent_id=nullable(UUID),
          slug=STRING, actor_id=UUID),
    event(WISHLIST_PRICE_DROPPED, "a product some saved on their wishlist is sold cheaper: for the notification "
          "service, naming them", product_id=UUID, variant_id=UUID, shop_id=UUID, product_name=STRING,
          old_price=INTEGER, new_price=INTEGER, currency=STRING, recipient_ids=list_of(UUID)),
    event(WISHLIST_BACK_IN_STOCK, "a product some saved on their wishlist has units available again: for the "
          "notification service, naming them", product_id=UUID, variant_id=UUID, shop_id=UUID, product_name=STRING,
          available=INTEGER, recipient_ids=list_of(UUID)),
    event(REVIEW_CREATED, "a buyer reviewed a product of a completed order: for the trust worker (the seller's "
          "score) and the notification service", review_id=UUID, product_id=UUID, product_name=STRING, shop_id=UUID,
          seller_id=UUID, buyer_id=UUID, order_id=UUID, rating=INTEGER),
])
