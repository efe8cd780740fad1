"""Profiles: looking users up by id or username, the public view, and the owner's edits."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...platform import Platform
from ..auth import identifiers
from ..auth.caller import Caller
from ..media import attachments
from . import follows, repository, visibility
from .events import PROFILE_UPDATED, USERNAME_CHANGED
from .repository import Profile
from .trust import level_for

USERNAME_COOLDOWN = datetime.timedelta(days=30)
PROFILE_IMAGES = {"avatar_media_id": "avatar", "cover_media_id": "cover"}
EDITABLE = ("username", "display_name", "bio", "avatar_media_id", "cover_media_id", "location", "website",
            "is_private", "show_presence", "dm_policy", "language")
LANGUAGES = ("en", "sw")  # English and Swahili; the column's check (migration 0017) holds the same


@dataclasses.dataclass(frozen=True)
class ProfileView:
    profile: Profile
    relationship: visibility.Relationship | None  # None on one's own profile
    content_visible: bool


async def find(conn, ref: str) -> Profile | None:
    """The user a path names: a UUID is an id, anything else a username (any letter case)."""
    try:
        return await repository.profile_by_id(conn, uuid.UUID(ref))
    except ValueError:
        pass
    if not identifiers.USERNAME.match(ref):
        return None
    return await repository.profile_by_username(conn, ref)


async def get_profile(platform: Platform, caller: Caller | None, ref: str) -> ProfileView:
    """The profile header of anyone the caller (None: an anonymous viewer) may see; for private
    accounts the caller does not follow, ``content_visible`` is False."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        profile = await find(conn, ref)
        if profile is None:
            raise NotFound("No such user", code="user_not_found")
        if profile.id == viewer_id:
            return ProfileView(profile, None, True)
        rel = await visibility.relationship_in(conn, viewer_id, profile.id)
    visibility.require_profile(rel)
    return ProfileView(profile, rel, visibility.content_visible(rel))


async def get_stats(platform: Platform, caller: Caller | None, user_id: uuid.UUID) -> Profile:
    view = await get_profile(platform, caller, str(user_id))
    return view.profile


async def update_profile(platform: Platform, caller: Caller, user_id: uuid.UUID, changes: dict[str, Any]) -> ProfileView:
    """The owner edits their profile. Setting ``is_private`` to false accepts every pending
    follow request; a username change obeys the username rules and a 30-day cooldown."""
    if user_id != caller.user_id:
        raise Forbidden("You can only edit your own profile", code="not_profile_owner")
    changes = _normalize(changes)
    try:
        async with platform.core.transaction("users.update_profile") as conn:
            # Going public accepts the pending requests: lock their requesters too, in id order.
            going_public = changes.get("is_private") is False
            requesters = await repository.pending_requester_ids(conn, user_id) if going_public else []
            if user_id not in await repository.lock_users(conn, [user_id, *requesters]):
                raise NotFound("Your account no longer exists", code="user_not_found")
            old = await repository.profile_by_id(conn, user_id)
            new = _apply(old, changes)
            changed = sorted(name for name in EDITABLE if getattr(new, name) != getattr(old, name))
            if not changed:
                return ProfileView(old, None, True)
            await attachments.attach_fields(conn, owner_id=user_id, purposes=PROFILE_IMAGES,
                                            values={name: getattr(new, name) for name in changed})
            profile = await repository.update_profile(conn, new)
            if old.is_private and not profile.is_private and await follows.accept_all_requests(conn, user_id):
                profile = await repository.profile_by_id(conn, user_id)
            if "username" in changed:
                await bus.emit(conn, USERNAME_CHANGED, {"user_id": str(user_id), "old_username": old.username,
                                                        "new_username": profile.username})
            await bus.emit(conn, PROFILE_UPDATED, {"user_id": str(user_id), "fields": changed})
    except asyncpg.UniqueViolationError:
        raise Conflict.fields("body", {"username": "This username is taken."}, message="That username is taken",
                              code="username_taken") from None
    return ProfileView(profile, None, True)


def _normalize(changes: dict[str, Any]) -> dict[str, Any]:
    """Text as typed but trimmed; an empty optional text clears it."""
    changes = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    for name in ("bio", "location", "website"):
        if changes.get(name) == "":
            changes[name] = None
    if changes.get("display_name") == "":
        raise Invalid.fields("body", {"display_name": "Give a display name."})
    if "username" in changes:
        changes["username"] = identifiers.username(changes["username"])
    return changes


def _apply(old: Profile, changes: dict[str, Any]) -> Profile:
    new = dataclasses.replace(old, **changes)
    if new.username == old.username:
        return new
    now = datetime.datetime.now(datetime.timezone.utc)
    if old.username_changed_at is not None and now < old.username_changed_at + USERNAME_COOLDOWN:
        available = old.username_changed_at + USERNAME_COOLDOWN
        raise Conflict.fields(
            "body", {"username": "Usernames can change once every 30 days."}, code="username_change_too_soon",
            message=f"You can change your username again on {available.date().isoformat()}",
            available_at=available.isoformat())
    return dataclasses.replace(new, username_changed_at=now)


def profile_view(view: ProfileView) -> dict[str, Any]:
    """The public view of a profile: never email or phone. The owner's own view adds the
    privacy settings; another's adds the caller's relationship to them."""
    p, rel = view.profile, view.relationship
    body: dict[str, Any] = {
        "id": p.id, "username": p.username, "display_name": p.display_name, "bio": p.bio,
        "avatar_media_id": p.avatar_media_id, "cover_media_id": p.cover_media_id,
        "location": p.location, "website": p.website, "is_private": p.is_private,
        "is_verified": p.verified_at is not None, "joined_at": p.created_at,
        "stats": stats_view(p), "trust": {"score": p.trust_score, "level": level_for(p.trust_score)},
        "content_visible": view.content_visible,
        "relationship": None if rel is None else {
            "following": rel.following, "followed_by": rel.followed_by, "requested": rel.requested,
            "muted": rel.muting,
        },
    }
    if rel is None:
        body["settings"] = {"show_presence": p.show_presence, "dm_policy": p.dm_policy, "language": p.language}
    return body


def stats_view(profile: Profile) -> dict[str, int]:
    return {"posts": profile.posts_count, "followers": profile.followers_count,
            "following": profile.following_count, "likes_received": profile.likes_received_count}
