"""Shops (docs/commerce.md, "Shops"): opening one, its page, the staff's edits, its state.

A user opens up to ``MAX_SHOPS`` shops, each under a ``$handle`` unique in any letter case
(``handles``). The owner and the managers they add (``staff``) edit a shop; only the owner
changes its handle and opens or closes it; only an operator suspends it or lifts a suspension
(which leaves it closed, for the owner to open again). A shop is shown to anyone who may see
its owner's profile (``users.visibility``: a block either way hides it, as if it did not exist),
a suspended one only to its staff. The page carries its owner's verified badge and trust score
from the users area.
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
from ..auth import identifiers
from ..auth.caller import Caller
from ..media import attachments
from ..users import profiles, visibility
from ..users.repository import Profile
from . import handles
from . import shops_repository as repository
from .events import SHOP_CREATED, SHOP_STATE_CHANGED, SHOP_UPDATED
from .shops_repository import SHOP_FIELDS, DeliveryFee, Shop, StaffShop

MAX_SHOPS = 10
STATES = ("open", "closed", "suspended")
OWNER_STATES = ("open", "closed")  # what the owner may put a shop in
SHOP_IMAGES = {"logo_media_id": "avatar", "cover_media_id": "cover"}  # the media purpose each takes
OWNER_ONLY_FIELDS = frozenset({"handle"})


@dataclasses.dataclass(frozen=True)
class ShopView:
    """A shop with what its page shows beside it."""

    shop: Shop
    fees: list[DeliveryFee]
    owner: Profile
    media: Mapping[uuid.UUID, dict[str, Any]]  # the views of its logo and cover that still exist


def not_found() -> NotFound:
    return NotFound("No such shop", code="shop_not_found")


def contact_phone_problem(raw: str) -> str | None:
    """Why ``raw`` is no shop phone (international form, +country code first), or None."""
    if not raw.strip().startswith("+"):
        return "Write the number in international form, +country code first."
    try:
        identifiers.phone_number(raw.strip(), "ZZ")
    except Invalid as refused:
        return refused.details["fields"]["phone"][0]
    return None


def _contact(values: dict[str, Any]) -> dict[str, Any]:
    """The contact's phone in E.164 and its email with the domain lower-cased, or 422 naming them."""
    problems = {}
    if values.get("phone") is not None:
        if (reason := contact_phone_problem(values["phone"])) is not None:
            problems["phone"] = [reason]
        else:
            values["phone"] = identifiers.phone(values["phone"], "ZZ")
    if values.get("email") is not None:
        try:
            values["email"] = identifiers.email(values["email"])
        except Invalid as refused:
            problems["email"] = refused.details["fields"]["email"]
    if problems:
        raise Invalid.fields("body", {"contact": problems})
    return values


# reading

async def find(conn, ref: str) -> Shop | None:
    """The shop a path names: a UUID is an id, anything else a handle (``$`` optional, any letter case)."""
    try:
        return await repository.shop_by_id(conn, uuid.UUID(ref))
    except ValueError:
        pass
    handle = handles.from_ref(ref)
    return None if handle is None else await repository.shop_by_handle(conn, handle)


