"""Blocks and mutes."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.users import blocks
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import Routes, caller, json_response
from .schemas import USER_ID, UserPageSchema, list_item

routes = Routes("blocks")


@routes.post("/api/users/{user_id}/block", summary="Block a user", status=204, ids=(USER_ID,), errors=(404, 422))
async def block(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """Removes the follows and follow requests between you, both ways. From then on neither of
    you sees the other's profile or content, and neither can follow, message, mention or tag
    the other. They are not told. Blocking twice changes nothing."""
    await blocks.block(request.app[PLATFORM], caller(request), user_id)
    return web.Response(status=204)


@routes.delete("/api/users/{user_id}/unblock", summary="Unblock a user", status=204, ids=(USER_ID,), errors=(404,))
async def unblock(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """Follows the block removed are not restored. 404 `not_blocked` if you had not blocked them."""
    await blocks.unblock(request.app[PLATFORM], caller(request), user_id)
    return web.Response(status=204)


@routes.delete("/api/users/{user_id}/block", summary="Unblock a user (same as DELETE /api/users/{user_id}/unblock)",
               status=204, ids=(USER_ID,), errors=(404,))
async def delete_block(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    return await unblock(request, user_id=user_id)


@routes.post("/api/users/{user_id}/mute", summary="Mute a user", status=204, ids=(USER_ID,), errors=(404, 422))
async def mute(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """Their posts leave your feeds; you still follow them and can open their profile. They are
    not told. Muting twice changes nothing."""
    await blocks.mute(request.app[PLATFORM], caller(request), user_id)
    return web.Response(status=204)


@routes.delete("/api/users/{user_id}/unmute", summary="Unmute a user", status=204, ids=(USER_ID,), errors=(404,))
async def unmute(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """404 `not_muted` if you had not muted them."""
    await blocks.unmute(request.app[PLATFORM], caller(request), user_id)
    return web.Response(status=204)


@routes.delete("/api/users/{user_id}/mute", summary="Unmute a user (same as DELETE /api/users/{user_id}/unmute)",
               status=204, ids=(USER_ID,), errors=(404,))
async def delete_mute(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    return await unmute(request, user_id=user_id)


@routes.get("/api/users/blocked", summary="The users you blocked, most recent first", query=PageQuery,
            response=UserPageSchema)
async def blocked(request: web.Request, *, query: dict) -> web.Response:
    page = await blocks.blocked(request.app[PLATFORM], caller(request), **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.get("/api/users/muted", summary="The users you muted, most recent first", query=PageQuery,
            response=UserPageSchema)
async def muted(request: web.Request, *, query: dict) -> web.Response:
    page = await blocks.muted(request.app[PLATFORM], caller(request), **query)
    return json_response(UserPageSchema, page.map(list_item))
