"""Posts over REST: writing one and reading one (docs/social.md, "Posts", "Visibility")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import posts
from ...keys import PLATFORM
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .schemas import POST_ID, PostIn, PostSchema

routes = Routes("social")


@routes.post("/api/posts", summary="Write a post (published now, or saved as a draft)", body=PostIn,
             response=PostSchema, status=201, rate_limit="social.posts", errors=(403, 404, 409))
async def create_post(request: web.Request, *, body: dict) -> web.Response:
    """Text up to 5000 characters, stored as typed; its links, `@mentions`, `$shop` mentions and
    `#hashtags` come back as `entities` (offsets in code points). A mention of someone you may not
    reach (who blocked you, or whom you blocked) is 422 `mention_not_allowed` naming `text`; a
    post with neither text nor media is 422 `post_empty`. Media must be your own, ready, uploaded
    with purpose `post` (else 404 `media_not_found`, 403 `media_not_owned`, 422
    `media_purpose_mismatch`, 409 `media_not_ready`, each naming `media_ids`)."""
    found = await posts.create_post(request.app[PLATFORM], caller(request), body)
    return json_response(PostSchema, found, 201)


@routes.get("/api/posts/{post_id}", summary="A post", ids=(POST_ID,), response=PostSchema, auth=OPTIONAL)
async def get_post(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Public posts without signing in; a post you may not see (followers-only and you do not
    follow, private and you are not mentioned, a private account you do not follow, a block
    either way, someone else's draft, deleted) is 404 `post_not_found`, as if it did not exist."""
    signed_in = viewer(request)
    found = await posts.get_post(request.app[PLATFORM], None if signed_in is None else signed_in.user_id, post_id)
    return json_response(PostSchema, found)
