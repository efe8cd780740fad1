"""The one answer to "may V see U?" and "may A reach U?" (docs/privacy.md).

Every area asks here: profiles, feeds, DMs, mentions, tags and the WebSocket gateway's
presence. Each question is one query of primary-key lookups (sql/users/visibility.sql).
"""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from ...errors import Forbidden, Invalid, NotFound
from ...platform import Platform
from . import repository

ACTIONS = ("follow", "message", "mention", "tag")


@dataclasses.dataclass(frozen=True)
class Relationship:
    """What lies between a viewer and a user, both ways. ``exists`` is False for no such user."""

    exists: bool
    following: bool = False  # viewer follows user
    followed_by: bool = False  # user follows viewer
    requested: bool = False  # viewer's follow request to user is pending
    blocking: bool = False  # viewer blocked user
    blocked_by: bool = False  # user blocked viewer
    muting: bool = False  # viewer muted user
    is_private: bool = False
    show_presence: bool = False
    dm_policy: str = "everyone"

    @property
    def blocked(self) -> bool:
        """A block either way."""
        return self.blocking or self.blocked_by


async def relationship_in(conn, viewer_id: uuid.UUID | None, user_id: uuid.UUID) -> Relationship:
    """The relationship, read on a connection the caller holds (inside its transaction)."""
    return relationship_of(await repository.relationship(conn, viewer_id, user_id))


def relationship_of(columns: Mapping[str, Any] | None) -> Relationship:
    """The relationship from the columns of ``user_relationship(viewer, user)`` (migration
    0011), for a query that read them on its way; None: no such user."""
    return Relationship(exists=False) if columns is None else Relationship(exists=True, **dict(columns))


async def relationship(platform: Platform, viewer_id: uuid.UUID | None, user_id: uuid.UUID) -> Relationship:
    async with platform.core.connection() as conn:
        return await relationship_in(conn, viewer_id, user_id)


# The rules, on a relationship already read. A viewer is always allowed everything on themself.

def profile_visible(rel: Relationship) -> bool:
    return rel.exists and not rel.blocked


def content_visible(rel: Relationship) -> bool:
    return profile_visible(rel) and (not rel.is_private or rel.following)


def presence_visible(rel: Relationship) -> bool:
    return content_visible(rel) and rel.show_presence


def require_profile(rel: Relationship) -> None:
    """Raise unless the viewer may see the user's profile. Someone the user blocked learns
    nothing: for them the user does not exist. The blocker is told why."""
    if not rel.exists or rel.blocked_by:
        raise NotFound("No such user", code="user_not_found")
    if rel.blocking:
        raise Forbidden("You blocked this user; unblock them first", code="user_blocked")


def require_reach(rel: Relationship, actor_id: uuid.UUID, user_id: uuid.UUID, action: str) -> None:
    """Raise unless the actor may ``action`` (follow, message, mention, tag) the user."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {ACTIONS}")
    if actor_id == user_id:
        if action == "follow":
            raise Invalid("You cannot follow yourself", code="cannot_follow_self")
        return
    require_profile(rel)
    if action == "message" and rel.dm_policy == "following" and not rel.followed_by:
        raise Forbidden("This user only accepts messages from people they follow", code="messages_restricted")


# The questions other areas ask.

async def can_see_profile(platform: Platform, viewer_id: uuid.UUID | None, user_id: uuid.UUID) -> bool:
    return viewer_id == user_id or profile_visible(await relationship(platform, viewer_id, user_id))


async def can_see_content(platform: Platform, viewer_id: uuid.UUID | None, user_id: uuid.UUID) -> bool:
    """Posts, stories, followers and following lists: public accounts, or followers of private ones."""
    return viewer_id == user_id or content_visible(await relationship(platform, viewer_id, user_id))


async def can_see_presence(platform: Platform, viewer_id: uuid.UUID | None, user_id: uuid.UUID) -> bool:
    """Online status and last seen: as content, and only if the user shows their presence."""
    return viewer_id == user_id or presence_visible(await relationship(platform, viewer_id, user_id))


async def check_reach(platform: Platform, actor_id: uuid.UUID, user_id: uuid.UUID, action: str) -> Relationship:
    """Raise ``NotFound`` (``user_not_found``: no such user, or they blocked the actor),
    ``Forbidden`` (``user_blocked``: the actor blocked them; ``messages_restricted``: their
    dm_policy is ``following`` and they do not follow the actor) or ``Invalid``
    (``cannot_follow_self``); otherwise return the relationship."""
    rel = await relationship(platform, actor_id, user_id)
    require_reach(rel, actor_id, user_id, action)
    return rel


@dataclasses.dataclass(frozen=True)
class Audience:
    """What the notification service needs before telling a recipient of an actor's deed."""

    language: str
    actor_name: str | None  # None: no actor, or the actor no longer exists
    relationship: Relationship  # the recipient's to the actor
    email: str | None = None  # the recipient's address, once verified
    phone: str | None = None  # the recipient's number, once verified

    @property
    def silenced(self) -> bool:
        """The recipient blocked or muted the actor (or the actor blocked them): tell nothing."""
        return self.relationship.blocked or self.relationship.muting


async def notice_audience(platform: Platform, recipient_id: uuid.UUID, actor_id: uuid.UUID | None) -> Audience | None:
    """The recipient's language and verified email address and phone, the actor's name and the
    recipient's relationship to the actor, in one round trip; None if the recipient does not exist."""
    async with platform.core.connection() as conn:
        row = await repository.notice_audience(conn, recipient_id, actor_id)
    if row is None:
        return None
    columns = {name: row[name] for name in row.keys() if name not in ("language", "actor_name", "email", "phone")}
    rel = Relationship(exists=False) if columns["is_private"] is None else Relationship(exists=True, **columns)
    return Audience(row["language"], row["actor_name"], rel, row["email"], row["phone"])


async def language_of(platform: Platform, user_id: uuid.UUID) -> str:
    """The language the user reads the platform in (``en`` for a user who no longer exists)."""
    async with platform.core.connection() as conn:
        return await repository.language_of(conn, user_id) or "en"


async def visible_authors(
    platform: Platform, viewer_id: uuid.UUID | None, author_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The authors whose content belongs in the viewer's feed: not blocked either way, not
    muted by the viewer, public or followed (the viewer always sees themself). An anonymous
    viewer (None) sees public accounts."""
    return set(await visible_authors_followed(platform, viewer_id, author_ids))


async def visible_authors_followed(
    platform: Platform, viewer_id: uuid.UUID | None, author_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    """``visible_authors``, each with whether the viewer follows them (a home feed asks both in
    one round trip)."""
    ids = list(dict.fromkeys(author_ids))
    if not ids:
        return {}
    async with platform.core.connection() as conn:
        return await repository.visible_authors(conn, viewer_id, ids)


async def blocked_either_way(conn, viewer_id: uuid.UUID | None) -> list[uuid.UUID]:
    """The users hidden from the viewer, and the viewer from, by a block either way: what a list
    of many people's things (a product search) leaves out inside its own query, so that its
    pages stay full. An anonymous viewer (None) blocked no one."""
    return [] if viewer_id is None else await repository.blocked_either_way(conn, viewer_id)
