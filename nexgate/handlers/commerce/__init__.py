"""The commerce area's manifest: shops, their staff and state, the address book, the catalogue,
the cart and checkout over REST; the product topic; the workers that tell a shop's staff live of
its changes and that take an order's payment and its reservation's end."""
from ...area import Area
from ...workers import commerce_checkout, commerce_live
from . import addresses, admin, cart, products, shops, staff, ws

AREA = Area(
    "commerce",
    routes=(shops.routes, staff.routes, addresses.routes, admin.routes, products.routes, cart.routes),
    topics=ws.TOPICS,
    consumer_groups={commerce_live.NAME: commerce_live.consumer_group,
                     commerce_checkout.NAME: commerce_checkout.consumer_group},
)
