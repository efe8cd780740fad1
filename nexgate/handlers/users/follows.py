"""Follows, follow requests and the followers/following lists."""
from __future__ import annotations

from aiohttp import web

from ...domain.users import follows
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, parse_query, viewer
from .schemas import FollowStateSchema, UserPageSchema, list_item, path_user_id

routes = Routes("users")


@routes.post(
    "/api/users/{user_id}/follow", summary="Follow a user, or ask to follow a private account",
    response=FollowStateSchema, status=201, other_statuses=(200,), errors=(403, 404, 422),
    rate_limit="users.follows",
)
async def follow(request: web.Request) -> web.Response:
    """201 when the follow (or request) is new, 200 with the same body when it already existed:
    following twice changes nothing. A private account answers `{"state": "requested"}` until it
    accepts. Following yourself is 422 `cannot_follow_self`; a user who blocked you is 404
    `user_not_found`; a user you blocked is 403 `user_blocked`. Follows and unfollows together:
    `NEXGATE_FOLLOWS_PER_HOUR` (50) an hour (429 `rate_limited`, `details.limit` `users.follows`)."""
    result = await follows.follow(request.app[PLATFORM], caller(request), path_user_id(request))
    return json_response(FollowStateSchema, {"state": result.state}, status=201 if result.created else 200)


@routes.delete("/api/users/{user_id}/unfollow", summary="Unfollow a user, or withdraw a follow request",
               status=204, errors=(404,), rate_limit="users.follows")
async def unfollow(request: web.Request) -> web.Response:
    """404 `not_following` when there is neither a follow nor a pending request."""
    await follows.unfollow(request.app[PLATFORM], caller(request), path_user_id(request))
    return web.Response(status=204)


@routes.get("/api/users/{user_id}/followers", summary="Who follows a user, newest first", query=PageQuery,
            response=UserPageSchema, errors=(403, 404), auth=OPTIONAL)
async def followers(request: web.Request) -> web.Response:
    """A private account's lists are for itself and its followers (403 `private_account`); a
    public account's need no token."""
    query = parse_query(request, PageQuery)
    page = await follows.followers(request.app[PLATFORM], viewer(request), path_user_id(request), **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.get("/api/users/{user_id}/following", summary="Whom a user follows, newest first", query=PageQuery,
            response=UserPageSchema, errors=(403, 404), auth=OPTIONAL)
async def following(request: web.Request) -> web.Response:
    """A private account's lists are for itself and its followers (403 `private_account`); a
    public account's need no token."""
    query = parse_query(request, PageQuery)
    page = await follows.following(request.app[PLATFORM], viewer(request), path_user_id(request), **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.get("/api/follows/requests", summary="Pending requests to follow you, newest first", query=PageQuery,
            response=UserPageSchema)
async def requests(request: web.Request) -> web.Response:
    query = parse_query(request, PageQuery)
    page = await follows.requests(request.app[PLATFORM], caller(request), **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.post("/api/follows/{requester_id}/accept", summary="Accept a request to follow you", status=204,
             errors=(404,))
async def accept(request: web.Request) -> web.Response:
    """The path names the requester. 404 `follow_request_not_found` unless they asked to follow you."""
    await follows.accept(request.app[PLATFORM], caller(request), path_user_id(request, "requester_id"))
    return web.Response(status=204)


@routes.post("/api/follows/{requester_id}/decline", summary="Decline a request to follow you", status=204,
             errors=(404,))
async def decline(request: web.Request) -> web.Response:
    """The requester is not told. 404 `follow_request_not_found` unless they asked to follow you."""
    await follows.decline(request.app[PLATFORM], caller(request), path_user_id(request, "requester_id"))
    return web.Response(status=204)


@routes.post("/api/follows/requests/{requester_id}/accept", summary="Accept a request to follow you (same as "
             "POST /api/follows/{requester_id}/accept)", status=204, errors=(404,))
async def accept_request(request: web.Request) -> web.Response:
    return await accept(request)


@routes.post("/api/follows/requests/{requester_id}/decline", summary="Decline a request to follow you (same as "
             "POST /api/follows/{requester_id}/decline)", status=204, errors=(404,))
async def decline_request(request: web.Request) -> web.Response:
    return await decline(request)
