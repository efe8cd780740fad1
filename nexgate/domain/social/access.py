"""Who may see a post, and who may act on it as its author (docs/social.md, "Visibility").

Decided on what ``posts_for_viewer`` read (the viewer's relationship to each author through the
users area's ``user_relationship``), with the users area's rules (``users/visibility.py``):

- a deleted post: no one;
- a post's authors (its creator and accepted co-authors) always see it, in every other state;
- a draft, scheduled or pending-collaboration post: its authors, and the users invited to
  co-author it (so that they can read what they are asked to sign);
- a published post, to anyone else, only if no author and the viewer blocked each other, then:
  to the users mentioned in it, whatever its visibility; to others, ``public``: an author's
  content is visible to the viewer (a public account, or a private one the viewer follows;
  anonymous viewers see public accounts); ``followers``: the viewer follows an author;
  ``private``: no one else.

A post the viewer may not see is, for them, a post that does not exist: 404 ``post_not_found``.
"""
from __future__ import annotations

import uuid

from ...errors import Forbidden, NotFound
from ..users import visibility
from . import posts_repository
from .posts_repository import LockedPost, PostRow


def post_not_found() -> NotFound:
    return NotFound("No such post", code="post_not_found")


def author_ids(post: PostRow) -> list[uuid.UUID]:
    return [uuid.UUID(str(author["id"])) for author in post.authors]


def may_see(post: PostRow, viewer_id: uuid.UUID | None) -> bool:
    if post.state == "deleted":
        return False
    if viewer_id is not None and viewer_id in author_ids(post):
        return True
    if post.state != "published":
        return post.viewer_invited
    relationships = [visibility.relationship_of(author["relationship"]) for author in post.authors]
    if any(rel.blocked for rel in relationships):
        return False
    if post.viewer_mentioned:
        return True
    if post.visibility == "private":
        return False
    if post.visibility == "followers":
        return any(rel.following for rel in relationships)
    return any(visibility.content_visible(rel) for rel in relationships)


async def seen_row(conn, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> PostRow | None:
    """The post as the viewer (None: anonymous) is shown it, if they may see it."""
    row = (await posts_repository.posts_for_viewer(conn, viewer_id, [post_id])).get(post_id)
    return row if row is not None and may_see(row, viewer_id) else None


async def visible_row(conn, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> PostRow:
    """The post if the viewer may see it, else 404 ``post_not_found``."""
    row = await seen_row(conn, viewer_id, post_id)
    if row is None:
        raise post_not_found()
    return row


async def held_post(conn, post_id: uuid.UUID) -> LockedPost:
    """The post, not deleted, its row held for the transaction, with its authors and pending
    invitees as they are now; else 404 ``post_not_found``."""
    post = await posts_repository.lock_post(conn, post_id)
    if post is None or post.state == "deleted":
        raise post_not_found()
    return post


async def lock_authored(conn, post_id: uuid.UUID, user_id: uuid.UUID) -> LockedPost:
    """The post, locked for the transaction, if ``user_id`` is one of its authors (its creator or
    an accepted co-author): what editing, deleting and publishing ask. A deleted post, or one the
    user may not see, is 404 ``post_not_found``; one they may see but did not write is 403
    ``not_post_author``."""
    post = await held_post(conn, post_id)
    if user_id not in post.author_ids:
        await visible_row(conn, user_id, post_id)
        raise Forbidden("Only the post's authors may do this", code="not_post_author")
    return post
