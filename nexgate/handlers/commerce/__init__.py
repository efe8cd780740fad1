"""The commerce area's manifest: shops, their staff and state, and the address book over REST;
the worker that tells a shop's staff live of its changes."""
from ...area import Area
from ...workers import commerce_live
from . import addresses, admin, products, shops, staff, ws

AREA = Area(
    "commerce",
    routes=(shops.routes, staff.routes, addresses.routes, admin.routes, products.routes),
    topics=ws.TOPICS,
    consumer_groups={commerce_live.NAME: commerce_live.consumer_group},
)
