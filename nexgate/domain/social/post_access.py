"""The post that a vote, an image tag or a co-author's change acts on, by the rules of
access.py (who may see a post, who acts as its author)."""
from __future__ import annotations

import uuid

from . import access, posts_repository
from .posts_repository import LockedPost, PostRow


async def visible_post(conn, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> PostRow:
    """The post if the viewer (None: anonymous) may see it, else 404 ``post_not_found``."""
    row = (await posts_repository.posts_for_viewer(conn, viewer_id, [post_id])).get(post_id)
    if row is None or not access.may_see(row, viewer_id):
        raise access.post_not_found()
    return row


async def held_post(conn, post_id: uuid.UUID) -> LockedPost:
    """The post, not deleted, its row held for the transaction, with its authors and pending
    invitees as they are now; else 404 ``post_not_found``."""
    post = await posts_repository.lock_post(conn, post_id)
    if post is None or post.state == "deleted":
        raise access.post_not_found()
    return post
