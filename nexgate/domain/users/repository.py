"""The users area's SQL for profiles, follows, blocks, mutes and visibility (``sql/users``);
it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Iterable

import asyncpg

from ...sql import all_rows, queries

_sql = queries("users")


@dataclasses.dataclass(frozen=True)
class Profile:
    id: uuid.UUID
    username: str
    display_name: str
    bio: str | None
    avatar_media_id: uuid.UUID | None
    cover_media_id: uuid.UUID | None
    location: str | None
    website: str | None
    is_private: bool
    show_presence: bool
    dm_policy: str
    language: str
    verified_at: datetime.datetime | None
    trust_score: int | None
    username_changed_at: datetime.datetime | None
    followers_count: int
    following_count: int
    posts_count: int
    likes_received_count: int
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Profile | None:
        return None if row is None else cls(**dict(row))


@dataclasses.dataclass(frozen=True)
class UserListItem:
    """One row of a followers, following, requests, blocked or muted list; ``since`` is when
    the relation began and, with ``id``, the row's position in the list."""

    id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None
    since: datetime.datetime

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.since, self.id


@dataclasses.dataclass(frozen=True)
class CounterDrift:
    id: uuid.UUID
    username: str
    old_followers: int
    followers: int
    old_following: int
    following: int


def _items(rows: Iterable[asyncpg.Record]) -> list[UserListItem]:
    return [UserListItem(**dict(row)) for row in rows]


# profiles

async def profile_by_id(conn, user_id: uuid.UUID) -> Profile | None:
    return Profile.from_row(await _sql.profile_by_id(conn, id=user_id))


async def profile_by_username(conn, username: str) -> Profile | None:
    return Profile.from_row(await _sql.profile_by_username(conn, username=username))


