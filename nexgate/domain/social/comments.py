"""Comments and their replies (docs/social.md, "Comments").

Whoever may see a post may comment on it (404 ``post_not_found`` otherwise: a user blocked by an
author, or who blocked one, does not see it). A reply answers a comment; depth is 0 for a
comment, its parent's + 1 for a reply, at most ``MAX_DEPTH`` (deeper: 422 ``reply_too_deep``).
Only a comment's author edits or deletes it (403 ``not_your_comment``); a deleted comment keeps
its place and its replies but shows no text, and takes no likes, replies or edits (409
``comment_deleted``). ``posts.comments_count`` counts the post's comments and replies that are
not deleted, ``comments.replies_count`` a comment's direct replies that are not deleted; each
moves in the transaction of the change. Comments of people hidden from the viewer by a block
are left out of every list (and are 404 ``comment_not_found`` to them).

@mentions are parsed by the platform's parser (nexgate/entities.py); a mention of a username
that names no one stays plain text; a mention of someone the author may not reach (a block
either way) is 422 ``mention_not_allowed``. Mentioned users are told (interaction_notices.py).
"""
from __future__ import annotations

import uuid
from typing import Any

from ... import bus, entities
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...pagination import OLDEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import comments_repository as repository
from . import composing, likes_repository, targets
from .comments_repository import Comment, ListedComment
from .events import COMMENT_CREATED, COMMENT_DELETED, COMMENT_EDITED
from .targets_repository import TargetPost

MAX_DEPTH = 2
PREVIEW = 100


def comment_not_found() -> NotFound:
    return NotFound("No such comment", code="comment_not_found")


def _deleted() -> Conflict:
    return Conflict("This comment was deleted", code="comment_deleted")


def preview(text: str) -> str:
    return text if len(text) <= PREVIEW else text[:PREVIEW - 1] + "…"


async def mentions(platform: Platform, conn, author_id: uuid.UUID,
                   text: str) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
    """The text's entities resolved as a post's are (``composing.resolve``: 422
    ``mention_not_allowed`` for someone out of the author's reach) and the users mentioned."""
    return await composing.resolve(platform, conn, author_id, entities.parse(text))


async def visible_comment(conn, viewer_id: uuid.UUID | None, comment_id: uuid.UUID) -> ListedComment:
    """The comment, if the viewer may see its post and no block stands between them and its
    author (404 ``comment_not_found`` otherwise)."""
    comment = await repository.comment_by_id(conn, comment_id)
    if comment is None:
        raise comment_not_found()
    if not await targets.may_see(conn, viewer_id, comment.post_id):
        raise comment_not_found()
    if viewer_id is not None and viewer_id != comment.author_id and (
            await visibility.relationship_in(conn, viewer_id, comment.author_id)).blocked:
        raise comment_not_found()
    return comment


async def live_comment(conn, viewer_id: uuid.UUID, comment_id: uuid.UUID) -> ListedComment:
    """A comment the viewer may see and act on: not deleted (409 ``comment_deleted``)."""
    comment = await visible_comment(conn, viewer_id, comment_id)
    if comment.deleted_at is not None:
        raise _deleted()
    return comment


async def _created(platform: Platform, conn, caller: Caller, post: TargetPost, text: str,
                   parent: Comment | None) -> Comment:
    found, mentioned = await mentions(platform, conn, caller.user_id, text)
    await targets.lock(conn, post.id)
    comment = await repository.insert_comment(
        conn, id=uuid.uuid4(), post_id=post.id, author_id=caller.user_id,
        parent_comment_id=None if parent is None else parent.id, depth=0 if parent is None else parent.depth + 1,
        text=text, entities=found)
    count = await repository.add_post_comments(conn, post.id, 1)
    if parent is not None:
        await repository.add_comment_replies(conn, parent.id, 1)
    await bus.emit(conn, COMMENT_CREATED, {
        "post_id": str(post.id), "author_ids": [str(i) for i in post.author_ids], "comment_id": str(comment.id),
        "user_id": str(caller.user_id), "parent_comment_id": None if parent is None else str(parent.id),
        "parent_author_id": None if parent is None else str(parent.author_id),
        "mentioned_user_ids": [str(i) for i in mentioned], "preview": preview(text), "comments_count": count,
        "product_ids": [str(i) for i in post.product_ids],
        "product_sellers": await targets.product_sellers(conn, post, caller.user_id)})
    return comment


