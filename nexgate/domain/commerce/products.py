"""The catalogue (docs/commerce.md, "Products"): a shop's products, their option axes and
variants, categories, condition, media, quantity price tiers and states.

A product belongs to a shop and is priced in the shop's currency. It has option axes (``Size``:
``S``, ``M``; ``Colour``: ...) and one variant per combination sold, each with its SKU (unique in
the shop in any letter case), price and stock (``stock.py``); a product without axes has exactly
one variant. It is made a ``draft`` (seen by its shop's staff only) or ``active`` (on sale),
and ``archived`` when no longer sold (still shown, not sold; it may be put back on sale).

Who sees a product (``visible_product``): its shop's staff always; anyone else (signed in or
not) if it is not a draft, its shop is not suspended and they may see the shop's owner (no
block either way): otherwise 404 ``product_not_found``, as for one that does not exist. Only
the shop's staff change it (403 ``not_shop_staff`` to someone who may see it, else 404). Every
change holds the product's row for its transaction.
"""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from ... import bus
from ...errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..media import attachments
from ..users import visibility
from . import pricing
from . import products_repository as repository
from . import shops_repository
from .events import CATEGORY_CREATED, PRODUCT_CREATED, PRODUCT_STATE_CHANGED, PRODUCT_UPDATED, VARIANT_PRICE_CHANGED
from .products_repository import Category, PriceTier, Product, Variant
from .shops import staff_role_of
from .shops_repository import Shop

STATES = ("draft", "active", "archived")  # those the shop's staff put a product in
SUSPENDED = "suspended"  # an operator took it down: its staff alone see it, and cannot move it out
EVERY_STATE = (*STATES, SUSPENDED)
CONDITIONS = ("new", "used")
# The moves between states a shop's staff make; the state a product is in already answers it unchanged.
TRANSITIONS = {"draft": ("active", "archived"), "active": ("archived",), "archived": ("active",)}
MAX_AXES = 3
MAX_AXIS_VALUES = 20
MAX_VARIANTS = 100
MAX_PRODUCT_MEDIA = 10
MAX_VARIANT_MEDIA = 5
MAX_TIERS = 10  # per product or variant
MAX_PRICE = 10**12  # minor units
MEDIA_PURPOSE = "product"
EDITABLE = ("category_id", "name", "description", "condition", "options", "low_stock_threshold")


@dataclasses.dataclass(frozen=True)
class ProductView:
    """A product with what its page shows beside it."""

    product: Product
    shop: Shop
    category: Category | None
    variants: list[Variant]
    tiers: list[PriceTier]  # all of the product's: its own (variant_id None) and its variants'
    media_ids: list[uuid.UUID]
    variant_media: Mapping[uuid.UUID, list[uuid.UUID]]
    media: Mapping[uuid.UUID, dict[str, Any]]  # the views of its media that still exist
    for_staff: bool  # the viewer is on the shop's staff: the view shows on-hand and committed stock

    def tiers_of(self, variant_id: uuid.UUID | None) -> list[PriceTier]:
        return [tier for tier in self.tiers if tier.variant_id == variant_id]

    def tiers_for(self, variant_id: uuid.UUID) -> list[PriceTier]:
        """The tiers that apply to the variant: its own, else the product's."""
        return self.tiers_of(variant_id) or self.tiers_of(None)


@dataclasses.dataclass(frozen=True)
class ProductCard:
    """A product as a list shows it."""

    product: Product
    variants: list[Variant]
    media: dict[str, Any] | None  # the view of its first image, if any


def not_found() -> NotFound:
    return NotFound("No such product", code="product_not_found")


def variant_not_found() -> NotFound:
    return NotFound("No such variant of this product", code="variant_not_found")


# who sees and who changes a product

async def _seen(conn, viewer_id: uuid.UUID | None, product_id: uuid.UUID, *,
                lock: bool = False) -> tuple[Product, Shop, str | None]:
    """The product, its shop and the viewer's role on the shop's staff, or 404 if they may not see it."""
    if lock and await repository.lock_product(conn, product_id) is None:
        raise not_found()
    seen = await repository.product_seen(conn, product_id, viewer_id)
    if seen is None:
        raise not_found()
    if seen.role is None:
        if seen.product.state in ("draft", SUSPENDED) or seen.shop.state == "suspended":
            raise not_found()
        if not visibility.profile_visible(visibility.relationship_of(seen.owner_relationship)):
            raise not_found()
    return seen.product, seen.shop, seen.role


