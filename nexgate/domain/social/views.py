"""What clients see of the social area's objects: one function per object, producing the dict the
REST answer, the /ws ack and the live events carry (handlers/social/schemas.py documents them)."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from .posts_repository import Embed, PostRow

SECOND = datetime.timedelta(seconds=1)


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


def embed_view(embed: Embed, card: dict[str, Any]) -> dict[str, Any]:
    """One of a post's embeds: the owning area's card (commerce's product or shop card, the
    events area's event card, each with its ``kind``, ``state`` and live ``topic``), and for a
    shop how it came (``link``: embedded; ``mention``: a ``$handle`` in the text)."""
    return {**card, "mention_type": embed.mention_type}


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


def user_card(row, prefix: str = "") -> dict[str, Any]:
    """A user's public card from a row that joined ``users`` (its columns under ``prefix``)."""
    return {"id": row[f"{prefix}id"] if prefix else row["user_id"], "username": row[f"{prefix}username"],
            "display_name": row[f"{prefix}display_name"], "avatar_media_id": row[f"{prefix}avatar_media_id"],
            "is_verified": row[f"{prefix}verified_at"] is not None}


# Polls (domain/social/polls.py)

def poll(results) -> dict[str, Any]:
    """A poll's results as one viewer sees them (``my_option_ids`` None for an anonymous viewer
    and in the live frames, which every viewer gets alike)."""
    found, options = results.poll, results.options
    shares = poll_percentages([option["votes_count"] for option in options])
    return {
        "id": found["id"], "post_id": found["post_id"], "question": found["question"],
        "allows_multiple": found["allows_multiple"], "is_anonymous": found["is_anonymous"],
        "state": results.state, "expires_at": found["expires_at"], "closed_at": found["closed_at"],
        "seconds_remaining": poll_seconds_remaining(found),
        "total_votes": found["total_votes"], "voters_count": found["voters_count"],
        "options": [{"id": option["id"], "position": option["position"], "text": option["text"],
                     "votes": option["votes_count"], "percent": share} for option, share in zip(options, shares)],
        "my_option_ids": None if results.mine is None else sorted(results.mine, key=_position_of(options)),
    }


def _position_of(options):
    positions = {option["id"]: option["position"] for option in options}
    return lambda option_id: positions.get(option_id, 0)


def poll_voter(row) -> dict[str, Any]:
    return {"user": user_card(row), "voted_at": row["created_at"]}


def poll_state(poll) -> str:
    """open, closed (by its creator) or expired (its time came), at the database's clock."""
    if poll["closed_at"] is not None:
        return "closed"
    if poll["expires_at"] is not None and poll["expires_at"] <= poll["now"]:
        return "expired"
    return "open"


def poll_percentages(counts: Sequence[int]) -> list[int]:
    """Whole percentages of ``counts`` that sum to exactly 100 (all 0 when nothing was counted),
    by the largest remainder: each count's share rounded down, then the points left over go one
    each to the largest remainders (the earlier option first on a tie). Integers throughout."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    shares = [count * 100 // total for count in counts]
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(counts[i] * 100 % total), i))
    for i in by_remainder[:100 - sum(shares)]:
        shares[i] += 1
    return shares


def poll_seconds_remaining(poll) -> int | None:
    """Whole seconds until the poll expires (0 once it has expired or was closed); None: it never expires."""
    if poll["expires_at"] is None:
        return None
    if poll["closed_at"] is not None:
        return 0
    return max(0, (poll["expires_at"] - poll["now"]) // SECOND)


# Image tags (domain/social/image_tags.py)

def image_tag(row, target: dict[str, Any] | None) -> dict[str, Any]:
    """A tag on an image: its target as ``user`` (a card), ``product`` or ``shop``, the others null."""
    kind = row["kind"]
    return {"id": row["id"], "post_id": row["post_id"], "media_id": row["media_id"], "kind": kind,
            "x": float(row["x"]), "y": float(row["y"]),
            "user": user_card(row) if kind == "user" else None,
            "product": target if kind == "product" else None, "shop": target if kind == "shop" else None,
            "created_by": row["created_by"], "created_at": row["created_at"]}


# Collaborative posts (domain/social/collaboration.py)

PREVIEW = 280  # characters of a post's text an invite shows


def collaborators(post_id, rows) -> dict[str, Any]:
    """A post's co-authors (accepted first, in the order they accepted) and pending invites."""
    return {"post_id": post_id, "collaborators": [
        {"user": user_card(row), "status": row["status"], "invited_by": row["invited_by"],
         "invited_at": row["invited_at"], "accepted_at": row["accepted_at"]} for row in rows]}


def collaboration_invite(row) -> dict[str, Any]:
    """One of my pending invites: the post's beginning and who invited me."""
    return {"post_id": row["post_id"], "invited_at": row["invited_at"], "invited_by": user_card(row, "inviter_"),
            "post": {"id": row["post_id"], "creator_id": row["author_id"], "state": row["state"],
                     "visibility": row["visibility"], "text": row["text"][:PREVIEW],
                     "created_at": row["created_at"]}}


def post_edit_view(edit: dict[str, Any]) -> dict[str, Any]:
    """An earlier version of a post (what one edit replaced) and who edited it."""
    return {"id": edit["id"], "editor": author_card({**edit, "id": edit["editor_id"]}), "text": edit["text"],
            "entities": edit["entities"], "visibility": edit["visibility"], "changed": edit["changed"],
            "edited_at": edit["edited_at"]}
