"""Profiles: the caller's own account, other users' profiles, their stats."""
from __future__ import annotations

from aiohttp import web

from ...domain.auth.accounts import account_view, get_account
from ...keys import PLATFORM
from ..auth.schemas import AccountSchema
from ..routing import Routes, caller, json_response

routes = Routes("users")


@routes.get("/api/users/me", summary="The caller's own account (the only view with email and phone)", response=AccountSchema)
async def me(request: web.Request) -> web.Response:
    account = await get_account(request.app[PLATFORM], caller(request))
    return json_response(AccountSchema, account_view(account))