async def visible_product(conn, viewer_id: uuid.UUID | None, product_id: uuid.UUID) -> Product:
    """The product if the viewer (None: anonymous) may see it, else 404 ``product_not_found``:
    what the cart, checkout, search, messages and the ``product:<id>`` topic ask."""
    product, _, _ = await _seen(conn, viewer_id, product_id)
    return product


async def staff_product(conn, caller: Caller, product_id: uuid.UUID, *, lock: bool = False) -> Product:
    """The product if the caller is on its shop's staff: 404 if they may not even see it, else
    403 ``not_shop_staff``. ``lock`` holds its row for the transaction."""
    product, _, role = await _seen(conn, caller.user_id, product_id, lock=lock)
    if role is None:
        raise Forbidden("Only the shop's owner and managers can do this", code="not_shop_staff")
    return product


async def variants(conn, variant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Variant]:
    """The variants by id (archived ones included: ``archived_at`` set), for the cart and checkout."""
    return await repository.variants_by_ids(conn, variant_ids)


async def require_visible(platform: Platform, caller: Caller | None, product_id: uuid.UUID) -> None:
    """404 unless the caller may see the product: who may follow its ``product:<id>`` topic."""
    async with platform.core.connection() as conn:
        await visible_product(conn, None if caller is None else caller.user_id, product_id)


# reading

async def get_product(platform: Platform, caller: Caller | None, product_id: uuid.UUID) -> ProductView:
    """The product's page for the caller (None: anonymous)."""
    async with platform.core.connection() as conn:
        product, shop, role = await _seen(conn, None if caller is None else caller.user_id, product_id)
        return await _assemble(platform, conn, product, shop, for_staff=role is not None)


async def product_view_for_live(platform: Platform, conn, product_id: uuid.UUID) -> ProductView | None:
    """The product as anyone who may see it sees it, for its topic; None if it is gone."""
    product = await repository.product_by_id(conn, product_id)
    if product is None:
        return None
    return await _assemble(platform, conn, product, await shops_repository.shop_by_id(conn, product.shop_id),
                           for_staff=False)


