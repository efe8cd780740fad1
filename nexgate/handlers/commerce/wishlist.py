"""The wishlist: the products the caller saved, and told of when their price drops or they are
back in stock."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import search, wishlist
from ...domain.commerce.wishlist_repository import Saved
from ...domain.media import attachments
from ...keys import PLATFORM
from ...pagination import Page, PageQuery
from ..routing import PathId, Routes, caller, json_response
from .discovery_schemas import SavedPageSchema, SavedSchema, WishlistSaveIn

routes = Routes("commerce")

SAVED_PRODUCT_ID = PathId("product_id", lambda raw: wishlist.not_saved())


async def _views(platform, items: list[Saved]) -> list[dict]:
    images = [item.image_media_id for item in items if item.image_media_id]
    media = await attachments.attachment_views(platform, images) if images else {}
    return [{
        "product": {**search.found_view(item, media), "state": item.state},
        "variant_id": item.variant_id,
        "variant_price": None if item.variant_price is None else {"amount": item.variant_price,
                                                                   "currency": item.currency},
        "saved_at": item.saved_at,
    } for item in items]


@routes.post("/api/wishlist", summary="Save a product to your wishlist", body=WishlistSaveIn, response=SavedSchema,
             status=201, other_statuses=(200,), errors=(404, 409))
async def save(request: web.Request, *, body: dict) -> web.Response:
    """201 saved; 200 when it was saved already (the `variant_id` sent replaces the one saved).
    A product you may not see is 404 `product_not_found`; a `variant_id` that is no variant of it
    on sale 422 naming it. At most 500 products (409 `wishlist_full`)."""
    platform = request.app[PLATFORM]
    result = await wishlist.save(platform, caller(request), body["product_id"], body["variant_id"])
    [view] = await _views(platform, [result.item])
    return json_response(SavedSchema, view, 201 if result.created else 200)


@routes.get("/api/wishlist", summary="Your wishlist", query=PageQuery, response=SavedPageSchema)
async def items(request: web.Request, *, query: dict) -> web.Response:
    """The products you saved that you may still see, the latest saved first, each as it is now."""
    platform = request.app[PLATFORM]
    page = await wishlist.items(platform, caller(request), **query)
    return json_response(SavedPageSchema, Page(await _views(platform, page.items), page.next_cursor))


@routes.delete("/api/wishlist/{product_id}", summary="Remove a product from your wishlist", ids=(SAVED_PRODUCT_ID,),
               status=204, errors=(404,))
async def remove(request: web.Request, *, product_id: uuid.UUID) -> web.Response:
    """404 `wishlist_item_not_found` for a product not on it."""
    await wishlist.remove(request.app[PLATFORM], caller(request), product_id)
    return web.Response(status=204)