async def get_shop(platform: Platform, caller: Caller | None, ref: str) -> ShopView:
    """The shop's page for the caller (None: anonymous), by id or handle."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        shop = await find(conn, ref)
        await require_visible(conn, viewer_id, shop)
        return await _assemble(platform, conn, shop)


async def shop_view_for_staff(platform: Platform, conn, shop_id: uuid.UUID) -> ShopView | None:
    """The shop as its staff see it (suspended or not), for telling them live; None if it is gone."""
    shop = await repository.shop_by_id(conn, shop_id)
    return None if shop is None else await _assemble(platform, conn, shop)


async def resolve_handles(platform: Platform, viewer_id: uuid.UUID | None, names: Sequence[str]) -> dict[str, Shop]:
    """The shops ``$handles`` name that the viewer may see, by lower-cased handle: what a post's
    ``$shop`` mentions link to (a handle of no shop, of a suspended shop or of an owner blocked
    either way is left out)."""
    wanted = [name.lower() for name in dict.fromkeys(names) if handles.HANDLE.match(name)]
    if not wanted:
        return {}
    async with platform.core.connection() as conn:
        shown = {}
        for shop in await repository.shops_by_handles(conn, wanted):
            if shop.state == "suspended":
                continue
            if shop.owner_id == viewer_id or visibility.profile_visible(
                    await visibility.relationship_in(conn, viewer_id, shop.owner_id)):
                shown[shop.handle.lower()] = shop
        return shown


async def shops_of_user(platform: Platform, caller: Caller | None, owner_id: uuid.UUID, *, limit: int,
                        cursor: str | None) -> Page[Shop]:
    """The shops a user owns, newest first, as the caller sees them: none suspended (but to the
    owner), and 404 ``user_not_found`` for a user blocked either way, as their profile."""
    viewer_id = None if caller is None else caller.user_id
    async with platform.core.connection() as conn:
        if viewer_id != owner_id:
            rel = await visibility.relationship_in(conn, viewer_id, owner_id)
            if not visibility.profile_visible(rel):
                raise NotFound("No such user", code="user_not_found")
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.shops_of_owner_page(conn, owner_id, before, n),
                           lambda shop: (shop.created_at, shop.id))


async def my_shops(platform: Platform, caller: Caller, *, limit: int, cursor: str | None) -> Page[StaffShop]:
    """The shops the caller acts for (owns or manages), with their role, the most recently joined first."""
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.shops_of_staff_page(conn, caller.user_id, before, n),
                           StaffShop.position)


# opening and editing

async def create_shop(platform: Platform, caller: Caller, fields: dict[str, Any]) -> ShopView:
    """Open a shop owned by the caller; its creator is its owner on its staff."""
    values = {name: None for name in SHOP_FIELDS} | {"pickup": False, "delivery": False} | _flatten(fields)
    values["handle"] = handles.handle(values["handle"])
    values = _contact(values)
    fees = values.pop("fees", [])
    shop_id = uuid.uuid4()
    try:
        async with platform.core.transaction("commerce.shop_create") as conn:
            await repository.lock_shops_of_owner(conn, caller.user_id)
            if await repository.count_shops_of_owner(conn, caller.user_id) >= MAX_SHOPS:
                raise Conflict(f"You have {MAX_SHOPS} shops, the most one user can open",
                               code="too_many_shops", details={"max": MAX_SHOPS})
            await attachments.attach_fields(conn, owner_id=caller.user_id, values=values, purposes=SHOP_IMAGES)
            shop = await repository.insert_shop(conn, id=shop_id, owner_id=caller.user_id, **values)
            await repository.replace_delivery_fees(conn, shop.id, fees)
            await repository.insert_staff(conn, shop_id=shop.id, user_id=caller.user_id, role="owner",
                                          added_by=caller.user_id)
            await bus.emit(conn, SHOP_CREATED, {"shop_id": str(shop.id), "owner_id": str(caller.user_id),
                                                "handle": shop.handle})
            return await _assemble(platform, conn, shop)
    except asyncpg.UniqueViolationError as error:
        raise _handle_taken(error) from None


async def update_shop(platform: Platform, caller: Caller, shop_id: uuid.UUID, changes: dict[str, Any]) -> ShopView:
    """The owner or a manager edits the shop; only the owner changes its handle. Only what is sent
    changes (an object sent, ``location``, ``contact``, ``pickup`` or ``delivery``, replaces the
    whole of it)."""
    values = _flatten(changes)
    if "handle" in values:
        values["handle"] = handles.handle(values["handle"])
    values = _contact(values)
    fees = values.pop("fees", None)
    try:
        async with platform.core.transaction("commerce.shop_update") as conn:
            old = await repository.lock_shop(conn, shop_id)
            role = await staff_role_of(conn, caller.user_id, old)
            if role != "owner" and OWNER_ONLY_FIELDS & values.keys() and values["handle"] != old.handle:
                raise Forbidden("Only the shop's owner can change its handle", code="not_shop_owner")
            new = dataclasses.replace(old, **values)
            changed = [name for name in SHOP_FIELDS if getattr(new, name) != getattr(old, name)]
            old_fees = await repository.delivery_fees(conn, shop_id)
            if fees is not None and fees != old_fees:
                changed.append("delivery_fees")
            if not changed:
                return await _assemble(platform, conn, old)
            if "currency" in changed and await repository.has_products(conn, shop_id):
                raise Conflict.fields("body", {"currency": "A shop's products are priced in its currency: it cannot "
                                                           "change once it has products."},
                                      message="This shop has products priced in its currency",
                                      code="shop_has_products")
            await attachments.attach_fields(conn, owner_id=caller.user_id, purposes=SHOP_IMAGES,
                                            values={name: getattr(new, name) for name in changed if name in SHOP_IMAGES})
            shop = await repository.update_shop(conn, new)
            if "delivery_fees" in changed:
                await repository.replace_delivery_fees(conn, shop_id, fees)
            await bus.emit(conn, SHOP_UPDATED, {"shop_id": str(shop_id), "handle": shop.handle, "fields": changed,
                                                "actor_id": str(caller.user_id)})
            return await _assemble(platform, conn, shop)
    except asyncpg.UniqueViolationError as error:
        raise _handle_taken(error) from None


async def set_state(platform: Platform, caller: Caller, shop_id: uuid.UUID, state: str) -> ShopView:
    """The owner opens or closes the shop; a suspended shop stays suspended (409 ``shop_suspended``)."""
    if state not in OWNER_STATES:
        raise ValueError(f"an owner puts a shop in one of {OWNER_STATES}, not {state!r}")
    async with platform.core.transaction("commerce.shop_state") as conn:
        shop = await repository.lock_shop(conn, shop_id)
        if await staff_role_of(conn, caller.user_id, shop) != "owner":
            raise Forbidden("Only the shop's owner can open or close it", code="not_shop_owner")
        if shop.state not in OWNER_STATES:
            raise Conflict("This shop is suspended; only an operator can lift the suspension", code="shop_suspended",
                           details={"reason": shop.suspended_reason})
        if shop.state != state:
            shop = await _change_state(conn, shop, state, None, caller.user_id)
        return await _assemble(platform, conn, shop)


async def suspend(platform: Platform, operator: Caller, shop_id: uuid.UUID, reason: str) -> ShopView:
    """An operator suspends the shop: hidden from all but its staff, and its owner cannot reopen it."""
    async with platform.core.transaction("commerce.shop_suspend") as conn:
        shop = await repository.lock_shop(conn, shop_id)
        if shop is None:
            raise not_found()
        if shop.state == "suspended":
            raise Conflict("This shop is suspended already", code="shop_suspended",
                           details={"reason": shop.suspended_reason})
        shop = await _change_state(conn, shop, "suspended", reason, operator.user_id)
        return await _assemble(platform, conn, shop)


async def reinstate(platform: Platform, operator: Caller, shop_id: uuid.UUID, reason: str) -> ShopView:
    """An operator lifts a suspension; the shop is left closed, for its owner to open."""
    async with platform.core.transaction("commerce.shop_reinstate") as conn:
        shop = await repository.lock_shop(conn, shop_id)
        if shop is None:
            raise not_found()
        if shop.state != "suspended":
            raise Conflict("This shop is not suspended", code="shop_not_suspended", details={"state": shop.state})
        shop = await _change_state(conn, shop, "closed", reason, operator.user_id)
        return await _assemble(platform, conn, shop)


def delivery_fee(shop: Shop, fees: Sequence[DeliveryFee], region: str) -> int | None:
    """What the shop charges to deliver to ``region`` (its fee for that region, matched in any
    letter case and spacing, else its default fee), in minor units of ``shop.currency``; None if
    it does not deliver there. Checkout adds it to an order."""
    if not shop.delivery:
        return None
    wanted = _region_key(region)
    for fee in fees:
        if _region_key(fee.region) == wanted:
            return fee.fee
    return shop.delivery_default_fee


# the rules shared by the functions above

async def require_visible(conn, viewer_id: uuid.UUID | None, shop: Shop | None) -> None:
    """Raise 404 unless the viewer may see the shop: its staff always; anyone else if it is not
    suspended and they may see its owner's profile (no block either way)."""
    if shop is None:
        raise not_found()
    if viewer_id is not None and await repository.staff_role(conn, shop.id, viewer_id) is not None:
        return
    if shop.state == "suspended":
        raise not_found()
    if not visibility.profile_visible(await visibility.relationship_in(conn, viewer_id, shop.owner_id)):
        raise not_found()


