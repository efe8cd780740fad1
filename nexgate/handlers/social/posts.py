"""Posts over REST: writing, drafts, publishing and scheduling, reading, editing with its
history, deleting (docs/social.md, "Posts", "Visibility", "Drafts and scheduling", "Editing and deleting")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import editing, posts, publishing
from ...domain.social.views import post_edit_view
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .schemas import POST_ID, PostEditIn, PostEditPageSchema, PostIn, PostPageSchema, PostSchema, PublishIn

routes = Routes("social")
_AUTHOR_ERRORS = (403, 404, 409)


def _viewer_id(request: web.Request) -> uuid.UUID | None:
    signed_in = viewer(request)
    return None if signed_in is None else signed_in.user_id


@routes.post("/api/posts", summary="Write a post (published now, scheduled, or saved as a draft)", body=PostIn,
             response=PostSchema, status=201, rate_limit="social.posts", errors=(403, 404, 409))
async def create_post(request: web.Request, *, body: dict) -> web.Response:
    """Text up to 5000 characters, stored as typed; its links, `@mentions`, `$shop` mentions and
    `#hashtags` come back as `entities` (offsets in code points). A mention of someone you may not
    reach (who blocked you, or whom you blocked) is 422 `mention_not_allowed` naming `text`; a
    post with neither text, media, embeds nor a poll is 422 `post_empty`. Media must be your own,
    ready, uploaded with purpose `post` (else 404 `media_not_found`, 403 `media_not_owned`, 422
    `media_purpose_mismatch`, 409 `media_not_ready`, each naming `media_ids`). An embed that does
    not exist or is not published is 422 `embed_not_available` naming `embeds.N.id`. A poll has 2
    to 10 options. `scheduled_at` and `poll.expires_at` must be in the future (422
    `not_in_future`). Inviting yourself is 422 `cannot_invite_self`; a collaborator you may not
    reach is 422 `collaborator_not_allowed` (`details.user_ids`); with invites pending, publishing leaves the post
    `pending_collaboration` until each is answered."""
    found = await posts.create_post(request.app[PLATFORM], caller(request), body)
    return json_response(PostSchema, found, 201)


@routes.get("/api/posts/drafts", summary="Your drafts, scheduled posts and posts awaiting co-authors",
            query=PageQuery, response=PostPageSchema)
async def drafts(request: web.Request, *, query: dict) -> web.Response:
    """Newest first, cursor-paged."""
    page = await posts.drafts(request.app[PLATFORM], caller(request), **query)
    return json_response(PostPageSchema, page)


@routes.get("/api/posts/{post_id}", summary="A post", ids=(POST_ID,), response=PostSchema, auth=OPTIONAL)
async def get_post(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Public posts without signing in; a post you may not see (followers-only and you do not
    follow, private and you are not mentioned, a private account you do not follow, a block
    either way, someone else's draft, deleted) is 404 `post_not_found`, as if it did not exist."""
    return json_response(PostSchema, await posts.get_post(request.app[PLATFORM], _viewer_id(request), post_id))


@routes.post("/api/posts/{post_id}/publish", summary="Publish a draft or scheduled post now, or schedule it",
             ids=(POST_ID,), body=PublishIn, body_optional=True, response=PostSchema, errors=_AUTHOR_ERRORS)
async def publish(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """Any of its authors. Published already: 409 `post_already_published`; waiting for its
    co-authors: 409 `post_pending_collaboration`; someone else's post you may see: 403
    `not_post_author`. `scheduled_at` in the past is 422 `not_in_future`."""
    platform, who = request.app[PLATFORM], caller(request)
    await publishing.publish(platform, who, post_id, posts.future(body.get("scheduled_at"), "scheduled_at"))
    return json_response(PostSchema, await posts.get_post(platform, who.user_id, post_id))


@routes.patch("/api/posts/{post_id}", summary="Edit a post", ids=(POST_ID,), body=PostEditIn, response=PostSchema,
              errors=_AUTHOR_ERRORS)
async def edit_post(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """Any of its authors (403 `not_post_author` for anyone else who may see it, 404
    `post_not_found` for who may not). Only what is sent changes; each edit keeps the version it
    replaced (`GET /api/posts/{post_id}/edits`) and counts in `edits_count`. The same checks as
    writing a post."""
    platform, who = request.app[PLATFORM], caller(request)
    await editing.edit_post(platform, who, post_id, body)
    return json_response(PostSchema, await posts.get_post(platform, who.user_id, post_id))


@routes.delete("/api/posts/{post_id}", summary="Delete a post", ids=(POST_ID,), status=204, errors=(403, 404))
async def delete_post(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Any of its authors (403 `not_post_author`, 404 `post_not_found` as for editing). Soft: the
    post is shown to no one again, leaves every feed and its authors' posts counts."""
    await editing.delete_post(request.app[PLATFORM], caller(request), post_id)
    return web.Response(status=204)


@routes.get("/api/posts/{post_id}/edits", summary="A post's edit history", ids=(POST_ID,), query=PageQuery,
            response=PostEditPageSchema, auth=OPTIONAL)
async def edits(request: web.Request, *, query: dict, post_id: uuid.UUID) -> web.Response:
    """The versions its edits replaced, oldest first, to whoever may see the post."""
    page = await editing.edits(request.app[PLATFORM], _viewer_id(request), post_id, **query)
    return json_response(PostEditPageSchema, page.map(post_edit_view))
