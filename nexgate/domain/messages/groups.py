"""Group conversations: members added and removed by the owner and admins, leaving, the name,
and who is admin. A member added later sees the history from when they joined; one who left
keeps reading what was said until they left."""
from __future__ import annotations

import uuid
from typing import Any

from ... import bus
from ...errors import Forbidden, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import access, conversations, live, repository
from .events import MEMBER_ADDED, MEMBER_REMOVED


async def add_members(platform: Platform, caller: Caller, conversation_id: uuid.UUID,
                      user_ids: list[uuid.UUID]) -> dict[str, Any]:
    """Add users the caller may message (no block either way, their dm_policy); they see the
    messages sent from now on. Adding a member twice changes nothing."""
    me = caller.user_id
    async with platform.core.transaction("messages.group_add_members") as conn:
        locked = await repository.lock_conversation(conn, conversation_id)
        membership = await access.member_of(conn, conversation_id, me)
        access.require_admin(membership)
        members = await repository.active_members(conn, conversation_id)
        current = {m.user_id for m in members}
        new = [u for u in dict.fromkeys(user_ids) if u not in current]
        conversations.check_group_size(len(current) + len(new))
        for user_id in new:
            visibility.require_reach(await visibility.relationship_in(conn, me, user_id), me, user_id, "message")
            await repository.add_member(conn, conversation_id, user_id, role="member", joined_seq=locked["last_seq"])
        if new:
            await bus.emit(conn, MEMBER_ADDED, _payload(conversation_id, me, new))
    if new:
        await live.to_members(platform, current | set(new), MEMBER_ADDED, _payload(conversation_id, me, new))
    return await conversations.get(platform, caller, conversation_id)


async def remove_member(platform: Platform, caller: Caller, conversation_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """An admin removes a member (the owner only by the owner: nobody), or a member leaves
    (``user_id`` is the caller). An owner who leaves hands the group to the longest-standing admin,
    else member."""
    me = caller.user_id
    async with platform.core.transaction("messages.group_remove_member") as conn:
        locked = await repository.lock_conversation(conn, conversation_id)
        membership = await access.member_of(conn, conversation_id, me)
        if user_id == me:
            access.require_active(membership)
            if membership.kind != "group":
                raise Forbidden("A one-to-one conversation cannot be left; delete it instead", code="not_a_group")
        else:
            access.require_admin(membership)
            target = await repository.membership(conn, conversation_id, user_id)
            if target is None or not target.active:
                raise NotFound("Not a member of this conversation", code="member_not_found")
            if target.role == "owner" or (target.role == "admin" and membership.role != "owner"):
                raise Forbidden("Only the owner removes admins, and nobody removes the owner",
                                code="not_group_admin")
        members = await repository.active_members(conn, conversation_id)
        await repository.remove_member(conn, conversation_id, user_id, left_seq=locked["last_seq"])
        if locked["owner_id"] == user_id:
            await repository.set_owner(conn, conversation_id, None)
            heir = await repository.successor(conn, conversation_id)
            if heir is not None:
                await repository.set_role(conn, conversation_id, heir, "owner")
                await repository.set_owner(conn, conversation_id, heir)
        await bus.emit(conn, MEMBER_REMOVED, _payload(conversation_id, me, [user_id]))
    await live.to_members(platform, members, MEMBER_REMOVED, _payload(conversation_id, me, [user_id]))


async def rename(platform: Platform, caller: Caller, conversation_id: uuid.UUID, name: str) -> dict[str, Any]:
    async with platform.core.transaction("messages.group_rename") as conn:
        await repository.lock_conversation(conn, conversation_id)
        access.require_admin(await access.member_of(conn, conversation_id, caller.user_id))
        await repository.rename_conversation(conn, conversation_id, name)
        members = await repository.active_members(conn, conversation_id)
    await live.to_members(platform, members, live.CONVERSATION_UPDATED, {
        "conversation_id": str(conversation_id), "name": name, "by": str(caller.user_id)})
    return await conversations.get(platform, caller, conversation_id)


async def set_admin(platform: Platform, caller: Caller, conversation_id: uuid.UUID, user_id: uuid.UUID,
                    admin: bool) -> dict[str, Any]:
    """The owner makes a member an admin, or an admin a member again."""
    async with platform.core.transaction("messages.group_set_admin") as conn:
        await repository.lock_conversation(conn, conversation_id)
        membership = await access.member_of(conn, conversation_id, caller.user_id)
        access.require_admin(membership)
        if membership.role != "owner":
            raise Forbidden("Only the group's owner chooses its admins", code="not_group_owner")
        if user_id == caller.user_id:
            raise Invalid("The owner is not an admin: hand the group over by leaving it", code="cannot_change_owner")
        if not await repository.set_role(conn, conversation_id, user_id, "admin" if admin else "member"):
            raise NotFound("Not a member of this conversation", code="member_not_found")
        members = await repository.active_members(conn, conversation_id)
    await live.to_members(platform, members, live.CONVERSATION_UPDATED, {
        "conversation_id": str(conversation_id), "user_id": str(user_id), "role": "admin" if admin else "member",
        "by": str(caller.user_id)})
    return await conversations.get(platform, caller, conversation_id)


def _payload(conversation_id: uuid.UUID, by: uuid.UUID, user_ids: list[uuid.UUID]) -> dict[str, Any]:
    return {"conversation_id": str(conversation_id), "by": str(by), "user_ids": [str(u) for u in user_ids]}
