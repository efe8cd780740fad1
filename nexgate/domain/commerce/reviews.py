"""Reviews (docs/commerce.md, "Reviews"): a buyer rates a product they bought (1 to 5), with a
text and photos, once per product per completed order; they may change it within the edit
window (``NEXGATE_COMMERCE_REVIEW_EDIT_WINDOW_S``); the shop's staff reply once.

Only the buyer of the order reviews it (anyone else's order is 404 ``order_not_found``, as one
that does not exist), only once the order is ``completed`` (409 ``order_not_completed``), only a
product of its items (422 naming ``order_id``), once (409 ``already_reviewed``, which the unique
index on (order, product) guarantees whatever runs at once). The product's and the shop's
aggregates (count, sum and the number of each star) are kept by the database in the review's
own transaction, exact under concurrency (migration 0029). ``commerce.review.created`` carries
``seller_id`` and ``rating`` for the trust worker and the notification service (the seller's
"review received"). Lists leave out the reviews of authors blocked either way with the viewer.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..media import attachments
from ..users import visibility
from . import products
from . import reviews_repository as repository
from . import shops, shops_repository
from .events import REVIEW_CREATED
from .reviews_repository import Listed, Rating, Review

SORTS = ("newest", "highest", "lowest")
MAX_PHOTOS = 5
PHOTO_PURPOSE = "product"  # review photos are uploaded as product images
_TOP = ((1 << 31) - 1, datetime.datetime.max.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=(1 << 128) - 1))
BY_SORT = {sort: Keyset(f"reviews_{sort}", (int, datetime.datetime, uuid.UUID), _TOP) for sort in SORTS}


def not_found() -> NotFound:
    return NotFound("No such review", code="review_not_found")


async def create(platform: Platform, caller: Caller, product_id: uuid.UUID, *, order_id: uuid.UUID, rating: int,
                 text: str | None = None, media_ids: list[uuid.UUID] | tuple = ()) -> Listed:
    review_id = uuid.uuid4()
    async with platform.core.transaction("commerce.review_create") as conn:
        product = await products.visible_product(conn, caller.user_id, product_id)
        line = await repository.order_line(conn, order_id, product_id)
        if line is None or line["buyer_id"] != caller.user_id:
            raise NotFound("No such order", code="order_not_found")
        if line["state"] != "completed":
            raise Conflict("Only a completed order's products can be reviewed", code="order_not_completed",
                           details={"state": line["state"]})
        if not line["has_product"]:
            raise Invalid.fields("body", {"order_id": "This product is not one this order bought."},
                                 message="This product is not in that order")
        created = await repository.insert_review(conn, id=review_id, order_id=order_id, product_id=product_id,
                                                 shop_id=product.shop_id, buyer_id=caller.user_id, rating=rating,
                                                 body=text)
        if created is None:
            raise Conflict("You reviewed this product of this order already", code="already_reviewed",
                           details={"order_id": str(order_id), "product_id": str(product_id)})
        await _photos(conn, caller, review_id, list(media_ids))
        await bus.emit(conn, REVIEW_CREATED, {
            "review_id": str(review_id), "product_id": str(product_id), "product_name": product.name,
            "shop_id": str(product.shop_id), "seller_id": str(line["seller_id"]), "buyer_id": str(caller.user_id),
            "order_id": str(order_id), "rating": rating})
        return await _one(conn, caller.user_id, review_id)


async def update(platform: Platform, caller: Caller, review_id: uuid.UUID, changes: dict[str, Any]) -> Listed:
    """The author changes the rating, the text or the photos (only what is sent) within the edit window."""
    async with platform.core.transaction("commerce.review_update") as conn:
        review = await _visible(conn, caller.user_id, review_id)
        if review.buyer_id != caller.user_id:
            raise Forbidden("Only its author can change a review", code="not_review_author")
        window = datetime.timedelta(seconds=platform.config.commerce_review_edit_window_s)
        if datetime.datetime.now(datetime.timezone.utc) > review.created_at + window:
            raise Forbidden("This review can no longer be changed", code="edit_window_passed",
                            details={"editable_until": (review.created_at + window).isoformat()})
        rating = changes.get("rating", review.rating)
        body = changes["text"] if "text" in changes else review.body
        await repository.update_review(conn, review_id, rating, body)
        if "media_ids" in changes:
            await _photos(conn, caller, review_id, list(changes["media_ids"]))
        return await _one(conn, caller.user_id, review_id)


async def reply(platform: Platform, caller: Caller, review_id: uuid.UUID, text: str) -> Listed:
    """The shop's owner or a manager answers a review of its product, once."""
    async with platform.core.transaction("commerce.review_reply") as conn:
        review = await _visible(conn, caller.user_id, review_id)
        await shops.staff_role_of(conn, caller.user_id, await shops_repository.shop_by_id(conn, review.shop_id))
        if not await repository.set_reply(conn, review_id, text, caller.user_id):
            raise Conflict("The shop replied to this review already", code="review_already_replied")
        return await _one(conn, caller.user_id, review_id)


