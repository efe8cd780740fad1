"""Follows, follow requests and the followers/following lists."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.users import follows
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .schemas import REQUESTER_ID, USER_ID, FollowStateSchema, UserPageSchema, list_item

routes = Routes("users")


@routes.post(
    "/api/users/{user_id}/follow", summary="Follow a user, or ask to follow a private account",
    ids=(USER_ID,), response=FollowStateSchema, status=201, other_statuses=(200,), errors=(403, 404, 422),
    rate_limit="users.follows",
)
async def follow(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """201 when the follow (or request) is new, 200 with the same body when it already existed:
    following twice changes nothing. A private account answers `{"state": "requested"}` until it
    accepts. Following yourself is 422 `cannot_follow_self`; a user who blocked you is 404
    `user_not_found`; a user you blocked is 403 `user_blocked`. Follows and unfollows together:
    `NEXGATE_FOLLOWS_PER_HOUR` (50) an hour (429 `rate_limited`, `details.limit` `users.follows`)."""
    result = await follows.follow(request.app[PLATFORM], caller(request), user_id)
    return json_response(FollowStateSchema, {"state": result.state}, status=201 if result.created else 200)


@routes.delete("/api/users/{user_id}/unfollow", summary="Unfollow a user, or withdraw a follow request",
               ids=(USER_ID,), status=204, errors=(404,), rate_limit="users.follows")
async def unfollow(request: web.Request, *, user_id: uuid.UUID) -> web.Response:
    """404 `not_following` when there is neither a follow nor a pending request."""
    await follows.unfollow(request.app[PLATFORM], caller(request), user_id)
    return web.Response(status=204)


@routes.get("/api/users/{user_id}/followers", summary="Who follows a user, newest first", query=PageQuery,
            ids=(USER_ID,), response=UserPageSchema, errors=(403, 404), auth=OPTIONAL)
async def followers(request: web.Request, *, query: dict, user_id: uuid.UUID) -> web.Response:
    """A private account's lists are for itself and its followers (403 `private_account`); a
    public account's need no token."""
    page = await follows.followers(request.app[PLATFORM], viewer(request), user_id, **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.get("/api/users/{user_id}/following", summary="Whom a user follows, newest first", query=PageQuery,
            ids=(USER_ID,), response=UserPageSchema, errors=(403, 404), auth=OPTIONAL)
async def following(request: web.Request, *, query: dict, user_id: uuid.UUID) -> web.Response:
    """A private account's lists are for itself and its followers (403 `private_account`); a
    public account's need no token."""
    page = await follows.following(request.app[PLATFORM], viewer(request), user_id, **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.get("/api/follows/requests", summary="Pending requests to follow you, newest first", query=PageQuery,
            response=UserPageSchema)
async def requests(request: web.Request, *, query: dict) -> web.Response:
    page = await follows.requests(request.app[PLATFORM], caller(request), **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.post("/api/follows/{requester_id}/accept", summary="Accept a request to follow you", status=204,
             ids=(REQUESTER_ID,), errors=(404,))
async def accept(request: web.Request, *, requester_id: uuid.UUID) -> web.Response:
    """The path names the requester. 404 `follow_request_not_found` unless they asked to follow you."""
    await follows.accept(request.app[PLATFORM], caller(request), requester_id)
    return web.Response(status=204)


@routes.post("/api/follows/{requester_id}/decline", summary="Decline a request to follow you", status=204,
             ids=(REQUESTER_ID,), errors=(404,))
async def decline(request: web.Request, *, requester_id: uuid.UUID) -> web.Response:
    """The requester is not told. 404 `follow_request_not_found` unless they asked to follow you."""
    await follows.decline(request.app[PLATFORM], caller(request), requester_id)
    return web.Response(status=204)


@routes.post("/api/follows/requests/{requester_id}/accept", summary="Accept a request to follow you (same as "
             "POST /api/follows/{requester_id}/accept)", ids=(REQUESTER_ID,), status=204, errors=(404,))
async def accept_request(request: web.Request, *, requester_id: uuid.UUID) -> web.Response:
    return await accept(request, requester_id=requester_id)


@routes.post("/api/follows/requests/{requester_id}/decline", summary="Decline a request to follow you (same as "
             "POST /api/follows/{requester_id}/decline)", ids=(REQUESTER_ID,), status=204, errors=(404,))
async def decline_request(request: web.Request, *, requester_id: uuid.UUID) -> web.Response:
    return await decline(request, requester_id=requester_id)
