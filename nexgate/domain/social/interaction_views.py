"""The views of likes, comments, bookmarks and collections, and of a post's counters (docs/social.md):
one function per object a client sees, producing the dict that the REST answer, the /ws ack and
the live frame on ``post:<id>`` all carry."""
from __future__ import annotations

import uuid
from typing import Any

import orjson

from .bookmarks_repository import Bookmark, Collection
from .comments_repository import ListedComment

COUNTERS = ("likes_count", "comments_count", "reposts_count", "quotes_count", "bookmarks_count")


def json_ready(view: dict[str, Any]) -> dict[str, Any]:
    """A view as its JSON reads back (ids and times as strings), for a live frame's data."""
    return orjson.loads(orjson.dumps(view, default=str))


def author_card(comment: ListedComment) -> dict[str, Any]:
    return {"id": comment.author_id, "username": comment.username, "display_name": comment.display_name,
            "avatar_media_id": comment.avatar_media_id, "is_verified": comment.verified_at is not None}


def comment(found: ListedComment, *, liked: bool = False) -> dict[str, Any]:
    """A comment or reply; a deleted one keeps its place, counters and replies, without its text."""
    deleted = found.deleted_at is not None
    return {
        "id": found.id, "post_id": found.post_id, "parent_comment_id": found.parent_comment_id,
        "depth": found.depth, "author": author_card(found),
        "text": None if deleted else found.text, "entities": [] if deleted else found.entities,
        "likes_count": found.likes_count, "replies_count": found.replies_count, "liked": liked and not deleted,
        "created_at": found.created_at, "edited_at": found.edited_at, "deleted": deleted,
        "deleted_at": found.deleted_at,
    }


def post_like(post_id: uuid.UUID, liked: bool, likes_count: int) -> dict[str, Any]:
    return {"post_id": post_id, "liked": liked, "likes_count": likes_count}


def comment_like(comment_id: uuid.UUID, liked: bool, likes_count: int) -> dict[str, Any]:
    return {"comment_id": comment_id, "liked": liked, "likes_count": likes_count}


def counters(post_id: uuid.UUID, found: dict[str, int]) -> dict[str, Any]:
    """A post's engagement counters as they are when read, shaped as the post view's ``counters``."""
    return {"post_id": post_id, "counters": {name.removesuffix("_count"): found[name] for name in COUNTERS}}


def collection(found: Collection) -> dict[str, Any]:
    return {"id": found.id, "name": found.name, "description": found.description, "is_private": found.is_private,
            "bookmarks_count": found.bookmarks_count, "created_at": found.created_at,
            "updated_at": found.updated_at}


def bookmark(found: Bookmark, post: dict[str, Any] | None) -> dict[str, Any]:
    """A bookmark with its post as the owner sees it (null: they may no longer see it)."""
    return {"post_id": found.post_id, "collection_id": found.collection_id, "created_at": found.created_at,
            "post": post}
