"""A shop's staff (docs/commerce.md, "Staff"): its owner and the managers the owner adds.

Only the owner adds and removes managers (up to ``MAX_MANAGERS``); a manager may leave on
their own. The owner is never removed. A user blocked either way by the owner cannot be added,
and learns nothing of the shop (404 ``user_not_found``, as a profile).
"""
from __future__ import annotations

import uuid

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import shops_repository as repository
from .events import STAFF_ADDED, STAFF_REMOVED
from .shops import staff_role_of
from .shops_repository import StaffMember

MAX_MANAGERS = 20
ROLES = ("owner", "manager")


async def staff_of(platform: Platform, caller: Caller, shop_id: uuid.UUID) -> list[StaffMember]:
    """The shop's staff, the owner first: for the staff only."""
    async with platform.core.connection() as conn:
        await staff_role_of(conn, caller.user_id, await repository.shop_by_id(conn, shop_id))
        return await repository.staff_of_shop(conn, shop_id)


async def add_manager(platform: Platform, caller: Caller, shop_id: uuid.UUID, user_id: uuid.UUID
                      ) -> tuple[StaffMember, bool]:
    """Make ``user_id`` a manager of the shop; whether this call added them (False: on its staff already)."""
    async with platform.core.transaction("commerce.staff_add") as conn:
        shop = await repository.lock_shop(conn, shop_id)
        if await staff_role_of(conn, caller.user_id, shop) != "owner":
            raise Forbidden("Only the shop's owner can add managers", code="not_shop_owner")
        if user_id != caller.user_id:
            rel = await visibility.relationship_in(conn, caller.user_id, user_id)
            try:
                visibility.require_profile(rel)
            except NotFound as refused:
                raise NotFound.fields("body", {"user_id": refused.message}, message=refused.message,
                                      code=refused.code) from None
            except Forbidden as refused:
                raise Forbidden.fields("body", {"user_id": refused.message}, message=refused.message,
                                       code=refused.code) from None
        existing = await repository.staff_member(conn, shop_id, user_id)
        if existing is not None:
            return existing, False
        if await repository.count_managers(conn, shop_id) >= MAX_MANAGERS:
            raise Conflict(f"This shop has {MAX_MANAGERS} managers, the most it can have", code="too_many_managers",
                           details={"max": MAX_MANAGERS})
        await repository.insert_staff(conn, shop_id=shop_id, user_id=user_id, role="manager", added_by=caller.user_id)
        await bus.emit(conn, STAFF_ADDED, {"shop_id": str(shop_id), "user_id": str(user_id), "role": "manager",
                                           "actor_id": str(caller.user_id)})
        return await repository.staff_member(conn, shop_id, user_id), True


async def remove_manager(platform: Platform, caller: Caller, shop_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The owner removes a manager, or a manager leaves (``user_id`` their own). The owner stays."""
    async with platform.core.transaction("commerce.staff_remove") as conn:
        shop = await repository.lock_shop(conn, shop_id)
        role = await staff_role_of(conn, caller.user_id, shop)
        if role != "owner" and user_id != caller.user_id:
            raise Forbidden("Only the shop's owner can remove managers", code="not_shop_owner")
        if user_id == shop.owner_id:
            raise Invalid("The owner cannot be removed from their shop's staff", code="owner_not_removable")
        if not await repository.delete_manager(conn, shop_id, user_id):
            raise NotFound("No such manager of this shop", code="staff_not_found")
        await bus.emit(conn, STAFF_REMOVED, {"shop_id": str(shop_id), "user_id": str(user_id), "role": "manager",
                                             "actor_id": str(caller.user_id)})
