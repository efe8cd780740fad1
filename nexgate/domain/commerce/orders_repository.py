"""The SQL of orders, their items and their timeline (``sql/commerce/orders.sql``); it runs
queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from ...bus import PendingEvent
from ...sql import queries

_sql = queries("commerce")

# What ``move`` may set beside the state (each step's own time is set by the query itself).
COLUMNS = ("stock_state", "hold_id", "tracking", "reserved_until", "cancel_reason", "dispute_reason", "resolution",
           "auto_complete_at")


@dataclasses.dataclass(frozen=True)
class Order:
    id: uuid.UUID
    checkout_id: uuid.UUID
    buyer_id: uuid.UUID
    shop_id: uuid.UUID
    seller_id: uuid.UUID
    state: str
    stock_state: str
    currency: str
    subtotal: int
    delivery_fee: int
    total: int
    fulfilment: str
    address: dict[str, Any] | None
    hold_id: uuid.UUID | None
    tracking: dict[str, Any] | None
    reserved_until: datetime.datetime | None
    cancel_reason: str | None
    dispute_reason: str | None
    resolution: str | None
    created_at: datetime.datetime
    paid_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    disputed_at: datetime.datetime | None
    refunded_at: datetime.datetime | None
    auto_complete_at: datetime.datetime | None
    updated_at: datetime.datetime
    shop_name: str
    shop_handle: str

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Order | None:
        return None if row is None else cls(**dict(row))

    def position(self) -> tuple[datetime.datetime, uuid.UUID]:
        return self.created_at, self.id


@dataclasses.dataclass(frozen=True)
class Item:
    position: int
    product_id: uuid.UUID
    variant_id: uuid.UUID
    quantity: int
    unit_price: int
    line_total: int
    product_name: str
    variant_label: str | None
    sku: str


@dataclasses.dataclass(frozen=True)
class NewItem:
    """A line of an order being placed, its price as the buyer saw it."""

    product_id: uuid.UUID
    variant_id: uuid.UUID
    quantity: int
    unit_price: int
    product_name: str
    sku: str
    variant_label: str | None = None


@dataclasses.dataclass(frozen=True)
class Step:
    """One entry of an order's timeline."""

    from_state: str | None
    to_state: str
    actor: str
    actor_id: uuid.UUID | None
    note: str | None
    at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class BuyerCard:
    id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    verified_at: datetime.datetime | None


async def place_order(conn, *, id: uuid.UUID, checkout_id: uuid.UUID, buyer_id: uuid.UUID, shop_id: uuid.UUID,
                      seller_id: uuid.UUID, currency: str, subtotal: int, delivery_fee: int, fulfilment: str,
                      address: dict | None, hold_id: uuid.UUID | None, reserved_until: datetime.datetime | None,
                      items: Sequence[NewItem],
                      event: PendingEvent) -> tuple[Order, list[Item], Step, BuyerCard | None]:
    """The order written with its items, first step and event: the order, its items, its step and its buyer's card."""
    routing_key, payload = event
    row = dict(await _sql.place_order(
        conn, id=id, checkout_id=checkout_id, buyer_id=buyer_id, shop_id=shop_id, seller_id=seller_id,
        currency=currency, subtotal=subtotal, delivery_fee=delivery_fee, total=subtotal + delivery_fee,
        fulfilment=fulfilment, address=address, hold_id=hold_id, reserved_until=reserved_until,
        product_ids=[i.product_id for i in items], variant_ids=[i.variant_id for i in items],
        quantities=[i.quantity for i in items], unit_prices=[i.unit_price for i in items],
        product_names=[i.product_name for i in items], variant_labels=[i.variant_label for i in items],
        skus=[i.sku for i in items], event_id=uuid.uuid4(), routing_key=routing_key, payload=payload))
    items_made, step, buyer = row.pop("items"), row.pop("step"), row.pop("buyer")
    return (Order(**row), [Item(*item) for item in items_made], Step(*step),
            None if buyer is None else BuyerCard(*buyer))


async def order_by_id(conn, order_id: uuid.UUID) -> Order | None:
    return Order.from_row(await _sql.order_by_id(conn, id=order_id))


async def lock_order(conn, order_id: uuid.UUID) -> Order | None:
    return Order.from_row(await _sql.lock_order(conn, id=order_id))


async def move(conn, order_id: uuid.UUID, from_state: str, to_state: str, columns: dict[str, Any]) -> Order | None:
    """The order moved to ``to_state`` with ``columns`` set, or None if it is no longer in ``from_state``."""
    values = {name: columns.get(name) for name in COLUMNS}
    return Order.from_row(await _sql.move_order(conn, id=order_id, from_state=from_state, to_state=to_state,
                                                set_columns=list(columns), **values))


async def insert_transition(conn, *, order_id: uuid.UUID, from_state: str | None, to_state: str, actor: str,
                            actor_id: uuid.UUID | None, note: str | None) -> None:
    await _sql.insert_transition(conn, order_id=order_id, from_state=from_state, to_state=to_state, actor=actor,
                                 actor_id=actor_id, note=note)


async def items_of_order(conn, order_id: uuid.UUID) -> list[Item]:
    return [Item(**dict(row)) async for row in _sql.items_of_order(conn, order_id=order_id)]


async def items_of_orders(conn, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Item]]:
    found: dict[uuid.UUID, list[Item]] = {order_id: [] for order_id in order_ids}
    async for row in _sql.items_of_orders(conn, order_ids=list(order_ids)):
        values = dict(row)
        found[values.pop("order_id")].append(Item(**values))
    return found


async def transitions_of_order(conn, order_id: uuid.UUID) -> list[Step]:
    return [Step(**dict(row)) async for row in _sql.transitions_of_order(conn, order_id=order_id)]


async def orders_of_buyer_page(conn, buyer_id: uuid.UUID, state: str | None, before: tuple, limit: int) -> list[Order]:
    return [Order.from_row(row) async for row in _sql.orders_of_buyer_page(
        conn, buyer_id=buyer_id, state=state, before_at=before[0], before_id=before[1], limit=limit)]


async def orders_of_shop_page(conn, shop_id: uuid.UUID, state: str | None, before: tuple, limit: int) -> list[Order]:
    return [Order.from_row(row) async for row in _sql.orders_of_shop_page(
        conn, shop_id=shop_id, state=state, before_at=before[0], before_id=before[1], limit=limit)]


async def orders_in_state_page(conn, state: str, before: tuple, limit: int) -> list[Order]:
    return [Order.from_row(row) async for row in _sql.orders_in_state_page(
        conn, state=state, before_at=before[0], before_id=before[1], limit=limit)]


async def buyer_cards(conn, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, BuyerCard]:
    return {row["id"]: BuyerCard(**dict(row)) async for row in _sql.buyer_cards(conn, user_ids=list(set(user_ids)))}


async def now(conn) -> datetime.datetime:
    """The database's time (the transaction's start), which the timers are compared with."""
    return await _sql.now(conn)
