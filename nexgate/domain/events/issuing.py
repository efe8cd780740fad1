"""Issuing tickets (docs/events.md, "The ticket format"): each ticket's payload made and signed
in the process pool first, then written with its short code in the caller's transaction.

``prepare`` runs before any transaction (no lock is held while signing); ``write`` inserts the
prepared tickets in the caller's transaction, each with a short code (Crockford base32,
``XXXX-XXXX``, 40 random bits) drawn again if the event has it already, and emits
``events.ticket.issued`` for each.
"""
from __future__ import annotations

import dataclasses
import datetime
import secrets
import uuid
from collections.abc import Sequence

from ... import bus
from ...platform import Platform
from . import signing, ticket_format
from . import tickets_repository as repository
from .events import TICKET_ISSUED
from .ticket_format import Payload

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VALID_AFTER_END = datetime.timedelta(days=1)  # a ticket verifies until a day after its event ends
CODE_ATTEMPTS = 8


@dataclasses.dataclass(frozen=True)
class Wanted:
    """One ticket to issue: of which type (admitting which day numbers), to whom, at what price."""

    ticket_type_id: uuid.UUID
    days: tuple[int, ...]
    price: int
    holder_id: uuid.UUID
    replaces: uuid.UUID | None = None


@dataclasses.dataclass(frozen=True)
class Prepared:
    id: uuid.UUID
    wanted: Wanted
    key_id: str
    payload: bytes
    signature: bytes
    valid_from: datetime.datetime
    valid_until: datetime.datetime


def short_code() -> str:
    """``XXXX-XXXX`` of Crockford's base32 (no I, L, O, U): 40 random bits."""
    value = secrets.randbits(40)
    chars = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_code(text: str) -> str:
    """A short code as typed (any case, with or without the dash, O for 0, I and L for 1) as stored."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else cleaned


def window(event_ends_at: datetime.datetime | None) -> tuple[datetime.datetime, datetime.datetime]:
    """(valid_from, valid_until) of a ticket issued now: from now, to a day after its event ends."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    until = (event_ends_at or now) + VALID_AFTER_END
    return now, max(until.replace(microsecond=0), now)


async def days_of(conn, event_id: uuid.UUID, type_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, ...]]:
    """The day numbers each type admits (a type with no days of its own admits every day of its event)."""
    own = await repository.type_days(conn, type_ids)
    every = tuple(await repository.event_day_numbers(conn, event_id)) or (1,)
    return {type_id: tuple(own.get(type_id) or every) for type_id in type_ids}


async def prepare(platform: Platform, *, event_id: uuid.UUID, event_ends_at: datetime.datetime | None,
                  wanted: Sequence[Wanted]) -> list[Prepared]:
    """Each wanted ticket's payload, signed (in the process pool) by the active key."""
    if not wanted:
        return []
    key = await signing.active_key(platform)
    valid_from, valid_until = window(event_ends_at)
    made = []
    for one in wanted:
        ticket_id = uuid.uuid4()
        made.append((ticket_id, one, ticket_format.encode(Payload(
            ticket_id=ticket_id, event_id=event_id, ticket_type_id=one.ticket_type_id, days=frozenset(one.days),
            valid_from=valid_from, valid_until=valid_until, key_id=key.id))))
    signatures = await signing.sign(platform, key, [payload for _, _, payload in made])
    return [Prepared(ticket_id, one, key.id, payload, signature, valid_from, valid_until)
            for (ticket_id, one, payload), signature in zip(made, signatures)]


async def write(conn, prepared: Sequence[Prepared], *, event_id: uuid.UUID, organizer_id: uuid.UUID,
                order_id: uuid.UUID) -> list[uuid.UUID]:
    """The prepared tickets inserted, each with a short code unique at its event, and
    ``events.ticket.issued`` for each, in the caller's transaction."""
    for ticket in prepared:
        for _ in range(CODE_ATTEMPTS):
            if await repository.insert_ticket(
                    conn, id=ticket.id, event_id=event_id, ticket_type_id=ticket.wanted.ticket_type_id,
                    order_id=order_id, holder_id=ticket.wanted.holder_id, code=short_code(),
                    price=ticket.wanted.price, key_id=ticket.key_id, payload=ticket.payload,
                    signature=ticket.signature, valid_from=ticket.valid_from, valid_until=ticket.valid_until,
                    replaces=ticket.wanted.replaces):
                break
        else:  # 2^40 codes: eight collisions in a row mean something else is wrong
            raise RuntimeError(f"no free short code at event {event_id} after {CODE_ATTEMPTS} draws")
        await bus.emit(conn, TICKET_ISSUED, about(ticket.id, event_id, organizer_id, ticket.wanted.ticket_type_id,
                                                  order_id, ticket.wanted.holder_id))
    return [ticket.id for ticket in prepared]


def about(ticket_id, event_id, organizer_id, ticket_type_id, order_id, holder_id) -> dict[str, str]:
    """The fields every ticket event carries."""
    return {"ticket_id": str(ticket_id), "event_id": str(event_id), "organizer_id": str(organizer_id),
            "ticket_type_id": str(ticket_type_id), "order_id": str(order_id), "holder_id": str(holder_id)}
