"""Reviews: a buyer's review of a product of a completed order, its edits, the shop's reply,
a product's reviews and the exact ratings of a product and of a shop."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import reviews
from ...domain.commerce.views import review_view
from ...domain.media import attachments
from ...keys import PLATFORM
from ...pagination import Page
from ..routing import OPTIONAL, PathId, Routes, caller, json_response, viewer
from .discovery_schemas import (RatingDetailSchema, ReplyIn, ReviewIn, ReviewPageSchema, ReviewSchema,
                                ReviewsQuery, ReviewUpdateSchema)
from .schemas import PRODUCT_ID

routes = Routes("commerce")

REVIEW_ID = PathId("review_id", lambda raw: reviews.not_found())


async def _views(platform, found: list) -> list[dict]:
    ids = [media_id for item in found for media_id in item.media_ids]
    media = await attachments.attachment_views(platform, ids) if ids else {}
    return [review_view(platform, item, media) for item in found]


async def _answer(platform, found, status: int = 200) -> web.Response:
    [view] = await _views(platform, [found])
    return json_response(ReviewSchema, view, status)


@routes.post("/api/products/{product_id}/reviews", summary="Review a product you bought", ids=(PRODUCT_ID,),
             body=ReviewIn, response=ReviewSchema, status=201, errors=(403, 404, 409))
async def create_review(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """Of your completed order (`order_id`) that bought it, once (409 `already_reviewed`): a rating
    1 to 5, a text, up to 5 photos. Someone else's order is 404 `order_not_found`; an order not
    completed 409 `order_not_completed`; an order without this product 422 naming `order_id`."""
    platform = request.app[PLATFORM]
    return await _answer(platform, await reviews.create(platform, caller(request), product_id, **body), 201)


@routes.get("/api/products/{product_id}/reviews", summary="A product's reviews", ids=(PRODUCT_ID,),
            query=ReviewsQuery, response=ReviewPageSchema, errors=(404,), auth=OPTIONAL)
async def product_reviews(request: web.Request, *, query: dict, product_id: uuid.UUID) -> web.Response:
    """Newest first, or by rating; cursor-paged. No token needed. Reviews by someone you blocked
    or who blocked you are left out."""
    platform = request.app[PLATFORM]
    page = await reviews.reviews_of_product(platform, viewer(request), product_id, **query)
    return json_response(ReviewPageSchema, Page(await _views(platform, page.items), page.next_cursor))


@routes.get("/api/shops/{shop_id}/reviews", summary="A shop's reviews, of all its products", query=ReviewsQuery,
            response=ReviewPageSchema, errors=(404,), auth=OPTIONAL)
async def shop_reviews(request: web.Request, *, query: dict) -> web.Response:
    """By the shop's id or `$handle`; sorted and paged as a product's, each naming its `product_id`."""
    platform = request.app[PLATFORM]
    page = await reviews.reviews_of_shop(platform, viewer(request), request.match_info["shop_id"], **query)
    return json_response(ReviewPageSchema, Page(await _views(platform, page.items), page.next_cursor))


@routes.get("/api/products/{product_id}/rating", summary="A product's rating", ids=(PRODUCT_ID,),
            response=RatingDetailSchema, errors=(404,), auth=OPTIONAL)
async def product_rating(request: web.Request, *, product_id: uuid.UUID) -> web.Response:
    """The average and number of its reviews, and how many gave each star: exact."""
    rating = await reviews.product_rating(request.app[PLATFORM], viewer(request), product_id)
    return json_response(RatingDetailSchema, reviews.rating_view(rating))


@routes.get("/api/shops/{shop_id}/rating", summary="A shop's rating, over all its products' reviews",
            response=RatingDetailSchema, errors=(404,), auth=OPTIONAL)
async def shop_rating(request: web.Request) -> web.Response:
    """By the shop's id or `$handle`. Exact, as a product's."""
    rating = await reviews.shop_rating(request.app[PLATFORM], viewer(request), request.match_info["shop_id"])
    return json_response(RatingDetailSchema, reviews.rating_view(rating))


@routes.patch("/api/reviews/{review_id}", summary="Change your review", ids=(REVIEW_ID,), body=ReviewUpdateSchema,
              response=ReviewSchema, errors=(403, 404))
async def update_review(request: web.Request, *, body: dict, review_id: uuid.UUID) -> web.Response:
    """Its rating, text or photos (only what is sent), until `editable_until` (403
    `edit_window_passed` after); someone else's is 403 `not_review_author`."""
    platform = request.app[PLATFORM]
    return await _answer(platform, await reviews.update(platform, caller(request), review_id, body))


@routes.post("/api/reviews/{review_id}/reply", summary="Reply to a review of your shop's product", ids=(REVIEW_ID,),
             body=ReplyIn, response=ReviewSchema, errors=(403, 404, 409))
async def reply(request: web.Request, *, body: dict, review_id: uuid.UUID) -> web.Response:
    """The shop's owner or a manager (403 `not_shop_staff`), once (409 `review_already_replied`)."""
    platform = request.app[PLATFORM]
    return await _answer(platform, await reviews.reply(platform, caller(request), review_id, body["text"]))