async def products_of_shop(platform: Platform, caller: Caller | None, shop_id: uuid.UUID, *, state: str | None,
                           limit: int, cursor: str | None) -> Page[ProductCard]:
    """The shop's products, newest first: the active ones to anyone who may see the shop (404
    ``shop_not_found`` otherwise); its staff see every state, or the one ``state`` names."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        shop = await shops_repository.shop_by_id(conn, shop_id)
        role = None if viewer_id is None or shop is None else await shops_repository.staff_role(conn, shop_id, viewer_id)
        if role is None:
            if shop is None or shop.state == "suspended" or not visibility.profile_visible(
                    await visibility.relationship_in(conn, viewer_id, shop.owner_id)):
                raise NotFound("No such shop", code="shop_not_found")
            states = ["active"] if state in (None, "active") else []
        else:
            states = list(EVERY_STATE) if state is None else [state]
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.products_of_shop_page(conn, shop_id, states, before, n),
                           Product.position)
        ids = [product.id for product in page.items]
        found_variants = await repository.variants_of_products(conn, ids)
        media = await repository.product_media(conn, ids)
    firsts = [media[i][0] for i in ids if media[i]]
    views = await attachments.attachment_views(platform, firsts) if firsts else {}
    return page.map(lambda product: ProductCard(product, found_variants[product.id],
                                                views.get(media[product.id][0]) if media[product.id] else None))


async def category_tree(platform: Platform) -> list[Category]:
    async with platform.core.connection() as conn:
        return await repository.categories(conn)


async def create_category(platform: Platform, operator: Caller, fields: dict[str, Any]) -> Category:
    """An operator adds a category under ``parent_id`` (None: at the top)."""
    try:
        async with platform.core.transaction("commerce.category_create") as conn:
            if fields.get("parent_id") is not None and await repository.category_by_id(conn, fields["parent_id"]) is None:
                raise Invalid.fields("body", {"parent_id": "No such category."})
            category = await repository.insert_category(conn, id=uuid.uuid4(), parent_id=fields.get("parent_id"),
                                                        slug=fields["slug"], name=fields["name"],
                                                        name_sw=fields.get("name_sw"), position=fields.get("position", 0))
            await bus.emit(conn, CATEGORY_CREATED, {"category_id": str(category.id),
                                                    "parent_id": None if category.parent_id is None
                                                    else str(category.parent_id),
                                                    "slug": category.slug, "actor_id": str(operator.user_id)})
            return category
    except asyncpg.UniqueViolationError:
        raise Conflict.fields("body", {"slug": "This slug names another category."}, message="That slug is taken",
                              code="category_slug_taken") from None


# listing and editing

async def create_product(platform: Platform, caller: Caller, shop_id: uuid.UUID, fields: dict[str, Any]) -> ProductView:
    """The shop's staff list a product with its variants (and their initial stock), media and
    price tiers, as a draft or active."""
    axes = fields.get("options", [])
    variant_bodies = fields["variants"]
    _check_variants_against_axes(axes, variant_bodies)
    tier_bodies = _tiers_by_sku(fields.get("price_tiers", []), variant_bodies)
    product_id = uuid.uuid4()
    try:
        async with platform.core.transaction("commerce.product_create") as conn:
            shop = await shops_repository.lock_shop(conn, shop_id)
            await staff_role_of(conn, caller.user_id, shop)
            await _require_free_skus(conn, shop_id, [body["sku"] for body in variant_bodies], where=("variants",))
            category_id = await _category(conn, fields.get("category_id"))
            await _attach(conn, caller, fields.get("media_ids", []), "media_ids")
            product = await repository.insert_product(
                conn, id=product_id, shop_id=shop_id, category_id=category_id, name=fields["name"],
                description=_text(fields.get("description")), condition=fields.get("condition", "new"),
                state=fields.get("state", "draft"), currency=shop.currency, options=axes,
                low_stock_threshold=fields.get("low_stock_threshold", 5))
            await repository.replace_product_media(conn, product_id, fields.get("media_ids", []))
            skus: dict[str, uuid.UUID] = {}
            for index, body in enumerate(variant_bodies):
                variant = await _insert_variant(conn, caller, product, body, index, where=("variants", index))
                skus[body["sku"].lower()] = variant.id
            tiers = [_tier(product_id, None if t["sku"] is None else skus[t["sku"].lower()], t) for t in tier_bodies]
            await repository.replace_tiers(conn, product_id, tiers)
            await bus.emit(conn, PRODUCT_CREATED, {"product_id": str(product_id), "shop_id": str(shop_id),
                                                   "state": product.state, "actor_id": str(caller.user_id)})
            return await _assemble(platform, conn, product, shop, for_staff=True)
    except asyncpg.UniqueViolationError as error:
        raise _taken(error) from None


async def update_product(platform: Platform, caller: Caller, product_id: uuid.UUID,
                         changes: dict[str, Any]) -> ProductView:
    """The shop's staff change what is sent: name, description, category, condition, the low
    stock threshold, the media (the whole list), the option axes (values may be added; the axes
    themselves and the values live variants use stay)."""
    async with platform.core.transaction("commerce.product_update") as conn:
        old = await staff_product(conn, caller, product_id, lock=True)
        values = {name: changes[name] for name in EDITABLE if name in changes}
        if "description" in values:
            values["description"] = _text(values["description"])
        if "category_id" in values:
            values["category_id"] = await _category(conn, values["category_id"])
        if "options" in values:
            live = (await repository.variants_of_products(conn, [product_id]))[product_id]
            _check_axes_change(old.options, values["options"], live)
        new = dataclasses.replace(old, **values)
        changed = [name for name in EDITABLE if getattr(new, name) != getattr(old, name)]
        if "media_ids" in changes and await _media_changed(
                conn, caller, (await repository.product_media(conn, [product_id]))[product_id], changes["media_ids"],
                lambda media_ids: repository.replace_product_media(conn, product_id, media_ids)):
            changed.append("media")
        product = old
        if changed:
            product = await repository.update_product(conn, new)
            await _updated(conn, caller, product, changed)
        return await _assemble_staff(platform, conn, product)


async def set_state(platform: Platform, caller: Caller, product_id: uuid.UUID, state: str) -> ProductView:
    """Publish a draft, archive a product, or put an archived one back on sale: 409
    ``product_state_invalid`` for any other move (an active product is not made a draft again)."""
    if state not in STATES:
        raise ValueError(f"a product is in one of {STATES}, not {state!r}")
    async with platform.core.transaction("commerce.product_state") as conn:
        product = await staff_product(conn, caller, product_id, lock=True)
        if product.state == SUSPENDED:
            raise Conflict("An operator suspended this product; only an operator can lift the suspension",
                           code="product_suspended", details={"reason": product.suspended_reason})
        if product.state != state:
            if state not in TRANSITIONS[product.state]:
                raise Conflict(f"A product {product.state} cannot be made {state}", code="product_state_invalid",
                               details={"state": product.state, "allowed": list(TRANSITIONS[product.state])})
            before, product = product, await repository.set_product_state(conn, product_id, state)
            await _state_changed(conn, before, product, caller)
        return await _assemble_staff(platform, conn, product)


async def suspend(platform: Platform, operator: Caller, product_id: uuid.UUID, reason: str) -> ProductView:
    """An operator takes the product down: hidden from all but its shop's staff, who see why, and
    not sold (it leaves search, carts refuse it); its staff cannot move it out of that state."""
    async with platform.core.transaction("commerce.product_suspend") as conn:
        product = await _locked(conn, product_id)
        if product.state == SUSPENDED:
            raise Conflict("This product is suspended already", code="product_suspended",
                           details={"reason": product.suspended_reason})
        suspended = await repository.suspend_product(conn, product_id, reason)
        await _state_changed(conn, product, suspended, operator)
        return await _assemble_staff(platform, conn, suspended)


async def reinstate(platform: Platform, operator: Caller, product_id: uuid.UUID) -> ProductView:
    """An operator lifts a suspension: the product is back in the state it was suspended from."""
    async with platform.core.transaction("commerce.product_reinstate") as conn:
        product = await _locked(conn, product_id)
        if product.state != SUSPENDED:
            raise Conflict("This product is not suspended", code="product_not_suspended",
                           details={"state": product.state})
        reinstated = await repository.reinstate_product(conn, product_id)
        await _state_changed(conn, product, reinstated, operator)
        return await _assemble_staff(platform, conn, reinstated)


async def _locked(conn, product_id: uuid.UUID) -> Product:
    product = await repository.lock_product(conn, product_id)
    if product is None:
        raise not_found()
    return product


async def _state_changed(conn, before: Product, after: Product, actor: Caller) -> None:
    await bus.emit(conn, PRODUCT_STATE_CHANGED, {
        "product_id": str(after.id), "shop_id": str(after.shop_id), "previous_state": before.state,
        "state": after.state, "actor_id": str(actor.user_id)})


async def add_variant(platform: Platform, caller: Caller, product_id: uuid.UUID, body: dict[str, Any]) -> ProductView:
    """Add a variant for a combination of the axes' values not sold yet (409 ``variant_options_taken``)."""
    try:
        async with platform.core.transaction("commerce.variant_add") as conn:
            product = await staff_product(conn, caller, product_id, lock=True)
            _check_variants_against_axes(product.options, [body], where=())
            await _require_free_skus(conn, product.shop_id, [body["sku"]], where=())
            if await repository.count_live_variants(conn, product_id) >= MAX_VARIANTS:
                raise Conflict(f"A product has at most {MAX_VARIANTS} variants", code="too_many_variants",
                               details={"max": MAX_VARIANTS})
            await _insert_variant(conn, caller, product, body, await repository.next_variant_position(conn, product_id),
                                  where=())
            await _updated(conn, caller, product, ["variants"])
            return await _assemble_staff(platform, conn, product)
    except asyncpg.UniqueViolationError as error:
        raise _taken(error, where=()) from None


