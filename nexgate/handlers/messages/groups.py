"""Group conversations: members, leaving, name, admins."""
from __future__ import annotations

from aiohttp import web

from ...domain.messages import groups
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response, parse_json
from .schemas import ConversationSchema, GroupUpdateSchema, MembersAddSchema, conversation_id, member_id

routes = Routes("messages")


@routes.post("/api/conversations/{conversation_id}/members", summary="Add members to a group",
             body=MembersAddSchema, response=ConversationSchema, errors=(403, 404))
async def add_members(request: web.Request) -> web.Response:
    """Owner and admins (403 `not_group_admin`). New members see the messages sent from now on.
    Only people you may message can be added (404 `user_not_found`, 403 `user_blocked`,
    403 `messages_restricted`); nobody is added if one of them cannot be."""
    body = await parse_json(request, MembersAddSchema)
    view = await groups.add_members(request.app[PLATFORM], caller(request), conversation_id(request), body["user_ids"])
    return json_response(ConversationSchema, view)


@routes.delete("/api/conversations/{conversation_id}/members/{user_id}", summary="Remove a member, or leave",
               status=204, errors=(403, 404))
async def remove_member(request: web.Request) -> web.Response:
    """Your own id: you leave (you keep reading the history up to now). Someone else's: owner
    and admins remove members; only the owner removes admins."""
    await groups.remove_member(request.app[PLATFORM], caller(request), conversation_id(request),
                               member_id(request))
    return web.Response(status=204)


@routes.post("/api/conversations/{conversation_id}/leave", summary="Leave a group", status=204, errors=(403, 404))
async def leave(request: web.Request) -> web.Response:
    """An owner who leaves hands the group to the longest-standing admin, else member."""
    me = caller(request)
    await groups.remove_member(request.app[PLATFORM], me, conversation_id(request), me.user_id)
    return web.Response(status=204)


@routes.patch("/api/conversations/{conversation_id}", summary="Rename a group", body=GroupUpdateSchema,
              response=ConversationSchema, errors=(403, 404))
async def rename(request: web.Request) -> web.Response:
    body = await parse_json(request, GroupUpdateSchema)
    view = await groups.rename(request.app[PLATFORM], caller(request), conversation_id(request), body["name"])
    return json_response(ConversationSchema, view)


@routes.post("/api/conversations/{conversation_id}/admins/{user_id}", summary="Make a member an admin",
             response=ConversationSchema, errors=(403, 404))
async def add_admin(request: web.Request) -> web.Response:
    """The owner only (403 `not_group_owner`)."""
    return await _set_admin(request, True)


@routes.delete("/api/conversations/{conversation_id}/admins/{user_id}", summary="Make an admin a member again",
               response=ConversationSchema, errors=(403, 404))
async def remove_admin(request: web.Request) -> web.Response:
    return await _set_admin(request, False)


async def _set_admin(request: web.Request, admin: bool) -> web.Response:
    view = await groups.set_admin(request.app[PLATFORM], caller(request), conversation_id(request),
                                  member_id(request), admin)
    return json_response(ConversationSchema, view)
