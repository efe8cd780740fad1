"""The commerce area's manifest: shops, their staff and state, the address book, the catalogue,
search, the cart, checkout and orders over REST; the product topic; the workers that tell a shop's
staff and an order's buyer live of their changes, that take an order's payment and its
reservation's end, and that complete orders when their time comes; the orders' notification types."""
from ...area import Area
from ...domain.commerce import notices
from ...workers import commerce_checkout, commerce_live, commerce_orders
from . import addresses, admin, cart, orders, products, search, shops, staff, ws

AREA = Area(
    "commerce",
    # search first: /api/products/search and /api/shops/search before /api/products/{id} and /api/shops/{id}
    routes=(search.routes, shops.routes, staff.routes, addresses.routes, admin.routes, products.routes, cart.routes,
            orders.routes),
    topics=ws.TOPICS,
    consumer_groups={commerce_live.NAME: commerce_live.consumer_group,
                     commerce_checkout.NAME: commerce_checkout.consumer_group,
                     commerce_orders.NAME: commerce_orders.consumer_group},
    notification_types=notices.TYPES,
)