async def update_variant(platform: Platform, caller: Caller, product_id: uuid.UUID, variant_id: uuid.UUID,
                         changes: dict[str, Any]) -> ProductView:
    """Change a variant's SKU, price, position or media; a new price is
    ``commerce.variant_price.changed`` (carts see it on their next read, the product's topic at once)."""
    try:
        async with platform.core.transaction("commerce.variant_update") as conn:
            product = await staff_product(conn, caller, product_id, lock=True)
            old = await _live_variant(conn, product, variant_id)
            if "sku" in changes:
                await _require_free_skus(conn, product.shop_id, [changes["sku"]], where=(), except_id=variant_id)
            new = dataclasses.replace(old, **{name: changes[name] for name in ("sku", "price", "position")
                                             if name in changes})
            changed = [name for name in ("sku", "price", "position") if getattr(new, name) != getattr(old, name)]
            if "media_ids" in changes and await _media_changed(
                    conn, caller, (await repository.variant_media(conn, [variant_id]))[variant_id],
                    changes["media_ids"],
                    lambda media_ids: repository.replace_variant_media(conn, variant_id, media_ids)):
                changed.append("media")
            if changed:
                await repository.update_variant(conn, new)
                if new.price != old.price:
                    await bus.emit(conn, VARIANT_PRICE_CHANGED, {
                        "variant_id": str(variant_id), "product_id": str(product_id), "shop_id": str(product.shop_id),
                        "old_price": old.price, "new_price": new.price, "currency": product.currency})
                await _updated(conn, caller, product, ["variants"])
            return await _assemble_staff(platform, conn, product)
    except asyncpg.UniqueViolationError as error:
        raise _taken(error, where=()) from None


