"""The SQL of shops, their delivery fees and their staff (``sql/commerce/shops.sql``); it runs
queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence

import asyncpg

from ...sql import queries

_sql = queries("commerce")


@dataclasses.dataclass(frozen=True)
class Shop:
    id: uuid.UUID
    owner_id: uuid.UUID
    handle: str
    name: str
    description: str | None
    logo_media_id: uuid.UUID | None
    cover_media_id: uuid.UUID | None
    region: str | None
    city: str | None
    phone: str | None
    email: str | None
    currency: str
    pickup: bool
    pickup_note: str | None
    delivery: bool
    delivery_default_fee: int | None
    return_policy: str | None
    state: str  # open, closed or suspended
    suspended_reason: str | None
    state_changed_at: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Shop | None:
        return None if row is None else cls(**{field.name: row[field.name] for field in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class DeliveryFee:
    region: str
    fee: int


@dataclasses.dataclass(frozen=True)
class StaffShop:
    """One row of the shops a user acts for: the shop, their role, and since when."""

    shop: Shop
    role: str
    joined_at: datetime.datetime

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.joined_at, self.shop.id


@dataclasses.dataclass(frozen=True)
class StaffMember:
    shop_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    added_by: uuid.UUID | None
    created_at: datetime.datetime
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> StaffMember | None:
        return None if row is None else cls(**dict(row))


SHOP_FIELDS = ("handle", "name", "description", "logo_media_id", "cover_media_id", "region", "city", "phone",
               "email", "currency", "pickup", "pickup_note", "delivery", "delivery_default_fee", "return_policy")


async def lock_shops_of_owner(conn, owner_id: uuid.UUID) -> None:
    await _sql.lock_shops_of_owner(conn, owner_id=owner_id)


async def count_shops_of_owner(conn, owner_id: uuid.UUID) -> int:
    return await _sql.count_shops_of_owner(conn, owner_id=owner_id)


async def insert_shop(conn, *, id: uuid.UUID, owner_id: uuid.UUID, **fields) -> Shop:
    return Shop.from_row(await _sql.insert_shop(conn, id=id, owner_id=owner_id,
                                                **{name: fields[name] for name in SHOP_FIELDS}))


async def shop_by_id(conn, shop_id: uuid.UUID) -> Shop | None:
    return Shop.from_row(await _sql.shop_by_id(conn, id=shop_id))


async def shop_by_handle(conn, handle: str) -> Shop | None:
    return Shop.from_row(await _sql.shop_by_handle(conn, handle=handle))


async def shops_by_handles(conn, handles: Sequence[str]) -> list[Shop]:
    return [Shop.from_row(row) async for row in _sql.shops_by_handles(conn, handles=[h.lower() for h in handles])]


async def lock_shop(conn, shop_id: uuid.UUID) -> Shop | None:
    return Shop.from_row(await _sql.lock_shop(conn, id=shop_id))


async def has_products(conn, shop_id: uuid.UUID) -> bool:
    return await _sql.shop_has_products(conn, shop_id=shop_id)


async def update_shop(conn, shop: Shop) -> Shop:
    values = {name: getattr(shop, name) for name in SHOP_FIELDS}
    return Shop.from_row(await _sql.update_shop(conn, id=shop.id, **values))


async def set_state(conn, shop_id: uuid.UUID, state: str, suspended_reason: str | None) -> Shop:
    return Shop.from_row(await _sql.set_state(conn, id=shop_id, state=state, suspended_reason=suspended_reason))


async def delivery_fees(conn, shop_id: uuid.UUID) -> list[DeliveryFee]:
    return [DeliveryFee(row["region"], row["fee"]) async for row in _sql.delivery_fees(conn, shop_id=shop_id)]


async def delivery_fees_of_shops(conn, shop_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[DeliveryFee]]:
    found: dict[uuid.UUID, list[DeliveryFee]] = {shop_id: [] for shop_id in shop_ids}
    async for row in _sql.delivery_fees_of_shops(conn, shop_ids=list(shop_ids)):
        found[row["shop_id"]].append(DeliveryFee(row["region"], row["fee"]))
    return found


async def replace_delivery_fees(conn, shop_id: uuid.UUID, fees: Sequence[DeliveryFee]) -> None:
    await _sql.delete_delivery_fees(conn, shop_id=shop_id)
    if fees:
        await _sql.insert_delivery_fees(conn, shop_id=shop_id, regions=[f.region for f in fees],
                                        fees=[f.fee for f in fees])


async def shops_of_owner_page(conn, owner_id: uuid.UUID, before: tuple, limit: int) -> list[Shop]:
    return [Shop.from_row(row) async for row in _sql.shops_of_owner_page(
        conn, owner_id=owner_id, before_at=before[0], before_id=before[1], limit=limit)]


# staff

async def insert_staff(conn, *, shop_id: uuid.UUID, user_id: uuid.UUID, role: str, added_by: uuid.UUID | None) -> bool:
    """False if the user is on the shop's staff already."""
    return await _sql.insert_staff(conn, shop_id=shop_id, user_id=user_id, role=role, added_by=added_by) is not None


async def staff_role(conn, shop_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
    return await _sql.staff_role(conn, shop_id=shop_id, user_id=user_id)


async def staff_member(conn, shop_id: uuid.UUID, user_id: uuid.UUID) -> StaffMember | None:
    return StaffMember.from_row(await _sql.staff_member(conn, shop_id=shop_id, user_id=user_id))


async def staff_of_shop(conn, shop_id: uuid.UUID) -> list[StaffMember]:
    return [StaffMember.from_row(row) async for row in _sql.staff_of_shop(conn, shop_id=shop_id)]


async def staff_ids(conn, shop_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["user_id"] async for row in _sql.staff_ids(conn, shop_id=shop_id)]


async def count_managers(conn, shop_id: uuid.UUID) -> int:
    return await _sql.count_managers(conn, shop_id=shop_id)


async def delete_manager(conn, shop_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.delete_manager(conn, shop_id=shop_id, user_id=user_id))


async def shops_of_staff_page(conn, user_id: uuid.UUID, before: tuple, limit: int) -> list[StaffShop]:
    return [StaffShop(Shop.from_row(row), row["role"], row["joined_at"]) async for row in _sql.shops_of_staff_page(
        conn, user_id=user_id, before_at=before[0], before_id=before[1], limit=limit)]
