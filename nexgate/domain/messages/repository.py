"""The messages area's SQL for conversations and their members (``sql/messages``); it runs
queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ...sql import all_rows, queries

_sql = queries("messages")


@dataclasses.dataclass(frozen=True)
class Membership:
    """A user's place in a conversation, with the conversation's own columns."""

    conversation_id: uuid.UUID
    kind: str
    name: str | None
    owner_id: uuid.UUID | None
    last_seq: int
    user_id: uuid.UUID
    role: str
    joined_seq: int
    read_seq: int
    delivered_seq: int
    cleared_seq: int
    left_seq: int | None
    muted: bool

    @property
    def active(self) -> bool:
        return self.left_seq is None

    @property
    def low(self) -> int:
        """The member sees messages after this seq..."""
        return max(self.joined_seq, self.cleared_seq)

    @property
    def high(self) -> int:
        """... up to this one."""
        return self.last_seq if self.left_seq is None else self.left_seq


@dataclasses.dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    role: str
    muted: bool
    read_seq: int
    delivered_seq: int
    joined_at: datetime.datetime
    last_sent_seq: int = 0  # 0: has not written in the conversation


async def insert_conversation(conn, *, kind: str, name: str | None, owner_id: uuid.UUID | None,
                              pair: tuple[uuid.UUID, uuid.UUID] | None = None) -> uuid.UUID | None:
    """The new conversation's id; None if the pair already has its direct conversation."""
    low, high = pair or (None, None)
    return await _sql.insert_conversation(conn, kind=kind, name=name, owner_id=owner_id, user_low=low, user_high=high)


async def direct_between(conn, pair: tuple[uuid.UUID, uuid.UUID]) -> uuid.UUID | None:
    return await _sql.direct_between(conn, user_low=pair[0], user_high=pair[1])


async def lock_conversation(conn, conversation_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.lock_conversation(conn, conversation_id=conversation_id)


async def rename_conversation(conn, conversation_id: uuid.UUID, name: str) -> None:
    await _sql.rename_conversation(conn, conversation_id=conversation_id, name=name)


async def set_owner(conn, conversation_id: uuid.UUID, owner_id: uuid.UUID | None) -> None:
    await _sql.set_owner(conn, conversation_id=conversation_id, owner_id=owner_id)


async def membership(conn, conversation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
    row = await _sql.membership(conn, conversation_id=conversation_id, user_id=user_id)
    return None if row is None else Membership(**dict(row))


@dataclasses.dataclass(frozen=True)
class SendState:
    sender: Membership | None  # None: not (and never) a member
    members: list[Member]  # the current ones
    earlier_id: uuid.UUID | None  # the message the sender already sent with this client id
    # One-to-one: the columns of user_relationship(sender, other member); None in a group.
    relationship: dict[str, Any] | None


_MEMBER_FIELDS = [field.name for field in dataclasses.fields(Member)]
_MEMBERSHIP_FIELDS = [field.name for field in dataclasses.fields(Membership)]


async def send_state(conn, conversation_id: uuid.UUID, sender_id: uuid.UUID, client_id: str | None) -> SendState:
    rows = await all_rows(_sql.send_state, conn, conversation_id=conversation_id, user_id=sender_id, client_id=client_id)
    sender = next((Membership(**{name: row[name] for name in _MEMBERSHIP_FIELDS})
                   for row in rows if row["user_id"] == sender_id), None)
    members = [Member(**{name: row[name] for name in _MEMBER_FIELDS}) for row in rows if row["left_seq"] is None]
    relationship = next((row["relationship"] for row in rows if row["relationship"] is not None), None)
    return SendState(sender, members, rows[0]["earlier_id"] if rows else None, relationship)


async def active_members(conn, conversation_id: uuid.UUID) -> list[Member]:
    return [Member(**dict(row)) for row in await all_rows(_sql.active_members, conn, conversation_id=conversation_id)]


async def members_of(conn, conversation_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await all_rows(_sql.members_of, conn, conversation_ids=conversation_ids)


async def add_member(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, *, role: str, joined_seq: int) -> bool:
    """False if the user is already an active member."""
    return bool(await _sql.add_member(conn, conversation_id=conversation_id, user_id=user_id, role=role,
                                      joined_seq=joined_seq))


async def remove_member(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, *, left_seq: int) -> bool:
    return bool(await _sql.remove_member(conn, conversation_id=conversation_id, user_id=user_id, left_seq=left_seq))


async def set_role(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, role: str) -> bool:
    return bool(await _sql.set_role(conn, conversation_id=conversation_id, user_id=user_id, role=role))


async def successor(conn, conversation_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.successor(conn, conversation_id=conversation_id)


async def set_muted(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, muted: bool) -> None:
    await _sql.set_muted(conn, conversation_id=conversation_id, user_id=user_id, muted=muted)


async def clear_history(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, upto: int) -> None:
    await _sql.clear_history(conn, conversation_id=conversation_id, user_id=user_id, upto=upto)


async def advance_read(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, seq: int) -> bool:
    """False if the read position was already there or further."""
    return await _sql.advance_read(conn, conversation_id=conversation_id, user_id=user_id, seq=seq) is not None


async def mark_unread(conn, conversation_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await _sql.mark_unread(conn, conversation_id=conversation_id, user_id=user_id)


async def advance_delivered(conn, conversation_id: uuid.UUID, user_id: uuid.UUID, seq: int) -> bool:
    return await _sql.advance_delivered(conn, conversation_id=conversation_id, user_id=user_id, seq=seq) is not None


async def conversation_page(conn, user_id: uuid.UUID, before: tuple, limit: int,
                            conversation_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
    return await all_rows(_sql.conversation_page, conn, user_id=user_id, conversation_id=conversation_id,
                      before_at=before[0], before_id=before[1], limit=limit)