async def archive_variant(platform: Platform, caller: Caller, product_id: uuid.UUID, variant_id: uuid.UUID) -> ProductView:
    """Stop selling a variant (orders of it keep it); the last one on sale stays (409 ``last_variant``):
    archive the product instead."""
    async with platform.core.transaction("commerce.variant_archive") as conn:
        product = await staff_product(conn, caller, product_id, lock=True)
        await _live_variant(conn, product, variant_id)
        if await repository.count_live_variants(conn, product_id) <= 1:
            raise Conflict("A product keeps at least one variant on sale; archive the product instead",
                           code="last_variant")
        await repository.archive_variant(conn, variant_id)
        tiers = (await repository.tiers_of_products(conn, [product_id]))[product_id]
        if any(tier.variant_id == variant_id for tier in tiers):
            await repository.replace_tiers(conn, product_id, [t for t in tiers if t.variant_id != variant_id])
        await _updated(conn, caller, product, ["variants"])
        return await _assemble_staff(platform, conn, product)


async def replace_tiers(platform: Platform, caller: Caller, product_id: uuid.UUID,
                        bodies: Sequence[dict[str, Any]]) -> ProductView:
    """Replace the product's quantity price tiers (its own and its variants'), every one at once."""
    problems: dict[int, Any] = dict(pricing.overlap_problems(bodies))
    if problems:
        raise Invalid.fields("body", {"tiers": problems}, message="Price tiers overlap")
    async with platform.core.transaction("commerce.price_tiers") as conn:
        product = await staff_product(conn, caller, product_id, lock=True)
        live = {variant.id for variant in (await repository.variants_of_products(conn, [product_id]))[product_id]}
        unknown = {index: {"variant_id": ["No such variant of this product."]}
                   for index, body in enumerate(bodies) if body.get("variant_id") not in live | {None}}
        if unknown:
            raise Invalid.fields("body", {"tiers": unknown})
        _check_tier_counts(bodies, "variant_id")
        old = (await repository.tiers_of_products(conn, [product_id]))[product_id]
        new = [_tier(product_id, body.get("variant_id"), body) for body in bodies]
        if _tier_keys(old) != _tier_keys(new):
            await repository.replace_tiers(conn, product_id, new)
            await _updated(conn, caller, product, ["price_tiers"])
        return await _assemble_staff(platform, conn, product)


# the rules shared by the functions above

