"""The SQL of checkouts and reservations (``sql/commerce/checkout.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class Checkout:
    id: uuid.UUID
    buyer_id: uuid.UUID
    idempotency_key: str
    request_hash: bytes
    source: str
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Checkout | None:
        return None if row is None else cls(**dict(row))


async def insert_checkout(conn, *, id: uuid.UUID, buyer_id: uuid.UUID, idempotency_key: str, request_hash: bytes,
                          source: str) -> Checkout | None:
    return Checkout.from_row(await _sql.insert_checkout(conn, id=id, buyer_id=buyer_id,
                                                        idempotency_key=idempotency_key, request_hash=request_hash,
                                                        source=source))


async def checkout_by_key(conn, buyer_id: uuid.UUID, idempotency_key: str) -> Checkout | None:
    return Checkout.from_row(await _sql.checkout_by_key(conn, buyer_id=buyer_id, idempotency_key=idempotency_key))


async def checkout_order_ids(conn, checkout_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["id"] async for row in _sql.checkout_order_ids(conn, checkout_id=checkout_id)]

