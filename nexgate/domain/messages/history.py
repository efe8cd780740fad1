"""Reading messages: a conversation's history, newest first, paged backwards by an opaque
cursor, optionally filtered by a full-text query; and search across all the caller's
conversations. Only what the caller can see: not from before they joined or after they left,
not what they deleted for themselves."""
from __future__ import annotations

import uuid
from typing import Any

from ...errors import NotFound
from ...pagination import NEWEST_FIRST, Keyset, Page, fetch
from ...platform import Platform
from ...validation import search_terms
from ..auth.caller import Caller
from . import access, message_repository, repository, views

MAX_QUERY = 200
# A conversation's messages by their sequence number, the latest first.
NEWEST_SEQ = Keyset("seq", (int,), (1 << 62,))


async def history(platform: Platform, caller: Caller, conversation_id: uuid.UUID, *, cursor: str | None,
                  limit: int, q: str | None = None) -> Page:
    """One page of the conversation's messages, newest first; with ``q``, those matching it."""
    q = search_terms(q, MAX_QUERY) if q is not None else None
    async with platform.core.connection() as conn:
        membership = await access.member_of(conn, conversation_id, caller.user_id)
        page = await fetch(NEWEST_SEQ, cursor, limit, lambda before, n: message_repository.history_page(
            conn, conversation_id=conversation_id, user_id=caller.user_id, low=membership.low,
            high=membership.high, before_seq=before[0], q=q, limit=n), lambda message: (message.seq,))
        members = await repository.active_members(conn, conversation_id)
        items = await views.message_views(conn, page.items, caller.user_id, {conversation_id: members})
    return Page(await views.with_media(platform, items), page.next_cursor)


async def search(platform: Platform, caller: Caller, q: str, *, cursor: str | None, limit: int) -> Page:
    """Messages matching ``q`` in every conversation the caller can read, newest first."""
    q = search_terms(q, MAX_QUERY)
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit, lambda before, n: message_repository.search_all(
            conn, user_id=caller.user_id, q=q, before=before, limit=n), lambda message: (message.created_at, message.id))
        members = {cid: await repository.active_members(conn, cid) for cid in {m.conversation_id for m in page.items}}
        items = await views.message_views(conn, page.items, caller.user_id, members)
    return Page(await views.with_media(platform, items), page.next_cursor)


async def product_context(platform: Platform, caller: Caller, message_id: uuid.UUID) -> dict[str, Any]:
    """The product banner of a product-context message the caller can see."""
    async with platform.core.connection() as conn:
        message, _ = await access.visible_message(conn, message_id, caller.user_id)
    if message.product is None:
        raise NotFound("This message has no product context", code="product_context_not_found")
    return message.product
