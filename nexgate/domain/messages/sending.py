"""Sending and forwarding: the one path every new message takes, over REST or the WebSocket.

A message is stored with the conversation's next sequence number (taking it locks the
conversation's row, so concurrent sends are numbered in commit order), its
``messages.message.created`` event goes into the outbox in the same statement, and once
committed it is pushed to every device of every member. A client id makes sending
idempotent: the same sender and client id give back the stored message, never a second one.
"""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from ... import bus, entities, limits
from ...errors import Conflict, Invalid
from ...platform import Platform
from ..auth.caller import Caller
from ..media import attachments
from ..users import visibility
from . import access, live, message_repository, products, repository, views
from .events import MESSAGE_CREATED
from .message_repository import Draft
from .repository import Member

MAX_TEXT = 4000
PREVIEW_CHARS = 100


@dataclasses.dataclass(frozen=True)
class Sent:
    message: dict[str, Any]
    created: bool  # False: the client id was already used, and this is that message


class _AlreadySent(Exception):
    """The sender's client id was taken while this send waited: roll back, answer with that one."""


async def send(platform: Platform, caller: Caller, conversation_id: uuid.UUID, *, text: str | None = None,
               client_id: str | None = None, reply_to_id: uuid.UUID | None = None,
               product: dict[str, Any] | None = None, media_ids: tuple[uuid.UUID, ...] = ()) -> Sent:
    """Send a message (text, a product banner, media) into a conversation the caller is in."""
    draft = await compose(platform, caller, text=text, product=product, media_ids=media_ids, client_id=client_id,
                          reply_to_id=reply_to_id)
    return await store(platform, caller.user_id, conversation_id, draft)


async def forward(platform: Platform, caller: Caller, message_id: uuid.UUID, conversation_id: uuid.UUID, *,
                  client_id: str | None = None) -> Sent:
    """Send a copy of a message the caller can see into another conversation they are in."""
    async with platform.core.connection() as conn:
        source, _ = await access.visible_message(conn, message_id, caller.user_id)
    if source.deleted_at is not None:
        raise Conflict("A deleted message cannot be forwarded", code="message_deleted")
    draft = Draft(kind=source.kind, body=source.body, entities=source.entities, client_id=client_id,
                  forwarded=True, product=source.product, media_ids=tuple(source.media_ids))
    return await store(platform, caller.user_id, conversation_id, draft)


async def _limit(platform: Platform, sender_id: uuid.UUID) -> None:
    await limits.enforce(platform, limits.MESSAGES, str(sender_id))


async def compose(platform: Platform, sender: Caller, *, text: str | None, product: dict[str, Any] | None,
                  media_ids: tuple[uuid.UUID, ...], client_id: str | None, reply_to_id: uuid.UUID | None) -> Draft:
    """Check what the sender wrote and turn it into a draft: its kind, text and link entities; a
    product named is shown as the sender may see it now (commerce's product, not the client's copy)."""
    text = text or ""
    if len(text) > MAX_TEXT:
        raise Invalid.fields("body", {"text": f"Longer than maximum length {MAX_TEXT}."})
    snapshot = None
    if product is not None:
        snapshot = await products.product_snapshot(platform, sender, product_id=product["product_id"])
        text = text.strip() and text or products.default_text(snapshot)
    if not text.strip() and not media_ids:
        raise Invalid.fields("body", {"text": "Write something, or attach media or a product."})
    kind = "product" if snapshot else "media" if media_ids else "text"
    return Draft(kind=kind, body=text, entities=entities.links(text), client_id=client_id, reply_to_id=reply_to_id,
                 product=snapshot, media_ids=tuple(media_ids))


