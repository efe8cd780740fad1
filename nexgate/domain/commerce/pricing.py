"""What a unit of a variant costs (docs/commerce.md, "Price tiers"): its own price, unless a
quantity tier covers the quantity bought. A variant's tiers are its own if it has any, else its
product's (``variant_id`` NULL). Tiers of one product or variant never overlap; each starts at 2
units or more, and a price is a positive integer of minor units of the product's currency."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from . import products_repository as repository
from .products_repository import PriceTier


def unit_price(variant_price: int, tiers: Iterable[PriceTier], quantity: int) -> int:
    """The price of each of ``quantity`` units: the tier covering ``quantity`` (from its
    ``min_quantity`` to its ``max_quantity``, no end if None), else the variant's price."""
    if quantity < 1:
        raise ValueError(f"a quantity is at least 1, not {quantity}")
    for tier in tiers:
        if tier.min_quantity <= quantity and (tier.max_quantity is None or quantity <= tier.max_quantity):
            return tier.unit_price
    return variant_price


async def tiers_for(conn, variant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PriceTier]]:
    """The tiers that apply to each variant (its own, else its product's), by variant id, each
    list from the fewest units up; [] for a variant without tiers."""
    return await repository.tiers_for_variants(conn, variant_ids)


def overlap_problems(tiers: Sequence[dict]) -> dict[int, dict[str, list[str]]]:
    """The tiers (by index in ``tiers``) that overlap an earlier tier of the same scope (a
    ``variant_id``, None for the product's), or end before they start: {index: {field: [why]}}."""
    problems: dict[int, dict[str, list[str]]] = {}
    by_scope: dict[uuid.UUID | None, list[tuple[int, dict]]] = {}
    for index, tier in enumerate(tiers):
        if tier.get("max_quantity") is not None and tier["max_quantity"] < tier["min_quantity"]:
            problems[index] = {"max_quantity": ["A tier ends at or after its min_quantity."]}
            continue
        by_scope.setdefault(tier.get("variant_id"), []).append((index, tier))
    for scoped in by_scope.values():
        scoped.sort(key=lambda item: item[1]["min_quantity"])
        for (_, before), (index, tier) in zip(scoped, scoped[1:]):
            if before.get("max_quantity") is None or tier["min_quantity"] <= before["max_quantity"]:
                problems[index] = {"min_quantity": [
                    f"This tier overlaps the tier from {before['min_quantity']} units"
                    + ("" if before.get("max_quantity") is None else f" to {before['max_quantity']}") + "."]}
    return problems
