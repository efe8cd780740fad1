"""The SQL of ticket orders and tickets (``sql/events/tickets.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import all_rows, queries

_sql = queries("events")


def _from(cls, row):
    return None if row is None else cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class SaleEvent:
    id: uuid.UUID
    organizer_id: uuid.UUID
    state: str
    title: str | None
    format: str | None
    currency: str
    time_zone: str
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    streaming_url: str | None
    venue_name: str | None


@dataclasses.dataclass(frozen=True)
class SaleType:
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    kind: str
    price: int
    quantity: int
    committed: int
    per_order_limit: int
    sales_start_at: datetime.datetime | None
    sales_end_at: datetime.datetime | None
    visibility: str
    archived_at: datetime.datetime | None

    @property
    def available(self) -> int:
        return max(self.quantity - self.committed, 0)


@dataclasses.dataclass(frozen=True)
class TicketOrder:
    id: uuid.UUID
    event_id: uuid.UUID
    buyer_id: uuid.UUID
    organizer_id: uuid.UUID
    state: str
    currency: str
    total: int
    hold_id: uuid.UUID | None
    idempotency_key: str
    request_hash: bytes
    reserved_until: datetime.datetime | None
    created_at: datetime.datetime
    paid_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    cancel_reason: str | None
    event_title: str | None

    def position(self) -> tuple:
        return (self.created_at, self.id)


@dataclasses.dataclass(frozen=True)
class OrderLine:
    order_id: uuid.UUID
    ticket_type_id: uuid.UUID
    quantity: int
    unit_price: int
    line_total: int
    type_name: str


@dataclasses.dataclass(frozen=True)
class TicketRow:
    id: uuid.UUID
    event_id: uuid.UUID
    ticket_type_id: uuid.UUID
    order_id: uuid.UUID
    holder_id: uuid.UUID
    state: str
    code: str
    price: int
    key_id: str
    payload: bytes
    signature: bytes
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    replaces: uuid.UUID | None
    replaced_by: uuid.UUID | None
    issued_at: datetime.datetime
    revoked_at: datetime.datetime | None
    revoke_reason: str | None
    event_title: str | None
    event_format: str | None
    event_state: str
    event_starts_at: datetime.datetime | None
    event_ends_at: datetime.datetime | None
    event_time_zone: str
    event_venue_name: str | None
    event_streaming_url: str | None
    currency: str
    organizer_id: uuid.UUID
    type_name: str
    type_kind: str

    def position(self) -> tuple:
        return (self.issued_at, self.id)


# events and types

async def event(conn, event_id: uuid.UUID, *, share: bool = False) -> SaleEvent | None:
    query = _sql.ticketing_event_share if share else _sql.ticketing_event
    return _from(SaleEvent, await query(conn, id=event_id))


async def types(conn, event_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SaleType]:
    rows = await all_rows(_sql.ticketing_types, conn, event_id=event_id, ids=list(ids))
    return {row["id"]: _from(SaleType, row) for row in rows}


async def type_days(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[int]]:
    found: dict[uuid.UUID, list[int]] = {}
    for row in await all_rows(_sql.ticketing_type_days, conn, ids=list(ids)):
        found.setdefault(row["ticket_type_id"], []).append(row["number"])
    return found


async def event_day_numbers(conn, event_id: uuid.UUID) -> list[int]:
    return [row["number"] for row in await all_rows(_sql.ticketing_event_day_numbers, conn, event_id=event_id)]


async def reserve(conn, type_id: uuid.UUID, n: int) -> asyncpg.Record | None:
    return await _sql.ticket_type_reserve(conn, id=type_id, n=n)


async def release(conn, type_id: uuid.UUID, n: int) -> asyncpg.Record | None:
    return await _sql.ticket_type_release(conn, id=type_id, n=n)


async def left(conn, type_id: uuid.UUID) -> int:
    return (await _sql.ticket_type_left(conn, id=type_id))["available"]


# orders

async def insert_order(conn, **columns) -> uuid.UUID | None:
    row = await _sql.ticket_order_insert(conn, **columns)
    return None if row is None else row["id"]


async def insert_line(conn, **columns) -> None:
    await _sql.ticket_order_line_insert(conn, **columns)


async def order_by_key(conn, buyer_id: uuid.UUID, key: str) -> TicketOrder | None:
    return _from(TicketOrder, await _sql.ticket_order_by_key(conn, buyer_id=buyer_id, idempotency_key=key))


async def order_by_id(conn, order_id: uuid.UUID) -> TicketOrder | None:
    return _from(TicketOrder, await _sql.ticket_order_by_id(conn, id=order_id))


async def lock_order(conn, order_id: uuid.UUID) -> TicketOrder | None:
    return _from(TicketOrder, await _sql.ticket_order_lock(conn, id=order_id))


async def pay_order(conn, order_id: uuid.UUID) -> bool:
    return await _sql.ticket_order_pay(conn, id=order_id) is not None


async def close_order(conn, order_id: uuid.UUID, *, from_state: str, state: str, reason: str | None) -> bool:
    return await _sql.ticket_order_close(conn, id=order_id, from_state=from_state, state=state,
                                         reason=reason) is not None


async def lines(conn, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[OrderLine]]:
    found: dict[uuid.UUID, list[OrderLine]] = {order_id: [] for order_id in order_ids}
    for row in await all_rows(_sql.ticket_order_lines, conn, order_ids=list(order_ids)):
        found[row["order_id"]].append(_from(OrderLine, row))
    return found


async def orders_of_buyer_page(conn, buyer_id: uuid.UUID, before, limit: int) -> list[TicketOrder]:
    return [_from(TicketOrder, row) for row in await all_rows(
        _sql.ticket_orders_of_buyer_page, conn, buyer_id=buyer_id, before_at=before[0], before_id=before[1],
        limit=limit)]


# tickets

async def insert_ticket(conn, **columns) -> bool:
    """False (nothing written) when the code is taken at the event."""
    return await _sql.ticket_insert(conn, **columns) is not None


async def ticket(conn, ticket_id: uuid.UUID) -> TicketRow | None:
    return _from(TicketRow, await _sql.ticket_row(conn, id=ticket_id))


async def lock_ticket(conn, ticket_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.ticket_lock(conn, id=ticket_id)


async def tickets_of_orders(conn, order_ids: Sequence[uuid.UUID]) -> list[TicketRow]:
    return [_from(TicketRow, row) for row in await all_rows(_sql.ticket_rows_of_order, conn,
                                                            order_ids=list(order_ids))]


async def tickets_of_holder_page(conn, holder_id: uuid.UUID, before, limit: int) -> list[TicketRow]:
    return [_from(TicketRow, row) for row in await all_rows(
        _sql.ticket_rows_of_holder_page, conn, holder_id=holder_id, before_at=before[0], before_id=before[1],
        limit=limit)]


async def revoke(conn, ticket_id: uuid.UUID, *, state: str, reason: str,
                 replaced_by: uuid.UUID | None = None) -> asyncpg.Record | None:
    return await _sql.ticket_revoke(conn, id=ticket_id, state=state, reason=reason, replaced_by=replaced_by)


async def revocations(conn, event_id: uuid.UUID, since: datetime.datetime | None) -> list[asyncpg.Record]:
    return await all_rows(_sql.ticket_revocations, conn, event_id=event_id, since=since)


async def valid_count_of_order(conn, order_id: uuid.UUID) -> int:
    return await _sql.ticket_valid_count_of_order(conn, order_id=order_id)


async def tickets_to_renew(conn, event_id: uuid.UUID, after: tuple[datetime.datetime, uuid.UUID],
                           limit: int) -> list[asyncpg.Record]:
    return await all_rows(_sql.tickets_to_renew, conn, event_id=event_id, after_at=after[0], after_id=after[1],
                          limit=limit)


async def renew_ticket(conn, ticket_id: uuid.UUID, *, old_payload: bytes, key_id: str, payload: bytes,
                       signature: bytes, valid_until: datetime.datetime) -> bool:
    """False when the ticket changed since ``old_payload`` was read (nothing written)."""
    return await _sql.ticket_renew(conn, id=ticket_id, old_payload=old_payload, key_id=key_id, payload=payload,
                                   signature=signature, valid_until=valid_until) is not None
