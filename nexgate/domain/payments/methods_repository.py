"""The SQL of payment methods (``sql/payments/methods.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("payments")


@dataclasses.dataclass(frozen=True)
class Method:
    """A live payment method (the provider's card token is never read back out of the table
    here: only the checkout flow that charges the card needs it)."""

    id: uuid.UUID
    user_id: uuid.UUID
    kind: str  # mobile_money or card
    country: str
    currency: str
    phone: str | None
    operator: str | None
    card_brand: str | None
    card_last4: str | None
    label: str | None
    is_default: bool
    verified_at: datetime.datetime | None
    verified_by: str | None
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Method | None:
        return None if row is None else cls(**dict(row))


async def lock_methods_of_user(conn, user_id: uuid.UUID) -> None:
    await _sql.lock_methods_of_user(conn, user_id=user_id)


async def count_methods_of_user(conn, user_id: uuid.UUID) -> int:
    return await _sql.count_methods_of_user(conn, user_id=user_id)


async def live_method_with_number(conn, user_id: uuid.UUID, phone: str) -> Method | None:
    return Method.from_row(await _sql.live_method_with_number(conn, user_id=user_id, phone=phone))


async def insert_mobile_money(conn, *, id: uuid.UUID, user_id: uuid.UUID, country: str, currency: str, phone: str,
                              operator: str, label: str | None, is_default: bool) -> Method:
    return Method.from_row(await _sql.insert_mobile_money(
        conn, id=id, user_id=user_id, country=country, currency=currency, phone=phone, operator=operator,
        label=label, is_default=is_default))


async def live_method(conn, method_id: uuid.UUID, user_id: uuid.UUID) -> Method | None:
    return Method.from_row(await _sql.live_method(conn, id=method_id, user_id=user_id))


async def live_methods_of_user(conn, user_id: uuid.UUID) -> list[Method]:
    return [Method.from_row(row) async for row in _sql.live_methods_of_user(conn, user_id=user_id)]


async def make_default(conn, method_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Make the method the user's default, and no other; False if it is no live method of theirs."""
    await _sql.clear_default(conn, user_id=user_id)
    return bool(await _sql.make_default(conn, id=method_id, user_id=user_id))


async def set_label(conn, method_id: uuid.UUID, user_id: uuid.UUID, label: str | None) -> bool:
    return bool(await _sql.set_label(conn, id=method_id, user_id=user_id, label=label))


async def remove_method(conn, method_id: uuid.UUID, user_id: uuid.UUID) -> bool | None:
    """Whether the removed method was the default; None if it is no live method of the user's."""
    return await _sql.remove_method(conn, id=method_id, user_id=user_id)


async def promote_default(conn, user_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.promote_default(conn, user_id=user_id)


async def mark_verified(conn, method_id: uuid.UUID, verified_by: str) -> Method | None:
    """None if the method is verified already, removed or unknown."""
    return Method.from_row(await _sql.mark_verified(conn, id=method_id, verified_by=verified_by))
