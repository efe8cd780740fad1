"""Search (docs/commerce.md, "Search"): products by words and filters, shops by handle and name.

Products are found in ``product_search`` (migration 0025), one row per product that the
database's triggers rewrite in the transaction of every change to the product, its variants,
its shop or its category: full text over the product's name, its shop's name and handle, its
category's names and its description, each word of the query matching as a prefix, a word no
product's words begin with corrected to the most alike one they have (pg_trgm, over a dictionary
of their words), by ``commerce_search_products`` (migration 0030), which walks the index of the
sort asked for. Only active
products of open shops with a price are listed, and never those of an owner blocked either way
(the viewer's blocks are read first and left out inside the query, so pages stay full).
Every sort is a keyset of (k1, k2, id), so every page of every sort is a cursor page.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ...errors import Invalid, NotFound
from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ...validation import search_terms
from ..auth.caller import Caller
from ..users import visibility
from . import search_repository as repository
from . import shops
from .search_repository import Found
from .shops_repository import Shop

MAX_QUERY = 100
MAX_SHOP_QUERY = 50
FUZZY_FROM = 3  # shorter queries match by prefix only: trigrams of one or two letters match too much
RANK_WINDOW = 500  # relevance ranks the newest this many matches (ts_rank reads each one's document)
SORTS = ("relevance", "newest", "price_asc", "price_desc", "rating")
_TOP = float("inf")
# One keyset a sort, so that a cursor of one sort is refused by another.
BY_SORT = {sort: Keyset(f"products_{sort}", (float, float, uuid.UUID), (_TOP, _TOP, uuid.UUID(int=(1 << 128) - 1)))
           for sort in SORTS}
SHOPS_BY_RANK = Keyset("shops", (float, uuid.UUID), (_TOP, uuid.UUID(int=(1 << 128) - 1)))


def location_key(value: str | None) -> str | None:
    """A region or city as the search rows keep it (``commerce_search_key``): lower-cased, one space."""
    if value is None:
        return None
    return " ".join(value.split()).lower() or None


async def search_products(platform: Platform, caller: Caller | None, *, q: str | None = None,
                          sort: str | None = None, category: str | None = None, shop: str | None = None,
                          condition: str | None = None, currency: str | None = None, min_price: int | None = None,
                          max_price: int | None = None, in_stock: bool = False, region: str | None = None,
                          city: str | None = None, cursor: str | None = None, limit: int) -> Page[Found]:
    """The listed products ``q`` finds (all of them without ``q``) that pass the filters, in
    ``sort`` order: ``relevance`` (the default with ``q``; ``newest`` without), ``newest``,
    ``price_asc``, ``price_desc`` (the lowest price of its variants) or ``rating``."""
    viewer_id = None if caller is None else caller.user_id
    if q is not None:
        q = search_terms(q, MAX_QUERY)
    sort = sort or ("relevance" if q else "newest")
    if sort == "relevance" and not q:
        raise Invalid.fields("query", {"sort": "Sorting by relevance needs words to search for (q)."})
    problems = {}
    if min_price is not None and max_price is not None and min_price > max_price:
        problems["max_price"] = "Must be at least min_price."
    if (min_price is not None or max_price is not None) and currency is None:
        problems["currency"] = "A price range needs the currency its prices are in."
    if problems:
        raise Invalid.fields("query", problems)
    async with platform.core.connection() as conn:
        filters = {
            "hidden_owner_ids": await visibility.blocked_either_way(conn, viewer_id),
            "category_ids": await _category_subtree(conn, category),
            "shop_id": await _shop_filter(conn, viewer_id, shop),
            "condition": condition, "currency": currency, "min_price": min_price, "max_price": max_price,
            "in_stock": in_stock, "region": location_key(region), "city": location_key(city),
        }
        async def load(after, n):
            return await repository.search_products(
                conn, q=q or "", fuzzy=bool(q) and len(q) >= FUZZY_FROM, sort=sort, **filters, after_k1=after[0],
                after_k2=after[1], after_id=after[2], limit=n, rank_window=RANK_WINDOW)
        return await fetch(BY_SORT[sort], cursor, limit, load, Found.position)


async def _category_subtree(conn, ref: str | None) -> list[uuid.UUID] | None:
    """The ids of the category a filter names (by id or slug) and of every category under it."""
    if ref is None:
        return None
    try:
        category_id = uuid.UUID(ref)
    except ValueError:
        category_id = await repository.category_by_slug(conn, ref)
    ids = [] if category_id is None else await repository.category_subtree(conn, category_id)
    if not ids:
        raise Invalid.fields("query", {"category": "No such category (give its id or slug)."})
    return ids


async def _shop_filter(conn, viewer_id: uuid.UUID | None, ref: str | None) -> uuid.UUID | None:
    """The id of the shop a filter names (by id or $handle), if the viewer may see it."""
    if ref is None:
        return None
    found = await shops.find(conn, ref)
    try:
        await shops.require_visible(conn, viewer_id, found)
    except NotFound:
        raise Invalid.fields("query", {"shop": "No such shop (give its id or $handle)."}) from None
    return found.id


async def search_shops(platform: Platform, caller: Caller | None, q: str, *, cursor: str | None,
                       limit: int) -> Page[Shop]:
    """Shops by handle (``$`` optional) and name: the exact handle first, then handle prefixes,
    name prefixes and similar names (from three characters). Suspended shops and those of an
    owner blocked either way never appear."""
    viewer_id = None if caller is None else caller.user_id
    q = search_terms(q.strip().removeprefix("$"), MAX_SHOP_QUERY)
    async with platform.core.connection() as conn:
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        page = await fetch(SHOPS_BY_RANK, cursor, limit, lambda after, n: repository.search_shops(
            conn, q=q, fuzzy=len(q) >= FUZZY_FROM, hidden_owner_ids=hidden, after_score=after[0],
            after_id=after[1], limit=n), lambda found: (found[1], found[0].id))
    return page.map(lambda found: found[0])


def found_view(found: Found | Any, media: dict[uuid.UUID, dict[str, Any]]) -> dict[str, Any]:
    """A product as a search (or the wishlist) lists it: enough for a result card."""
    return {
        "id": found.product_id, "name": found.name, "category_id": found.category_id, "condition": found.condition,
        "price": None if found.price is None else {"amount": found.price, "currency": found.currency},
        "in_stock": found.in_stock,
        "image": media.get(found.image_media_id) if found.image_media_id else None,
        "rating": {"average": round(found.rating, 2) if found.rating_count else None, "count": found.rating_count},
        "shop": {"id": found.shop_id, "handle": found.shop_handle, "name": found.shop_name,
                 "logo_media_id": found.shop_logo_media_id,
                 "location": {"region": found.shop_region, "city": found.shop_city}},
        "listed_at": found.listed_at,
    }
