"""Who may see and act on a conversation or a message: the checks every operation starts with.

A conversation the caller is not (and never was) a member of does not exist for them: 404
``conversation_not_found``, whether or not it exists, so ids cannot be probed.
"""
from __future__ import annotations

import uuid

from ...errors import Forbidden, NotFound
from . import message_repository, repository
from .message_repository import Message
from .repository import Membership


def conversation_not_found() -> NotFound:
    return NotFound("No such conversation", code="conversation_not_found")


def message_not_found() -> NotFound:
    return NotFound("No such message", code="message_not_found")


async def member_of(conn, conversation_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    """The caller's membership, present or past; ``conversation_not_found`` if they never were one."""
    membership = await repository.membership(conn, conversation_id, user_id)
    if membership is None:
        raise conversation_not_found()
    return membership


def require_active(membership: Membership) -> None:
    """Raise unless the caller is still in the conversation (they may read up to when they left)."""
    if not membership.active:
        raise Forbidden("You are no longer a member of this conversation", code="not_a_member")


def require_admin(membership: Membership) -> None:
    require_active(membership)
    if membership.kind != "group":
        raise Forbidden("Only group conversations have members to manage", code="not_a_group")
    if membership.role not in ("owner", "admin"):
        raise Forbidden("Only the group's owner and admins may do this", code="not_group_admin")


async def active_member_of(conn, conversation_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = await member_of(conn, conversation_id, user_id)
    require_active(membership)
    return membership


async def visible_message(conn, message_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Message, Membership]:
    """The message and the caller's membership, if the caller sees it; ``message_not_found`` otherwise
    (no such message, someone else's conversation, before they joined, deleted for them)."""
    message = await message_repository.message_by_id(conn, message_id)
    if message is None or not await message_repository.visible_to(conn, message_id, user_id):
        raise message_not_found()
    return message, await member_of(conn, message.conversation_id, user_id)
