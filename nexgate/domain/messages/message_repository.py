"""The messages area's SQL for messages, hides, reactions and search (``sql/messages``)."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ... import bus
from ...sql import all_rows, queries

_sql = queries("messages")


@dataclasses.dataclass(frozen=True)
class Message:
    id: uuid.UUID
    conversation_id: uuid.UUID
    seq: int
    sender_id: uuid.UUID | None
    client_id: str | None
    kind: str
    body: str
    entities: list[dict[str, Any]]
    reply_to_id: uuid.UUID | None
    reply_sender_id: uuid.UUID | None
    reply_body: str | None
    reply_deleted: bool
    forwarded: bool
    product: dict[str, Any] | None
    media_ids: list[uuid.UUID]
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    deleted_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Message | None:
        return None if row is None else cls(**dict(row))


@dataclasses.dataclass(frozen=True)
class Draft:
    """A message about to be stored: what the sender said, checked."""

    kind: str
    body: str
    entities: list[dict[str, Any]]
    client_id: str | None = None
    reply_to_id: uuid.UUID | None = None
    forwarded: bool = False
    product: dict[str, Any] | None = None
    media_ids: tuple[uuid.UUID, ...] = ()


async def insert_message(conn, *, message_id: uuid.UUID, conversation_id: uuid.UUID, sender_id: uuid.UUID,
                         draft: Draft, event: bus.PendingEvent | None) -> Message | None:
    """Store the message with the conversation's next seq (locking the conversation until
    commit) and ``event`` (its type and payload, to which the seq is added) in the outbox, in
    one statement; None, with nothing written, if the sender already used ``draft.client_id``."""
    event_type, payload = event or (None, None)
    try:
        row = await _sql.insert_message(
            conn, id=message_id, conversation_id=conversation_id, sender_id=sender_id,
            client_id=draft.client_id, kind=draft.kind, body=draft.body, entities=draft.entities,
            reply_to_id=draft.reply_to_id, forwarded=draft.forwarded, product=draft.product,
            media_ids=list(draft.media_ids), event_type=event_type, event=payload,
        )
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name != "messages_client_id":
            raise
        return None
    return Message.from_row(row)


async def message_by_id(conn, message_id: uuid.UUID) -> Message | None:
    return Message.from_row(await _sql.message_by_id(conn, id=message_id))


async def message_id_by_client_id(conn, sender_id: uuid.UUID, client_id: str) -> uuid.UUID | None:
    return await _sql.message_id_by_client_id(conn, sender_id=sender_id, client_id=client_id)


async def visible_to(conn, message_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await _sql.visible_to(conn, message_id=message_id, user_id=user_id)


async def history_page(conn, *, conversation_id: uuid.UUID, user_id: uuid.UUID, low: int, high: int,
                       before_seq: int, q: str | None, limit: int) -> list[Message]:
    rows = await all_rows(_sql.history_page, conn, conversation_id=conversation_id, user_id=user_id, low=low, high=high,
                      before_seq=before_seq, q=q, limit=limit)
    return [Message(**dict(row)) for row in rows]


async def search_all(conn, *, user_id: uuid.UUID, q: str, before: tuple, limit: int) -> list[Message]:
    rows = await all_rows(_sql.search_all, conn, user_id=user_id, q=q, before_at=before[0], before_id=before[1],
                      limit=limit)
    return [Message(**dict(row)) for row in rows]


async def edit_message(conn, message_id: uuid.UUID, body: str, entities: list[dict[str, Any]]) -> None:
    await _sql.edit_message(conn, id=message_id, body=body, entities=entities)


async def delete_for_everyone(conn, message_id: uuid.UUID) -> bool:
    """False if it was already deleted."""
    return bool(await _sql.delete_for_everyone(conn, id=message_id))


async def hide_message(conn, message_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await _sql.hide_message(conn, message_id=message_id, user_id=user_id)


async def insert_reaction(conn, message_id: uuid.UUID, user_id: uuid.UUID, emoji: str) -> bool:
    return bool(await _sql.insert_reaction(conn, message_id=message_id, user_id=user_id, emoji=emoji))


async def delete_reaction(conn, message_id: uuid.UUID, user_id: uuid.UUID, emoji: str) -> bool:
    return bool(await _sql.delete_reaction(conn, message_id=message_id, user_id=user_id, emoji=emoji))


async def reactions_of(conn, message_ids: list[uuid.UUID], user_id: uuid.UUID) -> list[asyncpg.Record]:
    return await all_rows(_sql.reactions_of, conn, message_ids=message_ids, user_id=user_id)
