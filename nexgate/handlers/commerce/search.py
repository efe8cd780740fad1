"""Search: products by words and filters, shops by handle and name. Public reads."""
from __future__ import annotations

from aiohttp import web

from ...domain.commerce import search
from ...domain.commerce.views import shop_card
from ...domain.media import attachments
from ...keys import PLATFORM
from ..routing import OPTIONAL, Routes, json_response, viewer
from .discovery_schemas import FoundProductPageSchema, FoundShopPageSchema, ProductSearchQuery, ShopSearchQuery

routes = Routes("commerce")


@routes.get("/api/products/search", summary="Search products", query=ProductSearchQuery,
            response=FoundProductPageSchema, auth=OPTIONAL)
async def search_products(request: web.Request, *, query: dict) -> web.Response:
    """Active products of open shops, by words (`q`) and filters, in the order `sort` names,
    cursor-paged. No token needed. Products of a shop whose owner blocked you, or whom you
    blocked, never appear. 422 naming the field for an unknown `category` or `shop`, a price
    range without `currency` or with `min_price` above `max_price`, `sort=relevance` without `q`."""
    platform = request.app[PLATFORM]
    page = await search.search_products(platform, viewer(request), **query)
    images = [found.image_media_id for found in page.items if found.image_media_id]
    media = await attachments.attachment_views(platform, images) if images else {}
    return json_response(FoundProductPageSchema, page.map(lambda found: search.found_view(found, media)))


@routes.get("/api/shops/search", summary="Search shops by handle and name", query=ShopSearchQuery,
            response=FoundShopPageSchema, auth=OPTIONAL)
async def search_shops(request: web.Request, *, query: dict) -> web.Response:
    """The exact handle first, then handle prefixes, name prefixes and similar spellings (from
    three characters). Suspended shops, and those of an owner blocked either way, never appear."""
    page = await search.search_shops(request.app[PLATFORM], viewer(request), **query)
    return json_response(FoundShopPageSchema, page.map(shop_card))
