"""Tags on a post's images (docs/social.md, "Image tags")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import access, image_tags
from ...keys import PLATFORM
from ..routing import OPTIONAL, PathId, Routes, caller, json_response, viewer
from .image_tag_schemas import ImageTagIn, ImageTagListSchema, ImageTagSchema

routes = Routes("social")

POST_ID = PathId("post_id", lambda raw: access.post_not_found())
MEDIA_ID = PathId("media_id", lambda raw: image_tags.media_not_found())
TAG_ID = PathId("tag_id", lambda raw: image_tags.tag_not_found())


@routes.post("/api/posts/{post_id}/media/{media_id}/tags", summary="Tag a user, product or shop on an image",
             ids=(POST_ID, MEDIA_ID), body=ImageTagIn, response=ImageTagSchema, status=201,
             errors=(403, 404, 409))
async def add_tag(request: web.Request, *, body: dict, post_id: uuid.UUID, media_id: uuid.UUID) -> web.Response:
    """The post's authors (403 `not_post_author`; an invited co-author who has not accepted: 403
    `collaboration_not_accepted`), on one of a published post's images (404 `media_not_found`;
    a video: 422 `not_an_image`; a post not published: 409 `post_not_published`). `x` and `y`
    are percentages 0 to 100. A user you may not reach is 404 `user_not_found` (they blocked
    you) or 403 `user_blocked` (you blocked them); a product or shop you may not see 404. One
    tag per user, product or shop on an image (409 `already_tagged`), at most 20 tags (409
    `too_many_tags`). The tagged user, or the shop's owner, is told."""
    found = await image_tags.add(request.app[PLATFORM], caller(request), post_id, media_id, **body)
    return json_response(ImageTagSchema, found, 201)


@routes.delete("/api/posts/{post_id}/media/{media_id}/tags/{tag_id}", summary="Remove a tag from an image",
               ids=(POST_ID, MEDIA_ID, TAG_ID), status=204, errors=(403, 404))
async def remove_tag(request: web.Request, *, post_id: uuid.UUID, media_id: uuid.UUID,
                     tag_id: uuid.UUID) -> web.Response:
    """The post's authors, any tag of the image (404 `tag_not_found`)."""
    await image_tags.remove(request.app[PLATFORM], caller(request), post_id, media_id, tag_id)
    return web.Response(status=204)


@routes.get("/api/posts/{post_id}/media/{media_id}/tags", summary="An image's tags", ids=(POST_ID, MEDIA_ID),
            response=ImageTagListSchema, errors=(404,), auth=OPTIONAL)
async def list_tags(request: web.Request, *, post_id: uuid.UUID, media_id: uuid.UUID) -> web.Response:
    """Whoever may see the post (no token needed for a public one), oldest first. A tag of
    someone blocked either way with you, or of a product or shop you may not see, is left out."""
    found = await image_tags.tags_of_image(request.app[PLATFORM], viewer(request), post_id, media_id)
    return json_response(ImageTagListSchema, {"items": found})
