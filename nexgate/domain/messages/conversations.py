"""Conversations: starting one-to-one and group conversations, the caller's list, one
conversation, and the caller's own settings of it (mute, deleted for them, read and delivered
positions)."""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from ... import bus
from ...errors import Invalid
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import access, live, repository, views
from .events import CONVERSATION_CREATED

MAX_GROUP_MEMBERS = 256


@dataclasses.dataclass(frozen=True)
class Started:
    conversation: dict[str, Any]
    created: bool  # False: the pair's one-to-one conversation already existed


def pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


async def start_direct(platform: Platform, caller: Caller, user_id: uuid.UUID) -> Started:
    """The caller's one-to-one conversation with ``user_id``: the existing one, or a new one if
    the user may be messaged by the caller (no block either way, their dm_policy)."""
    me = caller.user_id
    if user_id == me:
        raise Invalid.fields("body", {"user_ids": "A one-to-one conversation needs someone other than you."})
    await visibility.check_reach(platform, me, user_id, "message")
    async with platform.core.transaction("messages.start_direct") as conn:
        conversation_id = await repository.insert_conversation(conn, kind="direct", name=None, owner_id=None,
                                                               pair=pair(me, user_id))
        created = conversation_id is not None
        if created:
            for member in (me, user_id):
                await repository.add_member(conn, conversation_id, member, role="member", joined_seq=0)
            event = await _emit_created(conn, conversation_id, me, [me, user_id])
        else:
            conversation_id = await repository.direct_between(conn, pair(me, user_id))
    if created:
        await live.to_members(platform, [me, user_id], CONVERSATION_CREATED, event)
    return Started(await get(platform, caller, conversation_id), created)


async def start_group(platform: Platform, caller: Caller, name: str, user_ids: list[uuid.UUID]) -> Started:
    """A new group owned by the caller with the users the caller may message."""
    me = caller.user_id
    others = [u for u in dict.fromkeys(user_ids) if u != me]
    check_group_size(len(others) + 1)
    async with platform.core.transaction("messages.start_group") as conn:
        for user_id in others:
            visibility.require_reach(await visibility.relationship_in(conn, me, user_id), me, user_id, "message")
        conversation_id = await repository.insert_conversation(conn, kind="group", name=name, owner_id=me)
        await repository.add_member(conn, conversation_id, me, role="owner", joined_seq=0)
        for user_id in others:
            await repository.add_member(conn, conversation_id, user_id, role="member", joined_seq=0)
        event = await _emit_created(conn, conversation_id, me, [me, *others])
    await live.to_members(platform, [me, *others], CONVERSATION_CREATED, event)
    return Started(await get(platform, caller, conversation_id), True)


def check_group_size(size: int) -> None:
    if size > MAX_GROUP_MEMBERS:
        raise Invalid.fields("body", {"user_ids": f"A group holds at most {MAX_GROUP_MEMBERS} members."})


async def _emit_created(conn, conversation_id: uuid.UUID, creator: uuid.UUID, members: list[uuid.UUID]) -> dict[str, Any]:
    """Put ``messages.conversation.created`` on the bus; its payload, which the members' devices get too."""
    event = {"conversation_id": str(conversation_id), "created_by": str(creator), "member_ids": [str(m) for m in members]}
    await bus.emit(conn, CONVERSATION_CREATED, event)
    return event