def _check_variants_against_axes(axes: Sequence[dict[str, Any]], bodies: Sequence[dict[str, Any]], *,
                                 where: tuple = ("variants",)) -> None:
    """Each variant names one value of each axis and nothing else, and no combination or SKU is
    given twice; without axes there is one variant. 422 naming each bad variant's field."""
    names = [axis["name"] for axis in axes]
    problems: dict[Any, Any] = {}
    combos: set[tuple] = set()
    skus: set[str] = set()
    for index, body in enumerate(bodies):
        options = body.get("options", {})
        problem = None
        if set(options) != set(names):
            problem = ("Name one value of each option: " + ", ".join(names)) if names else "This product has no options."
        else:
            for axis in axes:
                if options[axis["name"]] not in axis["values"]:
                    problem = f"{options[axis['name']]!r} is not a value of {axis['name']}."
                    break
        combo = tuple(options.get(name) for name in names)
        if problem is None and combo in combos:
            problem = "Another variant has these options."
        combos.add(combo)
        found = {}
        if problem:
            found["options"] = [problem]
        if body["sku"].lower() in skus:
            found["sku"] = ["Another variant has this SKU (SKUs are the same in any letter case)."]
        skus.add(body["sku"].lower())
        if found:
            problems[index] = found
    if not names and len(bodies) > 1:
        problems.setdefault(1, {})["options"] = ["A product without options has one variant."]
    if problems:
        raise Invalid.fields("body", _nest(where, problems) if where else problems[0])


def _text(value: str | None) -> str | None:
    """A multi-line text as kept: None when blank."""
    return value if value is None or value.strip() else None


def _nest(where: tuple, problems: Any) -> dict[str, Any]:
    for part in reversed(where):
        problems = {part: problems}
    return problems


def _check_axes_change(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]], live: Sequence[Variant]) -> None:
    if [axis["name"] for axis in old] != [axis["name"] for axis in new]:
        raise Invalid.fields("body", {"options": "The options of a product are kept: values may be added to them."})
    for index, axis in enumerate(new):
        used = {variant.options[axis["name"]] for variant in live}
        missing = sorted(used - set(axis["values"]))
        if missing:
            raise Invalid.fields("body", {"options": {index: {"values": [
                "Variants on sale use " + ", ".join(missing) + ": archive them first."]}}})


