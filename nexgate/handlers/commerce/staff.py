"""A shop's staff: the owner adds and removes managers; a manager may leave."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import staff
from ...domain.commerce.views import staff_member_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import MEMBER_ID, SHOP_ID, StaffAddIn, StaffListSchema, StaffMemberSchema

routes = Routes("commerce")


@routes.get("/api/shops/{shop_id}/staff", summary="A shop's owner and managers", ids=(SHOP_ID,),
            response=StaffListSchema, errors=(403, 404))
async def list_staff(request: web.Request, *, shop_id: uuid.UUID) -> web.Response:
    """For its staff only (403 `not_shop_staff`)."""
    found = await staff.staff_of(request.app[PLATFORM], caller(request), shop_id)
    return json_response(StaffListSchema, {"items": [staff_member_view(member) for member in found]})


@routes.post("/api/shops/{shop_id}/staff", summary="Make a user a manager of your shop", ids=(SHOP_ID,),
             body=StaffAddIn, response=StaffMemberSchema, status=201, other_statuses=(200,), errors=(403, 404, 409))
async def add_manager(request: web.Request, *, body: dict, shop_id: uuid.UUID) -> web.Response:
    """The owner only (403 `not_shop_owner`). Someone on the staff already answers 200 as they
    are. A user who blocked you is 404 `user_not_found`, one you blocked 403 `user_blocked`
    (each naming `user_id`); at most 20 managers (409 `too_many_managers`)."""
    member, added = await staff.add_manager(request.app[PLATFORM], caller(request), shop_id, body["user_id"])
    return json_response(StaffMemberSchema, staff_member_view(member), 201 if added else 200)


@routes.delete("/api/shops/{shop_id}/staff/{user_id}", summary="Remove a manager, or leave a shop's staff",
               ids=(SHOP_ID, MEMBER_ID), status=204, errors=(403, 404))
async def remove_manager(request: web.Request, *, shop_id: uuid.UUID, user_id: uuid.UUID) -> web.Response:
    """The owner removes any manager; a manager removes only themself (403 `not_shop_owner`).
    The owner cannot be removed (422 `owner_not_removable`); 404 `staff_not_found` for someone
    who is no manager of the shop."""
    await staff.remove_manager(request.app[PLATFORM], caller(request), shop_id, user_id)
    return web.Response(status=204)