async def store(platform: Platform, sender_id: uuid.UUID, conversation_id: uuid.UUID, draft: Draft) -> Sent:
    """Store the draft and deliver it. A client id the sender already used answers with that
    message (not counted against the rate limit)."""
    attaching = bool(draft.media_ids) and not draft.forwarded  # a forward carries media the forwarder was shown
    # The message, the sender's positions and its event are written by one statement; only
    # attaching media writes more, so only then do the checks and writes need a transaction.
    message_id = uuid.uuid4()
    try:
        async with (platform.core.transaction("messages.send") if attaching else platform.core.connection()) as conn:
            state = await repository.send_state(conn, conversation_id, sender_id, draft.client_id)
            if state.earlier_id is not None:
                raise _AlreadySent()
            if state.sender is None:
                raise access.conversation_not_found()
            access.require_active(state.sender)
            await _limit(platform, sender_id)
            if state.sender.kind == "direct":
                _check_reach(state)
            if draft.reply_to_id is not None:
                await _check_reply(conn, draft.reply_to_id, conversation_id, sender_id)
            if attaching:
                await attachments.attach(conn, owner_id=sender_id, media_ids=draft.media_ids, purpose="message")
            message = await message_repository.insert_message(
                conn, message_id=message_id, conversation_id=conversation_id, sender_id=sender_id, draft=draft,
                event=_created_event(message_id, conversation_id, sender_id, draft, state.members))
            if message is None:
                raise _AlreadySent()
    except _AlreadySent:
        return await _earlier(platform, sender_id, draft.client_id, conversation_id)
    [view] = await views.with_media(platform, [views.message_view(message, status="sent")])
    await live.message_created(platform, state.members, view)
    return Sent(view, True)


def _check_reach(state: repository.SendState) -> None:
    """In a one-to-one conversation: a block either way stops it; the other's "only people I
    follow" setting applies until they have written in it themselves."""
    other = next((m for m in state.members if m.user_id != state.sender.user_id), None)
    if other is None:
        return
    rel = visibility.relationship_of(state.relationship)
    if other.last_sent_seq:
        visibility.require_profile(rel)
    else:
        visibility.require_reach(rel, state.sender.user_id, other.user_id, "message")


async def _check_reply(conn, reply_to_id: uuid.UUID, conversation_id: uuid.UUID, sender_id: uuid.UUID) -> None:
    quoted = await message_repository.message_by_id(conn, reply_to_id)
    if (quoted is None or quoted.conversation_id != conversation_id
            or not await message_repository.visible_to(conn, reply_to_id, sender_id)):
        raise Invalid.fields("body", {"reply_to_id": "Not a message of this conversation that you can see."})


_SEQ_ADDED = frozenset({"seq"})  # the statement that stores the message adds its seq


def _created_event(message_id: uuid.UUID, conversation_id: uuid.UUID, sender_id: uuid.UUID, draft: Draft,
                   members: list[Member]) -> bus.PendingEvent | None:
    """For the notification service, without the seq the store adds: recipients who did not
    mute the conversation. It pushes to those of them with no device online when it handles
    the event (docs/bus.md). None when there is no one to tell."""
    recipients = [str(m.user_id) for m in members if m.user_id != sender_id and not m.muted]
    if not recipients:
        return None
    return bus.pending(MESSAGE_CREATED, {
        "message_id": str(message_id), "conversation_id": str(conversation_id), "sender_id": str(sender_id),
        "type": draft.kind, "preview": draft.body[:PREVIEW_CHARS], "recipient_ids": recipients,
        "product_id": (draft.product or {}).get("product_id"), "product_name": (draft.product or {}).get("name"),
    }, added_later=_SEQ_ADDED)


async def _earlier(platform: Platform, sender_id: uuid.UUID, client_id: str, conversation_id: uuid.UUID) -> Sent:
    """The message the sender already sent with this client id, published again (each device
    still gets it once)."""
    async with platform.core.connection() as conn:
        message_id = await message_repository.message_id_by_client_id(conn, sender_id, client_id)
        message = await message_repository.message_by_id(conn, message_id)
        if message.conversation_id != conversation_id:
            raise Conflict("This client_id was used for a message in another conversation",
                           code="client_id_reused", details={"message_id": str(message.id)})
        members = await repository.active_members(conn, conversation_id)
    [view] = await views.with_media(platform, [
        views.message_view(message, status=views.status_of(message.seq, sender_id, sender_id, members))])
    await live.message_created(platform, members, view)
    return Sent(view, False)
