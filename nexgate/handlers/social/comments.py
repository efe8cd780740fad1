"""Comments and replies over REST (docs/social.md, "Comments")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import comments, interaction_views
from ...keys import PLATFORM
from ...pagination import Page, PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .interaction_schemas import CommentIn, CommentPageSchema, CommentSchema
from .likes import COMMENT_ID
from .schemas import POST_ID

routes = Routes("social")


async def _one(request: web.Request, found, status: int = 200) -> web.Response:
    liked = await comments.liked_by(request.app[PLATFORM], viewer(request), [found.id])
    return json_response(CommentSchema, interaction_views.comment(found, liked=found.id in liked), status)


async def _page(request: web.Request, page: Page) -> web.Response:
    liked = await comments.liked_by(request.app[PLATFORM], viewer(request), [c.id for c in page.items])
    return json_response(CommentPageSchema, page.map(lambda c: interaction_views.comment(c, liked=c.id in liked)))


@routes.post("/api/posts/{post_id}/comments", summary="Comment on a post", ids=(POST_ID,), body=CommentIn,
             response=CommentSchema, status=201, errors=(404,), rate_limit="social.comments")
async def create_comment(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """Anyone who may see the post (404 `post_not_found`: also when a block stands between you and
    one of its authors). Plain text up to 2000 characters; @mentions become entities, and a
    mention of someone you may not reach is 422 `mention_not_allowed`."""
    found = await comments.create(request.app[PLATFORM], caller(request), post_id, **body)
    return await _one(request, found, 201)


@routes.get("/api/posts/{post_id}/comments", summary="A post's comments, oldest first", ids=(POST_ID,),
            query=PageQuery, response=CommentPageSchema, errors=(404,), auth=OPTIONAL)
async def post_comments(request: web.Request, *, query: dict, post_id: uuid.UUID) -> web.Response:
    """The comments on the post itself (their replies: `GET /api/comments/{id}/replies`), each with
    its `replies_count`. A deleted comment keeps its place without its text. Comments of people you
    blocked or who blocked you are left out."""
    page = await comments.of_post(request.app[PLATFORM], viewer(request), post_id, **query)
    return await _page(request, page)


@routes.get("/api/comments/{comment_id}", summary="A comment", ids=(COMMENT_ID,), response=CommentSchema,
            errors=(404,), auth=OPTIONAL)
async def get_comment(request: web.Request, *, comment_id: uuid.UUID) -> web.Response:
    found = await comments.get(request.app[PLATFORM], viewer(request), comment_id)
    return await _one(request, found)


@routes.patch("/api/comments/{comment_id}", summary="Edit your comment", ids=(COMMENT_ID,), body=CommentIn,
              response=CommentSchema, errors=(403, 404, 409))
async def edit_comment(request: web.Request, *, body: dict, comment_id: uuid.UUID) -> web.Response:
    """Its author only (403 `not_your_comment`); a deleted comment is 409 `comment_deleted`.
    `edited_at` says when; the users it newly mentions are told."""
    found = await comments.edit(request.app[PLATFORM], caller(request), comment_id, **body)
    return await _one(request, found)


@routes.delete("/api/comments/{comment_id}", summary="Delete your comment", ids=(COMMENT_ID,), status=204,
               errors=(403, 404))
async def delete_comment(request: web.Request, *, comment_id: uuid.UUID) -> web.Response:
    """Its author only (403 `not_your_comment`). Soft: it keeps its place and its replies, shows no
    text, and leaves the post's `comments_count`. Deleting it again changes nothing."""
    await comments.delete(request.app[PLATFORM], caller(request), comment_id)
    return web.Response(status=204)


@routes.post("/api/comments/{comment_id}/reply", summary="Reply to a comment", ids=(COMMENT_ID,), body=CommentIn,
             response=CommentSchema, status=201, errors=(404, 409), rate_limit="social.comments")
async def reply(request: web.Request, *, body: dict, comment_id: uuid.UUID) -> web.Response:
    """Replies nest at most 2 deep: a reply to a reply of a reply (depth 2) is 422 `reply_too_deep`;
    a deleted comment takes no replies (409 `comment_deleted`)."""
    found = await comments.reply(request.app[PLATFORM], caller(request), comment_id, **body)
    return await _one(request, found, 201)


@routes.get("/api/comments/{comment_id}/replies", summary="A comment's replies, oldest first", ids=(COMMENT_ID,),
            query=PageQuery, response=CommentPageSchema, errors=(404,), auth=OPTIONAL)
async def replies(request: web.Request, *, query: dict, comment_id: uuid.UUID) -> web.Response:
    page = await comments.replies(request.app[PLATFORM], viewer(request), comment_id, **query)
    return await _page(request, page)
