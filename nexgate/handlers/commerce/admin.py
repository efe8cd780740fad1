"""Operators' routes: suspending a shop or a product and lifting a suspension."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import products, shops
from ...domain.commerce.views import product_view, shop_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import PRODUCT_ID, SHOP_ID, OperatorReasonIn, ProductSchema, ShopSchema

routes = Routes("commerce")
OPERATORS = ("moderator", "admin")


@routes.post("/api/admin/shops/{shop_id}/suspend", summary="Suspend a shop, for operators", ids=(SHOP_ID,),
             body=OperatorReasonIn, response=ShopSchema, roles=OPERATORS, errors=(409,))
async def suspend_shop(request: web.Request, *, body: dict, shop_id: uuid.UUID) -> web.Response:
    """Moderator or admin role. The shop is hidden from all but its staff, who see the reason, and
    its owner cannot reopen it. One suspended already is 409 `shop_suspended`."""
    found = await shops.suspend(request.app[PLATFORM], caller(request), shop_id, body["reason"])
    return json_response(ShopSchema, shop_view(found))


@routes.post("/api/admin/shops/{shop_id}/reinstate", summary="Lift a shop's suspension, for operators",
             ids=(SHOP_ID,), body=OperatorReasonIn, response=ShopSchema, roles=OPERATORS, errors=(409,))
async def reinstate_shop(request: web.Request, *, body: dict, shop_id: uuid.UUID) -> web.Response:
    """Moderator or admin role. The shop is left closed, for its owner to open. One not suspended
    is 409 `shop_not_suspended` with `details.state`."""
    found = await shops.reinstate(request.app[PLATFORM], caller(request), shop_id, body["reason"])
    return json_response(ShopSchema, shop_view(found))


@routes.post("/api/admin/products/{product_id}/suspend", summary="Take a product down, for operators",
             ids=(PRODUCT_ID,), body=OperatorReasonIn, response=ProductSchema, roles=OPERATORS, errors=(409,))
async def suspend_product(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """Moderator or admin role. The product is hidden from all but its shop's staff, who see the
    reason (`suspended_reason`), and not sold; its staff cannot change its state. One suspended
    already is 409 `product_suspended`."""
    found = await products.suspend(request.app[PLATFORM], caller(request), product_id, body["reason"])
    return json_response(ProductSchema, product_view(found))


@routes.post("/api/admin/products/{product_id}/reinstate", summary="Lift a product's suspension, for operators",
             ids=(PRODUCT_ID,), response=ProductSchema, roles=OPERATORS, errors=(409,))
async def reinstate_product(request: web.Request, *, product_id: uuid.UUID) -> web.Response:
    """Moderator or admin role. The product is back in the state it was suspended from. One not
    suspended is 409 `product_not_suspended` with `details.state`."""
    found = await products.reinstate(request.app[PLATFORM], caller(request), product_id)
    return json_response(ProductSchema, product_view(found))
