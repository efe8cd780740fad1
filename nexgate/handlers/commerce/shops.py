"""Shops: opening one, its public page by id or $handle, the staff's edits, its state, the
shops a user owns and the shops the caller acts for."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import shops
from ...domain.commerce.views import shop_card, shop_view, staff_shop_view
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .schemas import (OWNER_ID, SHOP_ID, ShopCardPageSchema, ShopCreateSchema, ShopSchema, ShopStateIn,
                      ShopUpdateSchema, StaffShopPageSchema)

routes = Routes("commerce")


def _answer(found: shops.ShopView, status: int = 200) -> web.Response:
    return json_response(ShopSchema, shop_view(found), status)


@routes.post("/api/shops", summary="Open a shop", body=ShopCreateSchema, response=ShopSchema, status=201,
             errors=(403, 404, 409))
async def create_shop(request: web.Request, *, body: dict) -> web.Response:
    """You become its owner. A handle taken in any letter case is 409 `shop_handle_taken` naming
    `handle`; a reserved or malformed one 422 naming it. At most 10 shops a user (409
    `too_many_shops`). A logo or cover must be your own ready image uploaded for `avatar` or
    `cover` (the media area's refusals, naming the field: `media_not_found`, `media_not_owned`,
    `media_purpose_mismatch`, `media_not_ready`)."""
    return _answer(await shops.create_shop(request.app[PLATFORM], caller(request), body), 201)


@routes.get("/api/shops", summary="The shops you own or manage", query=PageQuery, response=StaffShopPageSchema)
async def my_shops(request: web.Request, *, query: dict) -> web.Response:
    """With your role in each, the most recently joined first; suspended ones included."""
    page = await shops.my_shops(request.app[PLATFORM], caller(request), **query)
    return json_response(StaffShopPageSchema, page.map(staff_shop_view))


@routes.get("/api/shops/{shop_id}", summary="A shop's page, by id or by $handle", response=ShopSchema,
            errors=(404,), auth=OPTIONAL)
async def get_shop(request: web.Request) -> web.Response:
    """The path segment is an id (a UUID) or a handle, with or without its `$`, in any letter case.
    No token needed. A shop whose owner blocked you or whom you blocked, and a suspended shop
    (but to its staff), is 404 `shop_not_found`, as one that does not exist."""
    found = await shops.get_shop(request.app[PLATFORM], viewer(request), request.match_info["shop_id"])
    return _answer(found)


@routes.patch("/api/shops/{shop_id}", summary="Edit a shop", ids=(SHOP_ID,), body=ShopUpdateSchema,
              response=ShopSchema, errors=(403, 404, 409))
async def update_shop(request: web.Request, *, body: dict, shop_id: uuid.UUID) -> web.Response:
    """Its owner and managers (403 `not_shop_staff` for anyone else); only the owner changes the
    handle (403 `not_shop_owner`). Only what is sent changes; an object sent (`location`,
    `contact`, `pickup`, `delivery`) replaces the whole of it."""
    return _answer(await shops.update_shop(request.app[PLATFORM], caller(request), shop_id, body))


@routes.put("/api/shops/{shop_id}/state", summary="Open or close a shop", ids=(SHOP_ID,), body=ShopStateIn,
            response=ShopSchema, errors=(403, 404, 409))
async def set_state(request: web.Request, *, body: dict, shop_id: uuid.UUID) -> web.Response:
    """The owner only (403 `not_shop_owner`, `not_shop_staff`). A suspended shop is 409
    `shop_suspended`: only an operator lifts a suspension. The state it is in already answers
    it unchanged."""
    return _answer(await shops.set_state(request.app[PLATFORM], caller(request), shop_id, body["state"]))


@routes.get("/api/users/{user_id}/shops", summary="The shops a user owns", ids=(OWNER_ID,), query=PageQuery,
            response=ShopCardPageSchema, errors=(404,), auth=OPTIONAL)
async def shops_of_user(request: web.Request, *, query: dict, user_id: uuid.UUID) -> web.Response:
    """Newest first, suspended ones left out (but for the owner). No token needed. A user who
    blocked you or whom you blocked is 404 `user_not_found`."""
    page = await shops.shops_of_user(request.app[PLATFORM], viewer(request), user_id, **query)
    return json_response(ShopCardPageSchema, page.map(shop_card))
