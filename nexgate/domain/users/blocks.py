"""Blocks and mutes (spec 003 "Block Functionality", "Mute Functionality").

A block removes the follows and pending requests between the two users, both ways, in the
same transaction as the block itself; from then on visibility.py keeps them apart. The
blocked user is never told: nothing is sent to them, and to them the blocker does not exist.
A mute only hides the muted user's content from the muter's feeds.
"""
from __future__ import annotations

import uuid

from ... import bus
from ...errors import Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from . import repository, visibility
from .events import BLOCK_CREATED, BLOCK_DELETED, FOLLOW_DELETED, MUTE_CREATED, MUTE_DELETED
from .follows import lock_pair
from .repository import UserListItem


def _not_self(caller: Caller, user_id: uuid.UUID, what: str) -> None:
    if caller.user_id == user_id:
        raise Invalid(f"You cannot {what} yourself", code=f"cannot_{what}_self")


async def block(platform: Platform, caller: Caller, user_id: uuid.UUID) -> None:
    """Block a user; blocking again changes nothing. Blocking someone who blocked you works
    too, so that the block stays if they lift theirs."""
    _not_self(caller, user_id, "block")
    blocker = caller.user_id
    async with platform.core.transaction("users.block") as conn:
        rel = await lock_pair(conn, blocker, user_id)
        if not rel.exists:
            raise NotFound("No such user", code="user_not_found")
        if not await repository.insert_block(conn, blocker, user_id):
            return
        # Requests first: a request being accepted right now is then a follow the next statement sees.
        await repository.delete_follow_requests_between(conn, blocker, user_id)
        for follower_id, followee_id in await repository.delete_follows_between(conn, blocker, user_id):
            await repository.adjust_follow_counts(conn, follower_id, followee_id, -1)
            await bus.emit(conn, FOLLOW_DELETED, {"follower_id": str(follower_id), "followee_id": str(followee_id),
                                                  "reason": "blocked"})
        await bus.emit(conn, BLOCK_CREATED, {"blocker_id": str(blocker), "blocked_id": str(user_id)})


async def unblock(platform: Platform, caller: Caller, user_id: uuid.UUID) -> None:
    """Lift a block. Follows it removed stay removed."""
    async with platform.core.transaction("users.unblock") as conn:
        if not await repository.delete_block(conn, caller.user_id, user_id):
            raise NotFound("You have not blocked this user", code="not_blocked")
        await bus.emit(conn, BLOCK_DELETED, {"blocker_id": str(caller.user_id), "blocked_id": str(user_id)})


async def mute(platform: Platform, caller: Caller, user_id: uuid.UUID) -> None:
    """Hide a user's content from the caller's feeds without unfollowing; muting again changes nothing."""
    _not_self(caller, user_id, "mute")
    async with platform.core.transaction("users.mute") as conn:
        rel = await visibility.relationship_in(conn, caller.user_id, user_id)
        if not rel.exists or rel.blocked_by:
            raise NotFound("No such user", code="user_not_found")
        if await repository.insert_mute(conn, caller.user_id, user_id):
            await bus.emit(conn, MUTE_CREATED, {"muter_id": str(caller.user_id), "muted_id": str(user_id)})


async def unmute(platform: Platform, caller: Caller, user_id: uuid.UUID) -> None:
    async with platform.core.transaction("users.unmute") as conn:
        if not await repository.delete_mute(conn, caller.user_id, user_id):
            raise NotFound("You have not muted this user", code="not_muted")
        await bus.emit(conn, MUTE_DELETED, {"muter_id": str(caller.user_id), "muted_id": str(user_id)})


async def blocked(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page:
    """The users the caller blocked, most recent first."""
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: repository.blocked_page(conn, caller.user_id, before, n),
                           UserListItem.position)


async def muted(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page:
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: repository.muted_page(conn, caller.user_id, before, n),
                           UserListItem.position)