async def staff_role_of(conn, user_id: uuid.UUID, shop: Shop | None) -> str:
    """The user's role on the shop's staff: 404 if they may not see it, 403 ``not_shop_staff`` if
    they may but do not act for it."""
    if shop is None:
        raise not_found()
    role = await repository.staff_role(conn, shop.id, user_id)
    if role is None:
        await require_visible(conn, user_id, shop)
        raise Forbidden("Only the shop's owner and managers can do this", code="not_shop_staff")
    return role


async def _change_state(conn, shop: Shop, state: str, reason: str | None, actor_id: uuid.UUID) -> Shop:
    changed = await repository.set_state(conn, shop.id, state, reason if state == "suspended" else None)
    await bus.emit(conn, SHOP_STATE_CHANGED, {"shop_id": str(shop.id), "handle": shop.handle,
                                              "previous_state": shop.state, "state": state, "reason": reason,
                                              "actor_id": str(actor_id)})
    return changed


async def _assemble(platform: Platform, conn, shop: Shop) -> ShopView:
    owner = await profiles.find(conn, str(shop.owner_id))
    fees = await repository.delivery_fees(conn, shop.id)
    ids = [media_id for media_id in (shop.logo_media_id, shop.cover_media_id) if media_id is not None]
    media = await attachments.attachment_views(platform, ids) if ids else {}
    return ShopView(shop, fees, owner, media)


