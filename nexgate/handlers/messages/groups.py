"""Group conversations: members, leaving, name, admins."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.messages import groups
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import CONVERSATION_ID, MEMBER_ID, ConversationSchema, GroupUpdateSchema, MembersAddSchema

routes = Routes("messages")


@routes.post("/api/conversations/{conversation_id}/members", ids=(CONVERSATION_ID,), summary="Add members to a group",
             body=MembersAddSchema, response=ConversationSchema, errors=(403, 404))
async def add_members(request: web.Request, *, body: dict, conversation_id: uuid.UUID) -> web.Response:
    """Owner and admins (403 `not_group_admin`). New members see the messages sent from now on.
    Only people you may message can be added (404 `user_not_found`, 403 `user_blocked`,
    403 `messages_restricted`); nobody is added if one of them cannot be."""
    view = await groups.add_members(request.app[PLATFORM], caller(request), conversation_id, body["user_ids"])
    return json_response(ConversationSchema, view)


@routes.delete("/api/conversations/{conversation_id}/members/{user_id}", summary="Remove a member, or leave",
               ids=(CONVERSATION_ID, MEMBER_ID), status=204, errors=(403, 404))
async def remove_member(request: web.Request, *, conversation_id: uuid.UUID, user_id: uuid.UUID) -> web.Response:
    """Your own id: you leave (you keep reading the history up to now). Someone else's: owner
    and admins remove members; only the owner removes admins."""
    await groups.remove_member(request.app[PLATFORM], caller(request), conversation_id,
                               user_id)
    return web.Response(status=204)


@routes.post("/api/conversations/{conversation_id}/leave", summary="Leave a group", ids=(CONVERSATION_ID,),
             status=204, errors=(403, 404))
async def leave(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    """An owner who leaves hands the group to the longest-standing admin, else member."""
    me = caller(request)
    await groups.remove_member(request.app[PLATFORM], me, conversation_id, me.user_id)
    return web.Response(status=204)


@routes.patch("/api/conversations/{conversation_id}", summary="Rename a group", body=GroupUpdateSchema,
              ids=(CONVERSATION_ID,), response=ConversationSchema, errors=(403, 404))
async def rename(request: web.Request, *, body: dict, conversation_id: uuid.UUID) -> web.Response:
    view = await groups.rename(request.app[PLATFORM], caller(request), conversation_id, body["name"])
    return json_response(ConversationSchema, view)


@routes.post("/api/conversations/{conversation_id}/admins/{user_id}", summary="Make a member an admin",
             ids=(CONVERSATION_ID, MEMBER_ID), response=ConversationSchema, errors=(403, 404))
async def add_admin(request: web.Request, *, conversation_id: uuid.UUID, user_id: uuid.UUID) -> web.Response:
    """The owner only (403 `not_group_owner`)."""
    return await _set_admin(request, conversation_id, user_id, True)


@routes.delete("/api/conversations/{conversation_id}/admins/{user_id}", summary="Make an admin a member again",
               ids=(CONVERSATION_ID, MEMBER_ID), response=ConversationSchema, errors=(403, 404))
async def remove_admin(request: web.Request, *, conversation_id: uuid.UUID, user_id: uuid.UUID) -> web.Response:
    return await _set_admin(request, conversation_id, user_id, False)


async def _set_admin(request: web.Request, conversation_id: uuid.UUID, user_id: uuid.UUID, admin: bool) -> web.Response:
    view = await groups.set_admin(request.app[PLATFORM], caller(request), conversation_id,
                                  user_id, admin)
    return json_response(ConversationSchema, view)
