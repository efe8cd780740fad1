"""Profiles: the caller's own account, other users' profiles, their stats."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.auth.accounts import account_view, get_account
from ...domain.users import profiles
from ...keys import PLATFORM
from ..auth.schemas import AccountSchema
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .schemas import USER_ID, ProfileSchema, ProfileUpdateSchema, StatsSchema

routes = Routes("users")


@routes.get("/api/users/me", summary="The caller's own account (the only view with email and phone)", response=AccountSchema)
async def me(request: web.Request) -> web.Response:
    account = await get_account(request.app[PLATFORM], caller(request))
    return json_response(AccountSchema, account_view(account))


@routes.get(
    "/api/users/{user_id}", summary="A user's profile, by id or by username", response=ProfileSchema,
    errors=(403, 404), auth=OPTIONAL,
)
async def get_profile(request: web.Request) -> web.Response:
    """The path segment is an id (a UUID) or a username in any letter case. A user who blocked
    the caller answers 404 `user_not_found`, as if they did not exist; a user the caller blocked
    answers 403 `user_blocked`. A private account the caller does not follow shows its header
    with `content_visible` false. Without a token it answers as to someone who follows no one."""
    view = await profiles.get_profile(request.app[PLATFORM], viewer(request), request.match_info["user_id"])
    return json_response(ProfileSchema, profiles.profile_view(view))


@routes.patch(
    "/api/users/{user_id}", summary="Edit your profile", body=ProfileUpdateSchema, ids=(USER_ID,),
    response=ProfileSchema, errors=(403, 404, 409),
)
async def update_profile(request: web.Request, *, body: dict, user_id: uuid.UUID) -> web.Response:
    """Owner only (403 `not_profile_owner`). A taken username answers 409 `username_taken`, a
    second change within 30 days 409 `username_change_too_soon`, a reserved one 422. Making the
    account public accepts every pending follow request."""
    view = await profiles.update_profile(request.app[PLATFORM], caller(request), user_id, body)
    return json_response(ProfileSchema, profiles.profile_view(view))


@routes.get("/api/users/{user_id}/stats", summary="A user's posts, followers, following and likes received",
            ids=(USER_ID,), response=StatsSchema, errors=(403, 404), auth=OPTIONAL)
async def stats(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """Without a token, as to someone who follows no one."""
    profile = await profiles.get_stats(request.app[PLATFORM], viewer(request), user_id)
    return json_response(StatsSchema, profiles.stats_view(profile))