async def get(platform: Platform, caller: Caller, conversation_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.connection() as conn:
        rows = await repository.conversation_page(conn, caller.user_id, NEWEST_FIRST.start, 1, conversation_id)
        if not rows:
            raise access.conversation_not_found()
        return (await _views(conn, rows))[0]


async def list_conversations(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page:
    """The caller's conversations, the latest activity first, each with its unread count and last message."""
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.conversation_page(conn, caller.user_id, before, n),
                           lambda row: (row["since"], row["id"]))
        return Page(await _views(conn, page.items), page.next_cursor)


async def _views(conn, rows) -> list[dict[str, Any]]:
    members: dict[uuid.UUID, list] = {row["id"]: [] for row in rows}
    for member in await repository.members_of(conn, list(members)):
        members[member["conversation_id"]].append(member)
    return [views.conversation_view(row, members[row["id"]]) for row in rows]


async def delete_for_me(platform: Platform, caller: Caller, conversation_id: uuid.UUID) -> None:
    """Hide the conversation and its history so far from the caller only; it comes back to
    their list with the next message they can see."""
    async with platform.core.transaction("messages.delete_for_me") as conn:
        await repository.lock_conversation(conn, conversation_id)
        membership = await access.member_of(conn, conversation_id, caller.user_id)
        await repository.clear_history(conn, conversation_id, caller.user_id, membership.high)


async def set_muted(platform: Platform, caller: Caller, conversation_id: uuid.UUID, muted: bool) -> None:
    """Muted: messages still arrive (flagged ``muted``) but no push notification is asked for."""
    async with platform.core.transaction("messages.set_muted") as conn:
        await access.active_member_of(conn, conversation_id, caller.user_id)
        await repository.set_muted(conn, conversation_id, caller.user_id, muted)


async def mark_read(platform: Platform, caller: Caller, conversation_id: uuid.UUID, seq: int | None) -> int:
    """Move the caller's read position to ``seq`` (default: the latest message they can see);
    it never moves back. The members' devices hear of it (the senders see "read"). The position."""
    return await _advance(platform, caller, conversation_id, seq, repository.advance_read, live.CONVERSATION_READ,
                          "read_seq", "messages.mark_read")


async def mark_unread(platform: Platform, caller: Caller, conversation_id: uuid.UUID) -> None:
    """Flag the conversation unread for the caller (``marked_unread``) until they read it again;
    the caller's other devices hear of it."""
    async with platform.core.transaction("messages.mark_unread") as conn:
        await access.member_of(conn, conversation_id, caller.user_id)
        await repository.mark_unread(conn, conversation_id, caller.user_id)
    await live.to_members(platform, [caller.user_id], live.CONVERSATION_UPDATED, {
        "conversation_id": str(conversation_id), "marked_unread": True, "by": str(caller.user_id)})


async def mark_delivered(platform: Platform, caller: Caller, conversation_id: uuid.UUID, seq: int) -> int:
    """A device of the caller received the messages up to ``seq``; the senders see "delivered"."""
    return await _advance(platform, caller, conversation_id, seq, repository.advance_delivered,
                          live.CONVERSATION_DELIVERED, "delivered_seq", "messages.mark_delivered")


async def _advance(platform, caller, conversation_id, seq, advance, event, position, transaction) -> int:
    async with platform.core.transaction(transaction) as conn:
        membership = await access.member_of(conn, conversation_id, caller.user_id)
        target = membership.high if seq is None else min(seq, membership.high)
        moved = await advance(conn, conversation_id, caller.user_id, target)
        members = await repository.active_members(conn, conversation_id) if moved else []
    if moved:
        exclude = caller.user_id if event == live.CONVERSATION_DELIVERED else None
        await live.to_members(platform, members, event, {
            "conversation_id": str(conversation_id), "user_id": str(caller.user_id), "seq": target}, exclude=exclude)
    return target if moved else max(target, getattr(membership, position))


async def require_active_member(platform: Platform, caller: Caller, conversation_id: uuid.UUID) -> None:
    """Raise unless the caller is in the conversation now (who may follow its typing topic)."""
    async with platform.core.connection() as conn:
        await access.active_member_of(conn, conversation_id, caller.user_id)


async def typing(platform: Platform, caller: Caller, conversation_id: uuid.UUID, active: bool) -> None:
    """Tell whoever has the conversation open that the caller is (or stopped) typing. Not stored."""
    await require_active_member(platform, caller, conversation_id)
    await live.typing(platform, conversation_id, caller.user_id, active)
