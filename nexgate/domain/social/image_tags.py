"""Tags on a post's images (docs/social.md, "Image tags"): a user, a product or a shop at
percentage coordinates (0 to 100 from the image's left and top edge, two decimals), added and
removed by the post's authors (its creator and its accepted co-authors), listed per image for
whoever may see the post.

Refusals: a post the caller may not see is 404 ``post_not_found``; one not published (yet, or
deleted) 409 ``post_not_published``; someone who is not an author 403 ``not_post_author``, an
invited co-author who has not accepted too; media that is not
the post's 404 ``media_not_found``, a video 422 ``not_an_image``; a user the author may not
reach (they blocked the author: 404 ``user_not_found``; the author blocked them: 403
``user_blocked``), a product or shop the author may not see (404 ``product_not_found``,
``shop_not_found``); the same user, product or shop twice on one image 409 ``already_tagged``;
more than ``MAX_TAGS`` on one image 409 ``too_many_tags``. ``social.image_tag.added`` tells the
tagged user, or a tagged shop's owner.
"""
from __future__ import annotations

import decimal
import uuid
from typing import Any

from ... import bus
from ...errors import Conflict, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..commerce import products, shops
from ..media import library
from ..users import visibility
from . import access
from . import image_tags_repository as repository
from .views import image_tag
from .events import IMAGE_TAG_ADDED, IMAGE_TAG_REMOVED

MAX_TAGS = 20  # on one image
KINDS = ("user", "product", "shop")
HUNDREDTH = decimal.Decimal("0.01")


def media_not_found() -> NotFound:
    return NotFound("No such media on this post", code="media_not_found")


def tag_not_found() -> NotFound:
    return NotFound("No such tag on this image", code="tag_not_found")


async def add(platform: Platform, caller: Caller, post_id: uuid.UUID, media_id: uuid.UUID, *, kind: str,
              target_id: uuid.UUID, x: float, y: float) -> dict[str, Any]:
    tag_id = uuid.uuid4()
    async with platform.core.transaction("social.image_tag_add") as conn:
        post = await access.lock_authored(conn, post_id, caller.user_id)
        if post.state != "published":
            raise Conflict("Tags go on a published post's images", code="post_not_published",
                           details={"state": post.state})
        if not await repository.hold_media(conn, post_id, media_id):
            raise media_not_found()
        if await library.kind_of(conn, media_id) != "image":
            raise Invalid("Tags go on images, not videos", code="not_an_image")
        shop_owner_id = await _target(conn, caller, kind, target_id)
        if await repository.count(conn, post_id, media_id) >= MAX_TAGS:
            raise Conflict(f"An image holds at most {MAX_TAGS} tags", code="too_many_tags",
                           details={"max": MAX_TAGS})
        ids = {f"{name}_id": target_id if name == kind else None for name in KINDS}
        if not await repository.insert(conn, id=tag_id, post_id=post_id, media_id=media_id, kind=kind,
                                       x=_hundredths(x), y=_hundredths(y), created_by=caller.user_id, **ids):
            raise Conflict(f"This {kind} is tagged on this image already", code="already_tagged")
        await bus.emit(conn, IMAGE_TAG_ADDED, {
            "post_id": str(post_id), "author_ids": [str(a) for a in post.author_ids], "tag_id": str(tag_id),
            "media_id": str(media_id), "kind": kind, "tagged_by": str(caller.user_id),
            "shop_owner_id": None if shop_owner_id is None else str(shop_owner_id),
            **{name: None if value is None else str(value) for name, value in ids.items()}})
        row = await repository.by_id(conn, tag_id)
        return await _shown(conn, caller.user_id, row)


async def remove(platform: Platform, caller: Caller, post_id: uuid.UUID, media_id: uuid.UUID,
                 tag_id: uuid.UUID) -> None:
    async with platform.core.transaction("social.image_tag_remove") as conn:
        post = await access.lock_authored(conn, post_id, caller.user_id)
        if not await repository.hold_media(conn, post_id, media_id):
            raise media_not_found()
        if not await repository.delete(conn, tag_id, post_id, media_id):
            raise tag_not_found()
        await bus.emit(conn, IMAGE_TAG_REMOVED, {"post_id": str(post_id),
                                                 "author_ids": [str(a) for a in post.author_ids],
                                                 "tag_id": str(tag_id), "media_id": str(media_id)})


async def tags_of_image(platform: Platform, viewer: Caller | None, post_id: uuid.UUID,
                        media_id: uuid.UUID) -> list[dict[str, Any]]:
    """The image's tags, oldest first, as the viewer may see them: a tag of a user blocked either
    way with the viewer, or of a product or shop the viewer may not see, is left out."""
    viewer_id = None if viewer is None else viewer.user_id
    async with platform.core.connection() as conn:
        await access.visible_row(conn, viewer_id, post_id)
        if not await repository.is_post_media(conn, post_id, media_id):
            raise media_not_found()
        shown = []
        for row in await repository.of_media(conn, post_id, media_id):
            if (tag := await _shown(conn, viewer_id, row)) is not None:
                shown.append(tag)
        return shown


async def _target(conn, caller: Caller, kind: str, target_id: uuid.UUID) -> uuid.UUID | None:
    """Raise unless the author may tag the target; a shop's owner (who is told), else None."""
    if kind == "user":
        rel = await visibility.relationship_in(conn, caller.user_id, target_id)
        visibility.require_reach(rel, caller.user_id, target_id, "tag")
        return None
    if kind == "product":
        await products.visible_product(conn, caller.user_id, target_id)
        return None
    shop = await shops.find(conn, str(target_id))
    await shops.require_visible(conn, caller.user_id, shop)
    return shop.owner_id


async def _shown(conn, viewer_id: uuid.UUID | None, row) -> dict[str, Any] | None:
    """The tag's view with its target as the viewer may see it; None if they may not."""
    try:
        if row["kind"] == "user":
            if row["user_id"] != viewer_id and not visibility.profile_visible(
                    await visibility.relationship_in(conn, viewer_id, row["user_id"])):
                return None
            return image_tag(row, None)
        if row["kind"] == "product":
            product = await products.visible_product(conn, viewer_id, row["product_id"])
            return image_tag(row, {"id": product.id, "name": product.name, "shop_id": product.shop_id})
        shop = await shops.find(conn, str(row["shop_id"]))
        await shops.require_visible(conn, viewer_id, shop)
        return image_tag(row, {"id": shop.id, "handle": shop.handle, "name": shop.name})
    except NotFound:
        return None


def _hundredths(value: float) -> decimal.Decimal:
    return decimal.Decimal(str(value)).quantize(HUNDREDTH, rounding=decimal.ROUND_HALF_UP)
