"""The commerce area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): an order placed and paid, told to its buyer; a paid order (the payment
received into escrow), told to the seller; shipped, told to the buyer; delivered, told to the
seller; cancelled by the shop, Nexgate or an operator, told to the buyer, and a paid order the
buyer called off, told to the seller; a dispute, told to the seller. The seller's payout at
completion is the payments area's ``escrow_released``."""
from __future__ import annotations

from ..notifications.registry import notification_type
from .events import ORDER_CANCELLED, ORDER_DELIVERED, ORDER_DISPUTED, ORDER_PAID, ORDER_PLACED, ORDER_SHIPPED

_ORDER = {"category": "commerce", "about": ("order", "order_id"), "params": ("shop_name", "total", "currency"),
          "amounts": {"total": "currency"}, "link": "nexgate://orders/{order_id}"}

ORDER_PLACED_NOTICE = notification_type(
    "order_placed", sources=(ORDER_PLACED,), **_ORDER, recipient="buyer_id",
    in_app={"en": "Your order at {shop_name} for {total} is placed. Pay for it to confirm it",
            "sw": "Oda yako kwa {shop_name} ya {total} imewekwa. Ilipie ili kuithibitisha"})

ORDER_PAID_NOTICE = notification_type(
    "order_paid", sources=(ORDER_PAID,), **_ORDER, recipient="buyer_id",
    in_app={"en": "Your order at {shop_name} is paid. {shop_name} will now prepare it",
            "sw": "Oda yako kwa {shop_name} imelipiwa. {shop_name} sasa wataiandaa"})

ORDER_PAYMENT_RECEIVED = notification_type(
    "order_payment_received", sources=(ORDER_PAID,), **_ORDER, recipient="seller_id", actor="buyer_id",
    important=True,
    in_app={"en": "Payment received: {actor_name} paid {total} for an order at {shop_name}. Accept it and ship it",
            "sw": "Malipo yamepokelewa: {actor_name} amelipa {total} kwa oda ya {shop_name}. Ikubali na uitume"})

ORDER_SHIPPED_NOTICE = notification_type(
    "order_shipped", sources=(ORDER_SHIPPED,), **_ORDER, recipient="buyer_id", important=True,
    in_app={"en": "Your order from {shop_name} is on its way",
            "sw": "Oda yako kutoka {shop_name} iko njiani"})

ORDER_DELIVERED_NOTICE = notification_type(
    "order_delivered", sources=(ORDER_DELIVERED,), **_ORDER, recipient="seller_id", actor="buyer_id",
    in_app={"en": "{actor_name} confirmed the delivery of their order from {shop_name}",
            "sw": "{actor_name} amethibitisha kupokea oda yake kutoka {shop_name}"})

ORDER_CANCELLED_NOTICE = notification_type(
    "order_cancelled", sources=(ORDER_CANCELLED,), **_ORDER, recipient="buyer_id",
    when={"actor": ("seller", "system", "operator")}, important=True,
    in_app={"en": "Your order at {shop_name} was cancelled. Anything you paid for it is on its way back to you",
            "sw": "Oda yako kwa {shop_name} imeghairiwa. Ulichokilipia kinarudishwa kwako"})

ORDER_CANCELLED_BY_BUYER = notification_type(
    "order_cancelled_by_buyer", sources=(ORDER_CANCELLED,), **_ORDER, recipient="seller_id", actor="buyer_id",
    when={"actor": "buyer", "previous_state": "paid"},
    in_app={"en": "{actor_name} cancelled a paid order at {shop_name}. Its payment goes back to them",
            "sw": "{actor_name} ameghairi oda iliyolipiwa ya {shop_name}. Malipo yake yanarudishwa kwake"})

ORDER_DISPUTED_NOTICE = notification_type(
    "order_disputed", sources=(ORDER_DISPUTED,), **_ORDER, recipient="seller_id", actor="buyer_id", important=True,
    in_app={"en": "{actor_name} opened a dispute about an order at {shop_name}. Its payment is held until Nexgate "
                  "decides",
            "sw": "{actor_name} amefungua malalamiko kuhusu oda ya {shop_name}. Malipo yake yamezuiliwa hadi Nexgate "
                  "iamue"})

TYPES = (ORDER_PLACED_NOTICE, ORDER_PAID_NOTICE, ORDER_PAYMENT_RECEIVED, ORDER_SHIPPED_NOTICE, ORDER_DELIVERED_NOTICE,
         ORDER_CANCELLED_NOTICE, ORDER_CANCELLED_BY_BUYER, ORDER_DISPUTED_NOTICE)
