"""A variant's stock (docs/commerce.md, "Stock"): ``on_hand`` units are in the shop, ``committed``
of them are reserved by checkouts not yet paid or allocated to paid orders not yet shipped;
``available = on_hand - committed``, what can still be sold.

Every change goes through ``move``: ONE conditional UPDATE of the variant's row (so two buyers of
the last unit cannot both have it: the second finds no row to update), the ``stock_movements``
row of the audit, and the event ``commerce.variant_stock.changed``, all in the caller's
transaction. What a caller does with each reason:

- a checkout reserves: ``committed_delta=+n, reason="reserved"``; an unpaid order that expires or
  is cancelled releases: ``committed_delta=-n, reason="released"``;
- an order shipped: ``on_hand_delta=-n, committed_delta=-n, reason="shipped"``;
- the seller's ``adjust``: ``on_hand_delta=±n`` with ``restock``, ``returned`` (adding),
  ``damaged``, ``lost`` (taking away) or ``correction`` (either way).
"""
from __future__ import annotations

import dataclasses
import uuid

from ... import bus
from ...errors import Conflict, Invalid
from ...pagination import Keyset, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from . import products
from . import products_repository as repository
from .events import VARIANT_STOCK_CHANGED
from .products_repository import Movement

REASONS = ("initial", "restock", "correction", "damaged", "lost", "returned", "reserved", "released", "shipped")
# What a seller may give as the reason of an adjustment, and the sign each allows (+1 adds, -1 takes away, 0 either).
SELLER_REASONS = {"restock": 1, "returned": 1, "damaged": -1, "lost": -1, "correction": 0}
MAX_STOCK = 1_000_000  # units of one variant on hand
LEVELS_ADDED = frozenset({"product_id", "shop_id", "available", "previous_available", "on_hand"})  # by move_stock
NEWEST_MOVEMENT_FIRST = Keyset("stock_newest", (int,), ((1 << 63) - 1,))


@dataclasses.dataclass(frozen=True)
class StockLevel:
    """A variant's stock after a move."""

    variant_id: uuid.UUID
    product_id: uuid.UUID
    shop_id: uuid.UUID
    on_hand: int
    committed: int
    available: int
    previous_available: int


async def move(conn, *, variant_id: uuid.UUID, on_hand_delta: int = 0, committed_delta: int = 0, reason: str,
               note: str | None = None, actor_id: uuid.UUID | None = None,
               order_id: uuid.UUID | None = None) -> StockLevel | None:
    """Move the variant's stock by the deltas, in the caller's transaction: None (and nothing
    written) when the move would leave less than 0 on hand or committed, or more committed than
    on hand (not enough available for a reservation; the caller turns that into its error) or
    when there is no such variant. Else the audit row and ``commerce.variant_stock.changed``."""
    if reason not in REASONS:
        raise ValueError(f"unknown stock movement reason {reason!r}")
    if on_hand_delta == 0 and committed_delta == 0:
        raise ValueError("a stock movement moves something")
    event = bus.pending(VARIANT_STOCK_CHANGED, {"variant_id": str(variant_id), "reason": reason},
                        added_later=LEVELS_ADDED)
    row = await repository.move_stock(conn, variant_id, on_hand_delta=on_hand_delta, committed_delta=committed_delta,
                                      reason=reason, note=note, actor_id=actor_id, order_id=order_id, event=event)
    if row is None:
        return None
    return StockLevel(variant_id=row["id"], product_id=row["product_id"], shop_id=row["shop_id"],
                      on_hand=row["stock_on_hand"], committed=row["stock_committed"],
                      available=row["stock_on_hand"] - row["stock_committed"],
                      previous_available=row["previous_available"])


async def adjust(platform: Platform, caller: Caller, product_id: uuid.UUID, variant_id: uuid.UUID, *, delta: int,
                 reason: str, note: str | None = None) -> tuple[StockLevel, int]:
    """The shop's staff add units to the variant's stock or take some away, with a reason: 409
    ``insufficient_stock`` when fewer than that are on hand and not committed to orders. The
    level after, with the product's low-stock threshold."""
    sign = SELLER_REASONS.get(reason)
    if sign is None:
        raise Invalid.fields("body", {"reason": f"One of {', '.join(SELLER_REASONS)}."})
    if delta == 0 or (sign and (delta > 0) != (sign > 0)):
        raise Invalid.fields("body", {"delta": "A stock adjustment moves at least one unit, "
                                               + ("adding them" if sign > 0 else "taking them away" if sign < 0
                                                  else "either way") + f" for {reason}."})
    async with platform.core.transaction("commerce.stock_adjust") as conn:
        product = await products.staff_product(conn, caller, product_id, lock=True)
        variant = (await repository.variants_by_ids(conn, [variant_id])).get(variant_id)
        if variant is None or variant.product_id != product.id or variant.archived_at is not None:
            raise products.variant_not_found()
        if variant.stock_on_hand + delta > MAX_STOCK:
            raise Invalid.fields("body", {"delta": f"At most {MAX_STOCK} units of a variant can be on hand."})
        level = await move(conn, variant_id=variant_id, on_hand_delta=delta, reason=reason, note=note,
                           actor_id=caller.user_id)
        if level is None:
            raise Conflict("There are not that many units on hand and not committed to orders",
                           code="insufficient_stock",
                           details={"available": variant.available, "on_hand": variant.stock_on_hand,
                                    "committed": variant.stock_committed})
        return level, product.low_stock_threshold


async def movements(platform: Platform, caller: Caller, product_id: uuid.UUID, variant_id: uuid.UUID, *,
                    limit: int, cursor: str | None) -> Page[Movement]:
    """The variant's stock audit, newest first: for the shop's staff."""
    async with platform.core.connection() as conn:
        product = await products.staff_product(conn, caller, product_id)
        variant = (await repository.variants_by_ids(conn, [variant_id])).get(variant_id)
        if variant is None or variant.product_id != product.id:
            raise products.variant_not_found()
        return await fetch(NEWEST_MOVEMENT_FIRST, cursor, limit,
                           lambda before, n: repository.movements_page(conn, variant_id, before, n),
                           lambda movement: (movement.id,))


def stock_status(available: int, low_stock_threshold: int) -> str:
    """``out_of_stock`` (none available), ``low_stock`` (at most the product's threshold) or ``in_stock``."""
    if available <= 0:
        return "out_of_stock"
    if available <= low_stock_threshold:
        return "low_stock"
    return "in_stock"

