"""Follows and follow requests, the followers/following lists and the counters beside them.

Every change locks both users' rows (in id order) first: concurrent follows of the same pair
serialise, the counters change in the same transaction as the follow rows, a block cannot
slip between a follow's check and its insert, and no two transactions deadlock on counters.
"""
from __future__ import annotations

import dataclasses
import uuid

from ... import bus
from ...errors import Forbidden, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from . import repository, visibility
from .events import (
    FOLLOW_ACCEPTED, FOLLOW_CREATED, FOLLOW_DECLINED, FOLLOW_DELETED, FOLLOW_REQUESTED, FOLLOW_REQUEST_CANCELLED,
)
from .repository import CounterDrift, UserListItem

RECONCILE_BATCH = 1000


@dataclasses.dataclass(frozen=True)
class FollowResult:
    state: str  # "following" or "requested"
    created: bool  # False when the follow or request already existed


async def lock_pair(conn, actor_id: uuid.UUID, user_id: uuid.UUID) -> visibility.Relationship:
    """Lock both users' rows and read the relationship under the locks."""
    await repository.lock_users(conn, {actor_id, user_id})
    return await visibility.relationship_in(conn, actor_id, user_id)


def _pair(follower_id: uuid.UUID, followee_id: uuid.UUID, **extra) -> dict:
    return {"follower_id": str(follower_id), "followee_id": str(followee_id), **extra}


async def follow(platform: Platform, caller: Caller, user_id: uuid.UUID) -> FollowResult:
    """Follow a public account, or ask to follow a private one. Idempotent: following again
    changes nothing and says so (``created`` False)."""
    actor = caller.user_id
    async with platform.core.transaction("users.follow") as conn:
        rel = await lock_pair(conn, actor, user_id)
        visibility.require_reach(rel, actor, user_id, "follow")
        if rel.following:
            return FollowResult("following", False)
        if rel.is_private:
            created = await repository.insert_follow_request(conn, actor, user_id)
            if created:
                await bus.emit(conn, FOLLOW_REQUESTED, {"requester_id": str(actor), "target_id": str(user_id)})
            return FollowResult("requested", created)
        await _add_follow(conn, actor, user_id, FOLLOW_CREATED)
    return FollowResult("following", True)


async def _add_follow(conn, follower_id: uuid.UUID, followee_id: uuid.UUID, event: str) -> None:
    if await repository.insert_follow(conn, follower_id, followee_id):
        await repository.adjust_follow_counts(conn, follower_id, followee_id, +1)
        await bus.emit(conn, event, _pair(follower_id, followee_id))


async def unfollow(platform: Platform, caller: Caller, user_id: uuid.UUID) -> None:
    """Stop following, or withdraw a pending follow request."""
    actor = caller.user_id
    async with platform.core.transaction("users.unfollow") as conn:
        rel = await lock_pair(conn, actor, user_id)
        if not rel.exists or rel.blocked_by:
            raise NotFound("No such user", code="user_not_found")
        if await repository.delete_follow(conn, actor, user_id):
            await repository.adjust_follow_counts(conn, actor, user_id, -1)
            await bus.emit(conn, FOLLOW_DELETED, _pair(actor, user_id, reason="unfollowed"))
        elif await repository.delete_follow_request(conn, actor, user_id):
            await bus.emit(conn, FOLLOW_REQUEST_CANCELLED, {"requester_id": str(actor), "target_id": str(user_id)})
        else:
            raise NotFound("You do not follow this user", code="not_following")


async def accept(platform: Platform, caller: Caller, requester_id: uuid.UUID) -> None:
    """Accept a pending request to follow the caller."""
    async with platform.core.transaction("users.follow_accept") as conn:
        await repository.lock_users(conn, {caller.user_id, requester_id})
        if not await repository.delete_follow_request(conn, requester_id, caller.user_id):
            raise _no_request()
        await _add_follow(conn, requester_id, caller.user_id, FOLLOW_ACCEPTED)


async def decline(platform: Platform, caller: Caller, requester_id: uuid.UUID) -> None:
    async with platform.core.transaction("users.follow_decline") as conn:
        if not await repository.delete_follow_request(conn, requester_id, caller.user_id):
            raise _no_request()
        await bus.emit(conn, FOLLOW_DECLINED, {"requester_id": str(requester_id), "target_id": str(caller.user_id)})


def _no_request() -> NotFound:
    return NotFound("No pending follow request from this user", code="follow_request_not_found")


async def accept_all_requests(conn, target_id: uuid.UUID) -> list[uuid.UUID]:
    """In the caller's transaction (the target's row and the requesters' locked): every pending
    request to follow the target becomes a follow. The new followers."""
    followers = await repository.accept_all_follow_requests(conn, target_id)
    for follower_id in followers:
        await bus.emit(conn, FOLLOW_ACCEPTED, _pair(follower_id, target_id))
    return followers


async def followers(
    platform: Platform, caller: Caller | None, user_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[UserListItem]:
    """Who follows the user, newest first; for a private account only the owner and followers may
    look. ``caller`` None is an anonymous viewer: public accounts only."""
    return await _list(platform, caller, user_id, repository.followers_page, cursor, limit)


async def following(
    platform: Platform, caller: Caller | None, user_id: uuid.UUID, *, cursor: str | None, limit: int
) -> Page[UserListItem]:
    return await _list(platform, caller, user_id, repository.following_page, cursor, limit)


async def _list(platform, caller, user_id, page_query, cursor, limit) -> Page[UserListItem]:
    viewer = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        if viewer != user_id:
            rel = await visibility.relationship_in(conn, viewer, user_id)
            visibility.require_profile(rel)
            if not visibility.content_visible(rel):
                raise Forbidden("This account is private: only its followers see who it follows and who follows it",
                                code="private_account")
        return await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: page_query(conn, user_id, viewer, before, n),
                           UserListItem.position)


async def requests(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page[UserListItem]:
    """Pending requests to follow the caller, newest first."""
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.follow_requests_page(conn, caller.user_id, before, n),
                           UserListItem.position)


async def reconcile_counters(conn) -> list[CounterDrift]:
    """Recount every user's followers and following from the follows, in batches that lock
    their users' rows (so no follow changes them mid-count); the counters that were wrong."""
    drift: list[CounterDrift] = []
    after = uuid.UUID(int=0)
    while True:
        async with conn.transaction():
            ids = await repository.lock_user_ids_after(conn, after, RECONCILE_BATCH)
            if not ids:
                return drift
            drift += await repository.reconcile_follow_counts(conn, ids)
        after = ids[-1]
