"""Operators' routes: suspending a shop and lifting a suspension."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import shops
from ...domain.commerce.views import shop_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import SHOP_ID, OperatorReasonIn, ShopSchema

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