async def lock_users(conn, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Lock the users' rows (in id order) for the transaction; the ids that exist."""
    return {row["id"] for row in await all_rows(_sql.lock_users, conn, ids=list(ids))}


async def update_profile(conn, profile: Profile) -> Profile:
    fields = ("username", "display_name", "bio", "avatar_media_id", "cover_media_id", "location", "website",
              "is_private", "show_presence", "dm_policy", "language", "username_changed_at")
    return Profile.from_row(
        await _sql.update_profile(conn, id=profile.id, **{name: getattr(profile, name) for name in fields})
    )


# visibility

async def relationship(conn, viewer_id: uuid.UUID | None, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.relationship(conn, viewer_id=viewer_id, user_id=user_id)


async def notice_audience(conn, recipient_id: uuid.UUID, actor_id: uuid.UUID | None) -> asyncpg.Record | None:
    return await _sql.notice_audience(conn, recipient_id=recipient_id, actor_id=actor_id)


async def language_of(conn, user_id: uuid.UUID) -> str | None:
    return await _sql.language_of(conn, id=user_id)


async def blocked_either_way(conn, viewer_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.blocked_either_way, conn, viewer_id=viewer_id)]


async def visible_authors(conn, viewer_id: uuid.UUID | None, author_ids: list[uuid.UUID]) -> dict[uuid.UUID, bool]:
    """The visible authors, each with whether the viewer follows them."""
    rows = await all_rows(_sql.visible_authors, conn, viewer_id=viewer_id, author_ids=author_ids)
    return {row["id"]: row["followed"] for row in rows}


# follows and follow requests

async def insert_follow(conn, follower_id: uuid.UUID, followee_id: uuid.UUID) -> bool:
    """False if the follow already existed."""
    return bool(await _sql.insert_follow(conn, follower_id=follower_id, followee_id=followee_id))


async def delete_follow(conn, follower_id: uuid.UUID, followee_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_follow(conn, follower_id=follower_id, followee_id=followee_id))


async def adjust_follow_counts(conn, follower_id: uuid.UUID, followee_id: uuid.UUID, delta: int) -> None:
    await _sql.adjust_follow_counts(conn, follower_id=follower_id, followee_id=followee_id, delta=delta)


async def insert_follow_request(conn, requester_id: uuid.UUID, target_id: uuid.UUID) -> bool:
    return bool(await _sql.insert_follow_request(conn, requester_id=requester_id, target_id=target_id))


async def delete_follow_request(conn, requester_id: uuid.UUID, target_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_follow_request(conn, requester_id=requester_id, target_id=target_id))


async def pending_requester_ids(conn, target_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["requester_id"] for row in await all_rows(_sql.pending_requester_ids, conn, target_id=target_id)]


async def accept_all_follow_requests(conn, target_id: uuid.UUID) -> list[uuid.UUID]:
    """Turn every pending request into a follow, counting it on both sides; the new followers."""
    followers = [row["follower_id"] for row in await all_rows(_sql.accept_all_follow_requests, conn, target_id=target_id)]
    if followers:
        await _sql.add_followers_count(conn, id=target_id, delta=len(followers))
    return followers


async def followers_page(conn, user_id, viewer_id, before: tuple, limit: int) -> list[UserListItem]:
    return _items(await all_rows(_sql.followers_page, conn, user_id=user_id, viewer_id=viewer_id,
                             before_at=before[0], before_id=before[1], limit=limit))


async def following_page(conn, user_id, viewer_id, before: tuple, limit: int) -> list[UserListItem]:
    return _items(await all_rows(_sql.following_page, conn, user_id=user_id, viewer_id=viewer_id,
                             before_at=before[0], before_id=before[1], limit=limit))


async def follow_requests_page(conn, target_id, before: tuple, limit: int) -> list[UserListItem]:
    return _items(await all_rows(_sql.follow_requests_page, conn, target_id=target_id,
                             before_at=before[0], before_id=before[1], limit=limit))


async def lock_user_ids_after(conn, after_id: uuid.UUID, batch: int) -> list[uuid.UUID]:
    return [row["id"] for row in await all_rows(_sql.lock_user_ids_after, conn, after_id=after_id, batch=batch)]


async def reconcile_follow_counts(conn, ids: list[uuid.UUID]) -> list[CounterDrift]:
    return [CounterDrift(**dict(row)) for row in await all_rows(_sql.reconcile_follow_counts, conn, ids=ids)]


# blocks and mutes

async def insert_block(conn, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> bool:
    return bool(await _sql.insert_block(conn, blocker_id=blocker_id, blocked_id=blocked_id))


async def delete_block(conn, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_block(conn, blocker_id=blocker_id, blocked_id=blocked_id))


async def delete_follow_requests_between(conn, a: uuid.UUID, b: uuid.UUID) -> None:
    await _sql.delete_follow_requests_between(conn, a=a, b=b)


async def delete_follows_between(conn, a: uuid.UUID, b: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Remove the follows between two users, either way; (follower, followee) of each removed."""
    return [(row["follower_id"], row["followee_id"]) for row in await all_rows(_sql.delete_follows_between, conn, a=a, b=b)]


async def insert_mute(conn, muter_id: uuid.UUID, muted_id: uuid.UUID) -> bool:
    return bool(await _sql.insert_mute(conn, muter_id=muter_id, muted_id=muted_id))


async def delete_mute(conn, muter_id: uuid.UUID, muted_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_mute(conn, muter_id=muter_id, muted_id=muted_id))


async def blocked_page(conn, user_id, before: tuple, limit: int) -> list[UserListItem]:
    return _items(await all_rows(_sql.blocked_page, conn, user_id=user_id,
                             before_at=before[0], before_id=before[1], limit=limit))


async def muted_page(conn, user_id, before: tuple, limit: int) -> list[UserListItem]:
    return _items(await all_rows(_sql.muted_page, conn, user_id=user_id,
                             before_at=before[0], before_id=before[1], limit=limit))


async def ids_by_usernames(conn, usernames: Iterable[str]) -> dict[str, uuid.UUID]:
    """Lower-case username -> id, for the usernames that name a user."""
    rows = await all_rows(_sql.ids_by_usernames, conn, usernames=[name.lower() for name in usernames])
    return {row["username"].lower(): row["id"] for row in rows}


async def change_posts_count(conn, ids: Iterable[uuid.UUID], delta: int) -> None:
    await _sql.change_posts_count(conn, ids=list(ids), delta=delta)


async def add_likes_received(conn, user_id: uuid.UUID, delta: int) -> None:
    await _sql.add_likes_received(conn, id=user_id, delta=delta)


async def set_content_counts(conn, ids: list[uuid.UUID], likes_received: list[int],
                             posts: list[int]) -> list[asyncpg.Record]:
    """Each user's counters set; the rows of those with one wrong (id, each counter old and new)."""
    return await all_rows(_sql.set_content_counts, conn, ids=ids, likes_received=likes_received, posts=posts)
