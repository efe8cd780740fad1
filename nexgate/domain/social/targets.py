"""The post an interaction acts on: who may like, comment on, repost, quote or bookmark a post
is who may see it (the area's rule, ``access.may_see``), and only once it is published; a post the
caller may not see is 404 ``post_not_found``, as if it did not exist (docs/social.md, "Interactions")."""
from __future__ import annotations

import uuid

from ...errors import NotFound
from ..commerce import sellers as commerce_sellers
from . import access
from . import targets_repository as repository
from .targets_repository import TargetPost


def post_not_found() -> NotFound:
    return access.post_not_found()


async def may_see(conn, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> bool:
    """The post is published and the viewer may see it, by the area's one rule (``access.may_see``)."""
    row = await access.seen_row(conn, viewer_id, post_id)
    return row is not None and row.state == "published"


async def visible_post(conn, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> TargetPost:
    """The post, or ``post_not_found`` when it is not published or the viewer may not see it."""
    if not await may_see(conn, viewer_id, post_id):
        raise post_not_found()
    post = await repository.target_post(conn, post_id)
    if post is None:
        raise post_not_found()
    return post


async def lock(conn, post_id: uuid.UUID) -> None:
    """Hold the post's row for the caller's transaction: whatever changes its comments takes it
    before any comment's row, so that two such changes never wait on each other."""
    await repository.lock_post(conn, post_id)


async def product_sellers(conn, post: TargetPost, actor_id: uuid.UUID) -> list[dict[str, str]]:
    """The sellers of the products the post features to tell of the actor's deed: one item per
    seller (their first product), none who is an author of the post or the actor."""
    found = await commerce_sellers.product_sellers(conn, post.product_ids)
    told, items = {actor_id, *post.author_ids}, []
    for product_id in post.product_ids:
        seller = found.get(product_id)
        if seller is None or seller.seller_id in told:
            continue
        told.add(seller.seller_id)
        items.append({"seller_id": str(seller.seller_id), "product_id": str(product_id),
                      "product_name": seller.product_name})
    return items