def _tiers_by_sku(bodies: Sequence[dict[str, Any]], variant_bodies: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    skus = {body["sku"].lower() for body in variant_bodies}
    unknown = {index: {"sku": ["No variant of this product has this SKU."]}
               for index, body in enumerate(bodies) if body.get("sku") is not None and body["sku"].lower() not in skus}
    if unknown:
        raise Invalid.fields("body", {"price_tiers": unknown})
    scoped = [{**body, "variant_id": None if body.get("sku") is None else body["sku"].lower()} for body in bodies]
    problems = pricing.overlap_problems(scoped)
    if problems:
        raise Invalid.fields("body", {"price_tiers": problems}, message="Price tiers overlap")
    _check_tier_counts(scoped, "variant_id", field="price_tiers")
    return [{**body, "sku": body.get("sku")} for body in bodies]


def _check_tier_counts(bodies: Sequence[dict[str, Any]], key: str, *, field: str = "tiers") -> None:
    counts: dict[Any, int] = {}
    for body in bodies:
        counts[body.get(key)] = counts.get(body.get(key), 0) + 1
    if any(count > MAX_TIERS for count in counts.values()):
        raise Invalid.fields("body", {field: f"At most {MAX_TIERS} tiers for the product and for each variant."})


def _tier(product_id: uuid.UUID, variant_id: uuid.UUID | None, body: dict[str, Any]) -> PriceTier:
    return PriceTier(id=uuid.uuid4(), product_id=product_id, variant_id=variant_id, min_quantity=body["min_quantity"],
                     max_quantity=body.get("max_quantity"), unit_price=body["unit_price"])


def _tier_keys(tiers: Sequence[PriceTier]) -> set[tuple]:
    return {(t.variant_id, t.min_quantity, t.max_quantity, t.unit_price) for t in tiers}


async def _require_free_skus(conn, shop_id: uuid.UUID, skus: Sequence[str], *, where: tuple,
                             except_id: uuid.UUID | None = None) -> None:
    """409 ``sku_taken`` naming each SKU another variant of the shop has (the unique index
    backs it, for two listed at once)."""
    taken = await repository.skus_taken(conn, shop_id, skus, except_id)
    if not taken:
        return
    problem = {"sku": ["Another variant of this shop has this SKU."]}
    named = {index: problem for index, sku in enumerate(skus) if sku.lower() in taken}
    raise Conflict.fields("body", _nest(where, named) if where else problem,
                          message="Another variant of this shop has this SKU (the same in any letter case)",
                          code="sku_taken")


async def _category(conn, category_id: uuid.UUID | None) -> uuid.UUID | None:
    if category_id is not None and await repository.category_by_id(conn, category_id) is None:
        raise Invalid.fields("body", {"category_id": "No such category."})
    return category_id


async def _media_changed(conn, caller: Caller, old: list[uuid.UUID], wanted: Sequence[uuid.UUID], replace) -> bool:
    """A product's or variant's images as ``wanted`` (the new ones attached first, ``replace``
    writing the list): False, nothing written, when they are the ones it has."""
    if list(wanted) == old:
        return False
    await _attach(conn, caller, [media_id for media_id in wanted if media_id not in old], "media_ids")
    await replace(wanted)
    return True


async def _attach(conn, caller: Caller, media_ids: Sequence[uuid.UUID], field: str) -> None:
    """The media must be the caller's own ready images or videos uploaded for products."""
    if not media_ids:
        return
    try:
        await attachments.attach(conn, owner_id=caller.user_id, media_ids=list(media_ids), purpose=MEDIA_PURPOSE)
    except DomainError as refused:
        raise type(refused).fields("body", {field: refused.message}, message=refused.message, code=refused.code,
                                   **refused.details) from refused


async def _insert_variant(conn, caller: Caller, product: Product, body: dict[str, Any], position: int, *,
                          where: tuple) -> Variant:
    from . import stock  # stock builds on this module
    media_ids = body.get("media_ids", [])
    try:
        await _attach(conn, caller, media_ids, "media_ids")
    except DomainError as refused:
        if where:
            refused.details["fields"] = _nest(where, refused.details["fields"])
        raise
    variant = await repository.insert_variant(conn, id=uuid.uuid4(), product_id=product.id, shop_id=product.shop_id,
                                              sku=body["sku"], options=body.get("options", {}), price=body["price"],
                                              position=position)
    await repository.replace_variant_media(conn, variant.id, media_ids)
    if body.get("stock", 0) > 0:
        await stock.move(conn, variant_id=variant.id, on_hand_delta=body["stock"], reason="initial",
                         actor_id=caller.user_id)
    return variant


async def _live_variant(conn, product: Product, variant_id: uuid.UUID) -> Variant:
    variant = (await repository.variants_by_ids(conn, [variant_id])).get(variant_id)
    if variant is None or variant.product_id != product.id or variant.archived_at is not None:
        raise variant_not_found()
    return variant


async def _updated(conn, caller: Caller, product: Product, fields: list[str]) -> None:
    if fields != [name for name in fields if name in EDITABLE]:
        await repository.touch_product(conn, product.id)
    await bus.emit(conn, PRODUCT_UPDATED, {"product_id": str(product.id), "shop_id": str(product.shop_id),
                                           "fields": fields, "actor_id": str(caller.user_id)})


def _taken(error: asyncpg.UniqueViolationError, *, where: tuple = ("variants",)) -> DomainError:
    if error.constraint_name == "product_variants_sku":
        return Conflict.fields("body", _nest(where, {"sku": ["Another variant of this shop has this SKU."]}),
                               message="Another variant of this shop has this SKU (the same in any letter case)",
                               code="sku_taken")
    if error.constraint_name == "product_variants_options":
        return Conflict.fields("body", {"options": "Another variant has these options."},
                               message="Another variant of this product has these options",
                               code="variant_options_taken")
    raise error


async def _assemble_staff(platform: Platform, conn, product: Product) -> ProductView:
    fresh = await repository.product_by_id(conn, product.id)
    return await _assemble(platform, conn, fresh, await shops_repository.shop_by_id(conn, fresh.shop_id),
                           for_staff=True)


async def _assemble(platform: Platform, conn, product: Product, shop: Shop, *, for_staff: bool) -> ProductView:
    found_variants = (await repository.variants_of_products(conn, [product.id]))[product.id]
    variant_media = await repository.variant_media(conn, [variant.id for variant in found_variants])
    media_ids = (await repository.product_media(conn, [product.id]))[product.id]
    tiers = (await repository.tiers_of_products(conn, [product.id]))[product.id]
    category = None if product.category_id is None else await repository.category_by_id(conn, product.category_id)
    every = media_ids + [media_id for ids in variant_media.values() for media_id in ids]
    media = await attachments.attachment_views(platform, every) if every else {}
    return ProductView(product, shop, category, found_variants, tiers, media_ids, variant_media, media, for_staff)
