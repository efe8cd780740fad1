"""What clients see of the social area's objects: one function per object, producing the dict the
REST answer, the /ws ack and the live events carry (handlers/social/schemas.py documents them)."""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from .posts_repository import PostRow

NO_VIEWER_STATE = {"liked": False, "bookmarked": False, "reposted": False}


@dataclasses.dataclass(frozen=True)
class PostView:
    """A post and what its view shows beside its row, each read in batch (posts.visible_posts)."""

    row: PostRow
    media: list[dict[str, Any]]
    embeds: list[dict[str, Any]]
    poll: dict[str, Any] | None
    viewer_state: dict[str, bool]
    original: PostView | None  # the reposted or quoted post, if the viewer may see it


def author_card(author: dict[str, Any]) -> dict[str, Any]:
    """An author as the byline shows them (the users area's UserCardSchema)."""
    return {"id": uuid.UUID(str(author["id"])), "username": author["username"],
            "display_name": author["display_name"],
            "avatar_media_id": None if author["avatar_media_id"] is None else uuid.UUID(str(author["avatar_media_id"])),
            "is_verified": author["is_verified"]}


def post_view(found: PostView) -> dict[str, Any]:
    """A post: the same for every viewer who may see it, but for ``viewer_state`` (the viewer's
    own like, bookmark and repost; all false when anonymous)."""
    post = found.row
    return {
        "id": post.id, "kind": post.kind, "post_type": post.post_type, "state": post.state,
        "visibility": post.visibility, "text": post.text, "entities": post.entities,
        "authors": [author_card(author) for author in post.authors],
        "media": found.media, "embeds": found.embeds, "poll": found.poll,
        "counters": {"likes": post.likes_count, "comments": post.comments_count, "reposts": post.reposts_count,
                     "quotes": post.quotes_count, "bookmarks": post.bookmarks_count},
        "viewer_state": found.viewer_state,
        "original_post_id": post.original_post_id,
        "original_post": None if found.original is None else post_view(found.original),
        "published_at": post.published_at, "edited_at": post.edited_at, "edits_count": post.edits_count,
        "scheduled_at": post.scheduled_at, "created_at": post.created_at,
    }
