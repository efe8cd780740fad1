"""Changing a sent message: edit (its sender, within the edit window), delete for oneself or
for everyone (its sender), and emoji reactions (any member who sees it)."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import emoji as emoji_data

from ... import bus, entities
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from . import access, live, message_repository, repository, views
from .events import REACTION_ADDED
from .message_repository import Message
from .sending import MAX_TEXT

SCOPES = ("me", "everyone")


def _require_sender(message: Message, caller: Caller, what: str) -> None:
    if message.sender_id != caller.user_id:
        raise Forbidden(f"Only the sender may {what} a message", code="not_message_sender")


def _require_live(message: Message) -> None:
    if message.deleted_at is not None:
        raise Conflict("The message was deleted", code="message_deleted")


async def edit(platform: Platform, caller: Caller, message_id: uuid.UUID, text: str) -> dict[str, Any]:
    """Replace the text of the caller's message, within ``message_edit_window_s`` of sending it;
    the message is marked edited. The members' devices get the new text."""
    if not text.strip() or len(text) > MAX_TEXT:
        raise Invalid.fields("body", {"text": f"Give 1 to {MAX_TEXT} characters."})
    async with platform.core.transaction("messages.edit") as conn:
        message, membership = await access.visible_message(conn, message_id, caller.user_id)
        _require_sender(message, caller, "edit")
        access.require_active(membership)
        _require_live(message)
        window = datetime.timedelta(seconds=platform.config.message_edit_window_s)
        if datetime.datetime.now(datetime.timezone.utc) - message.created_at > window:
            raise Forbidden(f"Messages can be edited for {window.total_seconds() / 60:g} minutes after sending",
                            code="edit_window_passed")
        await message_repository.edit_message(conn, message_id, text, entities.links(text))
        message = await message_repository.message_by_id(conn, message_id)
        members = await repository.active_members(conn, message.conversation_id)
        view = (await views.message_views(conn, [message], caller.user_id, {message.conversation_id: members}))[0]
    [view] = await views.with_media(platform, [view])
    await live.message_updated(platform, members, view)
    return view


async def delete(platform: Platform, caller: Caller, message_id: uuid.UUID, scope: str) -> None:
    """``me``: the message disappears for the caller only. ``everyone``: the sender withdraws it;
    every member then sees a "deleted" marker in its place."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    async with platform.core.transaction("messages.delete") as conn:
        message, membership = await access.visible_message(conn, message_id, caller.user_id)
        if scope == "me":
            await message_repository.hide_message(conn, message_id, caller.user_id)
            recipients = [caller.user_id]
        else:
            _require_sender(message, caller, "delete for everyone")
            access.require_active(membership)
            if not await message_repository.delete_for_everyone(conn, message_id):
                return
            recipients = [m.user_id for m in await repository.active_members(conn, message.conversation_id)]
    await live.to_members(platform, recipients, live.MESSAGE_DELETED, {
        "message_id": str(message.id), "conversation_id": str(message.conversation_id), "seq": message.seq,
        "scope": scope})


def check_emoji(value: str) -> str:
    """One emoji (flags, skin tones and joined sequences included), or ``Invalid`` naming ``emoji``."""
    if not emoji_data.is_emoji(value):
        raise Invalid.fields("body", {"emoji": "Not a single emoji."})
    return value


async def react(platform: Platform, caller: Caller, message_id: uuid.UUID, emoji: str) -> tuple[list[dict], bool]:
    """Add the caller's reaction; the message's reactions, and whether this one is new."""
    check_emoji(emoji)
    return await _change_reaction(platform, caller, message_id, emoji, add=True)


async def unreact(platform: Platform, caller: Caller, message_id: uuid.UUID, emoji: str) -> list[dict]:
    reactions, removed = await _change_reaction(platform, caller, message_id, emoji, add=False)
    if not removed:
        raise _no_reaction()
    return reactions


def _no_reaction() -> NotFound:
    return NotFound("You have not reacted with this emoji", code="reaction_not_found")


async def _change_reaction(platform, caller, message_id, emoji, *, add: bool) -> tuple[list[dict], bool]:
    async with platform.core.transaction("messages.reaction") as conn:
        message, membership = await access.visible_message(conn, message_id, caller.user_id)
        access.require_active(membership)
        _require_live(message)
        change = message_repository.insert_reaction if add else message_repository.delete_reaction
        changed = await change(conn, message_id, caller.user_id, emoji)
        if changed and add and message.sender_id not in (None, caller.user_id):
            await bus.emit(conn, REACTION_ADDED, {
                "message_id": str(message.id), "conversation_id": str(message.conversation_id),
                "user_id": str(caller.user_id), "emoji": emoji, "sender_id": str(message.sender_id)})
        reactions = (await views.reactions_by_message(conn, [message_id], caller.user_id)).get(message_id, [])
        members = await repository.active_members(conn, message.conversation_id) if changed else []
    if changed:
        await live.to_members(platform, members, REACTION_ADDED if add else live.REACTION_REMOVED, {
            "message_id": str(message.id), "conversation_id": str(message.conversation_id),
            "user_id": str(caller.user_id), "emoji": emoji})
    return reactions, changed
