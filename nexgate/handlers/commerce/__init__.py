"""The commerce area's manifest: shops, their staff and state, the address book, the catalogue,
search, the cart, checkout and orders, the wishlist, contacting a seller and reviews over REST;
the product topic; the workers that tell a shop's staff and an order's buyer live of their
changes, that take an order's payment and its reservation's end, that complete orders when their
time comes, and that tell wishlist savers of price drops and restocks; the notification types of
orders, the wishlist and reviews."""
from ...area import Area
from ...domain.commerce import discovery_notices, notices
from ...workers import commerce_checkout, commerce_live, commerce_orders, commerce_wishlist
from . import addresses, admin, cart, contact, orders, products, reviews, search, shops, staff, wishlist, ws

AREA = Area(
    "commerce",
    # search first: /api/products/search and /api/shops/search before /api/products/{id} and /api/shops/{id}
    routes=(search.routes, shops.routes, staff.routes, addresses.routes, admin.routes, products.routes, cart.routes,
            orders.routes, wishlist.routes, contact.routes, reviews.routes),
    topics=ws.TOPICS,
    consumer_groups={commerce_live.NAME: commerce_live.consumer_group,
                     commerce_checkout.NAME: commerce_checkout.consumer_group,
                     commerce_orders.NAME: commerce_orders.consumer_group,
                     commerce_wishlist.NAME: commerce_wishlist.consumer_group},
    notification_types=notices.TYPES + discovery_notices.TYPES,
)
