"""Conversations and messages as clients see them: one view function per object, and its dict
is what every client gets. The REST routes answer it (their response schemas in
handlers/messages/schemas.py document it for OpenAPI, and dump it unchanged: tests/test_views.py
compares a REST answer with the same object's ``ack`` and live event), the ``message.send``
ack carries it, and the live events that carry the object (``messages.message.created``,
``messages.message.updated``) carry it. The views live here, not beside the schemas, because
the domain publishes the events and must not import the aiohttp handlers."""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import asyncpg

from ...platform import Platform
from ..media import attachments
from . import message_repository
from .message_repository import Message
from .repository import Member


def message_view(message: Message, *, reactions: list[dict] | None = None, status: str | None = None) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    reply = None
    if message.reply_to_id is not None:
        reply = {"id": message.reply_to_id, "sender_id": message.reply_sender_id,
                 "text": None if message.reply_deleted else message.reply_body, "deleted": message.reply_deleted}
    return {
        "id": message.id, "conversation_id": message.conversation_id, "seq": message.seq,
        "sender_id": message.sender_id, "client_id": message.client_id, "type": message.kind,
        "text": None if deleted else message.body, "entities": message.entities, "reply_to": reply,
        "forwarded": message.forwarded, "product": message.product,
        "media": [{"id": media_id} for media_id in message.media_ids],
        "reactions": reactions or [], "status": status, "created_at": message.created_at,
        "edited_at": message.edited_at, "deleted": deleted,
    }


async def with_media(platform: Platform, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The views with each attached media's own view (state, dimensions, BlurHash, short-lived
    signed URLs) in place of its id; media deleted since is left out. Only for viewers already
    known to see the messages (members)."""
    ids = [media["id"] for view in views for media in view["media"]]
    if not ids:
        return views
    found = await attachments.attachment_views(platform, ids)
    for view in views:
        view["media"] = [found[media["id"]] for media in view["media"] if media["id"] in found]
    return views


def status_of(seq: int, sender_id: uuid.UUID | None, viewer_id: uuid.UUID, members: Iterable[Member]) -> str | None:
    """For the viewer's own messages: read once every other member's read position passed it,
    delivered once every other member's devices received it, sent before that."""
    if sender_id != viewer_id:
        return None
    others = [m for m in members if m.user_id != viewer_id]
    if not others:
        return "sent"
    if min(m.read_seq for m in others) >= seq:
        return "read"
    if min(m.delivered_seq for m in others) >= seq:
        return "delivered"
    return "sent"


async def message_views(conn, messages: list[Message], viewer_id: uuid.UUID,
                        members_by_conversation: dict[uuid.UUID, list[Member]]) -> list[dict[str, Any]]:
    """Views of ``messages`` for the viewer, with their reactions and, on the viewer's own, their status."""
    reactions = await reactions_by_message(conn, [m.id for m in messages], viewer_id)
    return [message_view(m, reactions=reactions.get(m.id, []),
                         status=status_of(m.seq, m.sender_id, viewer_id, members_by_conversation.get(m.conversation_id, ())))
            for m in messages]


async def reactions_by_message(conn, message_ids: list[uuid.UUID], viewer_id: uuid.UUID) -> dict[uuid.UUID, list[dict]]:
    grouped: dict[uuid.UUID, list[dict]] = defaultdict(list)
    if message_ids:
        for row in await message_repository.reactions_of(conn, message_ids, viewer_id):
            grouped[row["message_id"]].append({"emoji": row["emoji"], "count": row["count"], "mine": row["mine"]})
    return grouped


def conversation_view(row: asyncpg.Record, members: list[asyncpg.Record]) -> dict[str, Any]:
    """A row of ``conversation_page`` with the conversation's current members."""
    last = None
    if row["last_id"] is not None:
        last = {"id": row["last_id"], "seq": row["last_seq_seen"], "sender_id": row["last_sender_id"],
                "type": row["last_kind"], "text": None if row["last_deleted"] else row["last_body"],
                "deleted": row["last_deleted"], "created_at": row["last_created_at"]}
    return {
        "id": row["id"], "type": row["kind"], "name": row["name"], "owner_id": row["owner_id"],
        "role": row["role"], "muted": row["muted"], "marked_unread": row["marked_unread"],
        "left": row["left_seq"] is not None,
        "last_seq": row["visible_to"], "read_seq": row["read_seq"], "unread_count": row["unread_count"],
        "last_message": last, "last_activity_at": row["since"], "created_at": row["created_at"],
        "members": [member_view(m) for m in members],
    }


def member_view(row: asyncpg.Record) -> dict[str, Any]:
    return {"user_id": row["user_id"], "username": row["username"], "display_name": row["display_name"],
            "avatar_media_id": row["avatar_media_id"], "role": row["role"], "read_seq": row["read_seq"],
            "delivered_seq": row["delivered_seq"], "joined_at": row["joined_at"]}