def _flatten(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The request's objects as the shop's columns: ``location`` (region, city), ``contact``
    (phone, email), ``pickup`` (null: no pickup; else its note), ``delivery`` (null: no delivery;
    else the default fee and the fees by region, as ``fees``)."""
    values = {name: value for name, value in fields.items()
              if name not in ("location", "contact", "pickup", "delivery")}
    if "location" in fields:
        location = fields["location"] or {}
        values |= {"region": location.get("region"), "city": location.get("city")}
    if "contact" in fields:
        contact = fields["contact"] or {}
        values |= {"phone": contact.get("phone"), "email": contact.get("email")}
    if "pickup" in fields:
        pickup = fields["pickup"]
        values |= {"pickup": pickup is not None, "pickup_note": None if pickup is None else pickup.get("note")}
    if "delivery" in fields:
        delivery = fields["delivery"]
        values |= {"delivery": delivery is not None,
                   "delivery_default_fee": None if delivery is None else delivery.get("default_fee"),
                   "fees": [] if delivery is None else [DeliveryFee(f["region"], f["fee"])
                                                        for f in delivery.get("region_fees", [])]}
    return {name: (value.strip() or None) if isinstance(value, str) and name != "handle" else value
            for name, value in values.items()}


def _region_key(region: str) -> str:
    return " ".join(region.split()).casefold()


def _handle_taken(error: asyncpg.UniqueViolationError) -> DomainError:
    if error.constraint_name == "shops_handle_key":
        return Conflict.fields("body", {"handle": "This handle is taken (handles are the same in any letter case)."},
                               message="That handle is taken", code="shop_handle_taken")
    if error.constraint_name == "shop_delivery_fees_region":
        return Invalid.fields("body", {"delivery": {"region_fees": ["A region is named twice."]}},
                              message="A region is named twice")
    raise error
