"""The SQL of the address book (``sql/commerce/addresses.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg

from ...sql import queries

_sql = queries("commerce")

ADDRESS_FIELDS = ("label", "country", "region", "district", "ward", "street", "landmark", "recipient_name", "phone")


@dataclasses.dataclass(frozen=True)
class Address:
    id: uuid.UUID
    user_id: uuid.UUID
    label: str | None
    country: str
    region: str
    district: str
    ward: str | None
    street: str | None
    landmark: str | None
    recipient_name: str
    phone: str
    is_default: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Address | None:
        return None if row is None else cls(**dict(row))


async def lock_addresses_of_user(conn, user_id: uuid.UUID) -> None:
    await _sql.lock_addresses_of_user(conn, user_id=user_id)


async def count_addresses_of_user(conn, user_id: uuid.UUID) -> int:
    return await _sql.count_addresses_of_user(conn, user_id=user_id)


async def insert_address(conn, *, id: uuid.UUID, user_id: uuid.UUID, is_default: bool, **fields) -> Address:
    return Address.from_row(await _sql.insert_address(conn, id=id, user_id=user_id, is_default=is_default,
                                                      **{name: fields[name] for name in ADDRESS_FIELDS}))


async def live_address(conn, address_id: uuid.UUID, user_id: uuid.UUID) -> Address | None:
    return Address.from_row(await _sql.live_address(conn, id=address_id, user_id=user_id))


async def live_addresses_of_user(conn, user_id: uuid.UUID) -> list[Address]:
    return [Address.from_row(row) async for row in _sql.live_addresses_of_user(conn, user_id=user_id)]


async def update_address(conn, address: Address) -> Address | None:
    return Address.from_row(await _sql.update_address(conn, id=address.id, user_id=address.user_id,
                                                      **{name: getattr(address, name) for name in ADDRESS_FIELDS}))


async def clear_default(conn, user_id: uuid.UUID) -> None:
    await _sql.clear_default(conn, user_id=user_id)


async def make_default(conn, address_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Make the address the user's default, and no other; False if it is no live address of theirs."""
    await _sql.clear_default(conn, user_id=user_id)
    return bool(await _sql.make_default(conn, id=address_id, user_id=user_id))


async def delete_address(conn, address_id: uuid.UUID, user_id: uuid.UUID) -> bool | None:
    """Whether the deleted address was the default; None if it is no live address of the user's."""
    return await _sql.delete_address(conn, id=address_id, user_id=user_id)


async def promote_default(conn, user_id: uuid.UUID) -> uuid.UUID | None:
    return await _sql.promote_default(conn, user_id=user_id)
