"""Likes of posts and comments over REST (docs/social.md, "Likes")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import comments, likes
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, PathId, Routes, caller, json_response, viewer
from ..users.schemas import UserPageSchema, list_item
from .interaction_schemas import CommentLikeSchema, PostLikeSchema
from .schemas import POST_ID

routes = Routes("social")

COMMENT_ID = PathId("comment_id", lambda raw: comments.comment_not_found())


@routes.post("/api/posts/{post_id}/like", summary="Like a post", ids=(POST_ID,), response=PostLikeSchema,
             errors=(404,), rate_limit="social.likes")
async def like_post(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Anyone who may see the post (404 `post_not_found` otherwise). Liking again is no error and
    counts once: the answer is the current state, with the post's likes counted exactly."""
    found = await likes.like_post(request.app[PLATFORM], caller(request), post_id)
    return json_response(PostLikeSchema, found)


@routes.delete("/api/posts/{post_id}/unlike", summary="Take back your like of a post", ids=(POST_ID,),
               response=PostLikeSchema, errors=(404,), rate_limit="social.likes")
async def unlike_post(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Unliking a post you do not like changes nothing and answers the current state."""
    found = await likes.unlike_post(request.app[PLATFORM], caller(request), post_id)
    return json_response(PostLikeSchema, found)


@routes.get("/api/posts/{post_id}/likes", summary="Who liked a post, newest first", ids=(POST_ID,),
            query=PageQuery, response=UserPageSchema, errors=(404,), auth=OPTIONAL)
async def post_likers(request: web.Request, *, query: dict, post_id: uuid.UUID) -> web.Response:
    """`since` is when they liked it. People you blocked or who blocked you are left out. No token
    needed for a public post."""
    page = await likes.post_likers(request.app[PLATFORM], viewer(request), post_id, **query)
    return json_response(UserPageSchema, page.map(list_item))


@routes.post("/api/comments/{comment_id}/like", summary="Like a comment", ids=(COMMENT_ID,),
             response=CommentLikeSchema, errors=(404, 409), rate_limit="social.likes")
async def like_comment(request: web.Request, *, comment_id: uuid.UUID) -> web.Response:
    """Anyone who may see the comment's post; a deleted comment is 409 `comment_deleted`. Liking
    again counts once and answers the current state."""
    found = await likes.like_comment(request.app[PLATFORM], caller(request), comment_id)
    return json_response(CommentLikeSchema, found)


@routes.delete("/api/comments/{comment_id}/unlike", summary="Take back your like of a comment",
               ids=(COMMENT_ID,), response=CommentLikeSchema, errors=(404, 409), rate_limit="social.likes")
async def unlike_comment(request: web.Request, *, comment_id: uuid.UUID) -> web.Response:
    found = await likes.unlike_comment(request.app[PLATFORM], caller(request), comment_id)
    return json_response(CommentLikeSchema, found)


@routes.get("/api/comments/{comment_id}/likes", summary="Who liked a comment, newest first", ids=(COMMENT_ID,),
            query=PageQuery, response=UserPageSchema, errors=(404,), auth=OPTIONAL)
async def comment_likers(request: web.Request, *, query: dict, comment_id: uuid.UUID) -> web.Response:
    page = await likes.comment_likers(request.app[PLATFORM], viewer(request), comment_id, **query)
    return json_response(UserPageSchema, page.map(list_item))
