"""Reading messages: a conversation's history, newest first, paged backwards by an opaque
cursor, optionally filtered by a full-text query; and search across all the caller's
conversations. Only what the caller can see: not from before they joined or after they left,
not what they deleted for themselves."""
from __future__ import annotations

import base64
import uuid
from typing import Any

from ...errors import Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..users import pages
from ..users.pages import Page
from . import access, message_repository, repository, views

MAX_QUERY = 200
_NEWEST = 1 << 62


async def history(platform: Platform, caller: Caller, conversation_id: uuid.UUID, *, cursor: str | None,
                  limit: int, q: str | None = None) -> Page:
    """One page of the conversation's messages, newest first; with ``q``, those matching it."""
    q = _query(q) if q is not None else None
    before = _decode(cursor)
    async with platform.core.connection() as conn:
        membership = await access.member_of(conn, conversation_id, caller.user_id)
        messages = await message_repository.history_page(
            conn, conversation_id=conversation_id, user_id=caller.user_id, low=membership.low,
            high=membership.high, before_seq=before, q=q, limit=limit + 1)
        members = await repository.active_members(conn, conversation_id)
        items = await views.message_views(conn, messages[:limit], caller.user_id, {conversation_id: members})
    items = await views.with_media(platform, items)
    return Page(items, _encode(messages[limit - 1].seq) if len(messages) > limit else None)


async def search(platform: Platform, caller: Caller, q: str, *, cursor: str | None, limit: int) -> Page:
    """Messages matching ``q`` in every conversation the caller can read, newest first."""
    q = _query(q)
    async with platform.core.connection() as conn:
        messages = await message_repository.search_all(conn, user_id=caller.user_id, q=q,
                                                       before=pages.decode(cursor), limit=limit + 1)
        page = messages[:limit]
        members = {cid: await repository.active_members(conn, cid) for cid in {m.conversation_id for m in page}}
        items = await views.message_views(conn, page, caller.user_id, members)
    items = await views.with_media(platform, items)
    more = len(messages) > limit
    return Page(items, pages.encode(page[-1].created_at, page[-1].id) if more else None)


async def product_context(platform: Platform, caller: Caller, message_id: uuid.UUID) -> dict[str, Any]:
    """The product banner of a product-context message the caller can see."""
    async with platform.core.connection() as conn:
        message, _ = await access.visible_message(conn, message_id, caller.user_id)
    if message.product is None:
        raise NotFound("This message has no product context", code="product_context_not_found")
    return message.product


def _query(q: str) -> str:
    q = " ".join(q.split())
    if not 1 <= len(q) <= MAX_QUERY:
        raise Invalid.fields("query", {"q": f"Give 1 to {MAX_QUERY} characters to search for."})
    return q


def _encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def _decode(cursor: str | None) -> int:
    if cursor is None:
        return _NEWEST
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("s"):
            raise ValueError(raw)
        return int(raw[1:])
    except ValueError:
        raise Invalid.fields("query", {"cursor": "Not a cursor this list returned."}) from None
