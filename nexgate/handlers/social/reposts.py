"""Reposts and quotes over REST (docs/social.md, "Reposts and quotes")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import reposts
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .interaction_schemas import RepostPageSchema, QuoteIn, QuoteSchema, RepostSchema
from .schemas import POST_ID

routes = Routes("social")


@routes.post("/api/posts/{post_id}/repost", summary="Repost a post", ids=(POST_ID,), response=RepostSchema,
             status=201, other_statuses=(200,), errors=(404, 409))
async def repost(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """A post of yours (kind `repost`) that shows the original in your followers' feeds. Only a
    public post of a public account (409 `not_repostable`); reposting a repost reposts its
    original. Once per post: reposting again is 200 with the repost there is."""
    found, created = await reposts.repost(request.app[PLATFORM], caller(request), post_id)
    return json_response(RepostSchema, found, 201 if created else 200)


@routes.delete("/api/posts/{post_id}/unrepost", summary="Take back your repost of a post", ids=(POST_ID,),
               response=RepostSchema, errors=(404,))
async def unrepost(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Your plain repost of the post leaves every feed; none changes nothing. A quote is deleted
    as any post of yours is (`DELETE /api/posts/{quote_id}`)."""
    found = await reposts.unrepost(request.app[PLATFORM], caller(request), post_id)
    return json_response(RepostSchema, found)


@routes.post("/api/posts/{post_id}/quote", summary="Quote a post", ids=(POST_ID,), body=QuoteIn,
             response=QuoteSchema, status=201, errors=(404, 409))
async def quote(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """A post of your own (kind `quote`, published at once) with your text, showing the original.
    The same rule as a repost (409 `not_repostable`); mentions as in any post."""
    found = await reposts.quote(request.app[PLATFORM], caller(request), post_id, **body)
    return json_response(QuoteSchema, found, 201)


@routes.get("/api/posts/{post_id}/reposts", summary="A post's reposts and quotes, newest first", ids=(POST_ID,),
            query=PageQuery, response=RepostPageSchema, errors=(404,), auth=OPTIONAL)
async def post_reposts(request: web.Request, *, query: dict, post_id: uuid.UUID) -> web.Response:
    """Those you may see; people you blocked or who blocked you are left out. A page may hold
    fewer than `limit` items; `next_cursor` says whether more follow."""
    page = await reposts.of_post(request.app[PLATFORM], viewer(request), post_id, **query)
    return json_response(RepostPageSchema, page)