async def create(platform: Platform, caller: Caller, post_id: uuid.UUID, *, text: str) -> ListedComment:
    async with platform.core.transaction("social.comment") as conn:
        post = await targets.visible_post(conn, caller.user_id, post_id)
        comment = await _created(platform, conn, caller, post, text, None)
        return await repository.comment_by_id(conn, comment.id)


async def reply(platform: Platform, caller: Caller, comment_id: uuid.UUID, *, text: str) -> ListedComment:
    async with platform.core.transaction("social.reply") as conn:
        parent = await live_comment(conn, caller.user_id, comment_id)
        if parent.depth >= MAX_DEPTH:
            raise Invalid(f"Replies nest at most {MAX_DEPTH} deep: reply to the comment this one answers",
                          code="reply_too_deep", details={"max_depth": MAX_DEPTH})
        post = await targets.visible_post(conn, caller.user_id, parent.post_id)
        comment = await _created(platform, conn, caller, post, text, parent)
        return await repository.comment_by_id(conn, comment.id)


async def get(platform: Platform, caller: Caller | None, comment_id: uuid.UUID) -> ListedComment:
    async with platform.core.connection() as conn:
        return await visible_comment(conn, None if caller is None else caller.user_id, comment_id)


async def _own(conn, caller: Caller, comment_id: uuid.UUID) -> ListedComment:
    comment = await visible_comment(conn, caller.user_id, comment_id)
    if comment.author_id != caller.user_id:
        raise Forbidden("Only its author changes a comment", code="not_your_comment")
    return comment


async def edit(platform: Platform, caller: Caller, comment_id: uuid.UUID, *, text: str) -> ListedComment:
    async with platform.core.transaction("social.edit_comment") as conn:
        comment = await _own(conn, caller, comment_id)
        locked = await repository.lock_comment(conn, comment.id)
        if locked.deleted_at is not None:
            raise _deleted()
        before = {uuid.UUID(e["user_id"]) for e in locked.entities if e["type"] == "mention" and "user_id" in e}
        found, mentioned = await mentions(platform, conn, caller.user_id, text)
        await repository.edit_comment(conn, comment.id, text, found)
        await bus.emit(conn, COMMENT_EDITED, {
            "post_id": str(comment.post_id), "comment_id": str(comment.id), "user_id": str(caller.user_id),
            "newly_mentioned_user_ids": [str(i) for i in mentioned if i not in before]})
        return await repository.comment_by_id(conn, comment.id)


async def delete(platform: Platform, caller: Caller, comment_id: uuid.UUID) -> None:
    """Soft: the comment keeps its place and replies. Deleting it again changes nothing."""
    async with platform.core.transaction("social.delete_comment") as conn:
        comment = await _own(conn, caller, comment_id)
        await targets.lock(conn, comment.post_id)  # the post first, as a new comment takes it (no deadlock)
        deleted = await repository.delete_comment(conn, comment.id)
        if deleted is None:
            return
        count = await repository.add_post_comments(conn, comment.post_id, -1)
        if deleted.parent_comment_id is not None:
            await repository.add_comment_replies(conn, deleted.parent_comment_id, -1)
        await bus.emit(conn, COMMENT_DELETED, {"post_id": str(comment.post_id), "comment_id": str(comment.id),
                                               "user_id": str(caller.user_id), "comments_count": count})


async def of_post(platform: Platform, caller: Caller | None, post_id: uuid.UUID, *, cursor: str | None,
                  limit: int) -> Page[ListedComment]:
    """The post's comments (not replies), oldest first."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        post = await targets.visible_post(conn, viewer_id, post_id)
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        return await fetch(OLDEST_FIRST, cursor, limit,
                           lambda after, n: repository.comments_page(conn, post.id, hidden, after, n),
                           Comment.position)


async def replies(platform: Platform, caller: Caller | None, comment_id: uuid.UUID, *, cursor: str | None,
                  limit: int) -> Page[ListedComment]:
    """A comment's direct replies, oldest first."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        parent = await visible_comment(conn, viewer_id, comment_id)
        hidden = await visibility.blocked_either_way(conn, viewer_id)
        return await fetch(OLDEST_FIRST, cursor, limit,
                           lambda after, n: repository.replies_page(conn, parent.id, hidden, after, n),
                           Comment.position)


async def liked_by(platform: Platform, caller: Caller | None, comment_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of the comments the viewer liked (none for anonymous)."""
    if caller is None or not comment_ids:
        return set()
    async with platform.core.connection() as conn:
        return await likes_repository.comments_liked(conn, caller.user_id, comment_ids)