async def reviews_of_product(platform: Platform, caller: Caller | None, product_id: uuid.UUID, *, sort: str,
                             cursor: str | None, limit: int) -> Page[Listed]:
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        await products.visible_product(conn, viewer_id, product_id)
        return await _page(conn, viewer_id, sort, cursor, limit, product_id=product_id)


async def reviews_of_shop(platform: Platform, caller: Caller | None, ref: str, *, sort: str, cursor: str | None,
                          limit: int) -> Page[Listed]:
    """Every review of the shop's products, the shop's page of them."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        shop = await shops.find(conn, ref)
        await shops.require_visible(conn, viewer_id, shop)
        return await _page(conn, viewer_id, sort, cursor, limit, shop_id=shop.id)


async def _page(conn, viewer_id: uuid.UUID | None, sort: str, cursor: str | None, limit: int,
                **of: uuid.UUID) -> Page[Listed]:
    hidden = await visibility.blocked_either_way(conn, viewer_id)
    return await fetch(BY_SORT[sort], cursor, limit, lambda after, n: repository.reviews_page(
        conn, **of, sort=sort, hidden_author_ids=hidden, after=after, limit=n), Listed.position)


async def product_rating(platform: Platform, caller: Caller | None, product_id: uuid.UUID) -> Rating:
    async with platform.core.connection() as conn:
        await products.visible_product(conn, None if caller is None else caller.user_id, product_id)
        return await repository.product_rating(conn, product_id)


async def shop_rating(platform: Platform, caller: Caller | None, ref: str) -> Rating:
    async with platform.core.connection() as conn:
        shop = await shops.find(conn, ref)
        await shops.require_visible(conn, None if caller is None else caller.user_id, shop)
        return await repository.shop_rating(conn, shop.id)


def editable_until(platform: Platform, review: Review) -> datetime.datetime:
    return review.created_at + datetime.timedelta(seconds=platform.config.commerce_review_edit_window_s)


async def _photos(conn, caller: Caller, review_id: uuid.UUID, media_ids: list[uuid.UUID]) -> None:
    if len(media_ids) > MAX_PHOTOS:
        raise Invalid.fields("body", {"media_ids": f"At most {MAX_PHOTOS} photos."})
    if media_ids:
        await attachments.attach(conn, owner_id=caller.user_id, media_ids=media_ids, purpose=PHOTO_PURPOSE)
    await repository.replace_media(conn, review_id, media_ids)


async def _visible(conn, viewer_id: uuid.UUID, review_id: uuid.UUID) -> Review:
    """The review, its row held for the transaction, if the viewer may see it (its product, and
    its author not blocked either way), else 404 ``review_not_found``."""
    review = await repository.lock_review(conn, review_id)
    if review is None:
        raise not_found()
    try:
        await products.visible_product(conn, viewer_id, review.product_id)
    except NotFound:
        raise not_found() from None
    if review.buyer_id != viewer_id and review.buyer_id in await visibility.blocked_either_way(conn, viewer_id):
        raise not_found()
    return review


async def _one(conn, viewer_id: uuid.UUID, review_id: uuid.UUID) -> Listed:
    [found] = await repository.reviews_page(conn, review_id=review_id, sort="newest",
                                            hidden_author_ids=[], after=_TOP, limit=1)
    return found


def rating_view(rating: Rating) -> dict[str, Any]:
    """Exact: the average of ``count`` ratings to two decimals (null without any), and each star's count."""
    return {"average": round(rating.total / rating.count, 2) if rating.count else None, "count": rating.count,
            "stars": {str(star): rating.stars[star - 1] for star in range(1, 6)}}
