"""Bookmarks and their collections over REST (docs/social.md, "Bookmarks"): only your own."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import bookmarks, interaction_views
from ...errors import NotFound
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import PathId, Routes, caller, json_response
from .interaction_schemas import (BookmarkIn, BookmarkPageSchema, BookmarkSchema, BookmarksQuery, CollectionIn,
                                  CollectionPageSchema, CollectionPatch, CollectionSchema, MoveIn)
from .schemas import POST_ID

routes = Routes("social")

COLLECTION_ID = PathId("collection_id", lambda raw: bookmarks.collection_not_found())
BOOKMARKED_POST_ID = PathId("post_id", lambda raw: NotFound("You have not bookmarked this post",
                                                            code="bookmark_not_found"))


async def _shown(request: web.Request, found) -> dict:
    posts = await bookmarks.posts_shown(request.app[PLATFORM], caller(request), [found.post_id])
    return interaction_views.bookmark(found, posts.get(found.post_id))


@routes.post("/api/posts/{post_id}/bookmark", summary="Bookmark a post", ids=(POST_ID,), body=BookmarkIn,
             body_optional=True, response=BookmarkSchema, status=201, other_statuses=(200,), errors=(404,))
async def bookmark(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """Any post you may see (404 `post_not_found`), into one of your collections if
    `collection_id` names one (404 `collection_not_found`). Bookmarking it again is 200 with the
    bookmark as it is (move it with `POST /api/bookmarks/{post_id}/move`)."""
    found, created = await bookmarks.bookmark(request.app[PLATFORM], caller(request), post_id, **body)
    return json_response(BookmarkSchema, await _shown(request, found), 201 if created else 200)


@routes.delete("/api/posts/{post_id}/unbookmark", summary="Remove your bookmark of a post", ids=(POST_ID,),
               status=204)
async def unbookmark(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Also of a post you may no longer see; a post you had not bookmarked changes nothing."""
    await bookmarks.unbookmark(request.app[PLATFORM], caller(request), post_id)
    return web.Response(status=204)


@routes.get("/api/bookmarks", summary="Your bookmarks, newest first", query=BookmarksQuery,
            response=BookmarkPageSchema, errors=(404,))
async def list_bookmarks(request: web.Request, *, query: dict) -> web.Response:
    """All of them, or one collection's (`collection_id`; 404 `collection_not_found`). A bookmark
    of a post you may no longer see (deleted, or a block) stays listed with `post` null."""
    page = await bookmarks.bookmarks(request.app[PLATFORM], caller(request), **query)
    posts = await bookmarks.posts_shown(request.app[PLATFORM], caller(request), [b.post_id for b in page.items])
    return json_response(BookmarkPageSchema, page.map(lambda b: interaction_views.bookmark(b, posts.get(b.post_id))))


@routes.post("/api/bookmarks/{post_id}/move", summary="Move a bookmark to a collection, or out of any",
             ids=(BOOKMARKED_POST_ID,), body=MoveIn, response=BookmarkSchema, errors=(404,))
async def move(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """`collection_id`: one of your collections (404 `collection_not_found`), or null for none.
    404 `bookmark_not_found` if you have not bookmarked the post."""
    found = await bookmarks.move(request.app[PLATFORM], caller(request), post_id, **body)
    return json_response(BookmarkSchema, await _shown(request, found))


@routes.post("/api/bookmarks/collections", summary="Make a bookmark collection", body=CollectionIn,
             response=CollectionSchema, status=201, errors=(409,))
async def create_collection(request: web.Request, *, body: dict) -> web.Response:
    """Names are yours alone, unique in any letter case (409 `collection_name_taken`)."""
    found = await bookmarks.create_collection(request.app[PLATFORM], caller(request), **body)
    return json_response(CollectionSchema, interaction_views.collection(found), 201)


@routes.get("/api/bookmarks/collections", summary="Your bookmark collections, oldest first", query=PageQuery,
            response=CollectionPageSchema)
async def list_collections(request: web.Request, *, query: dict) -> web.Response:
    page = await bookmarks.collections(request.app[PLATFORM], caller(request), **query)
    return json_response(CollectionPageSchema, page.map(interaction_views.collection))


@routes.get("/api/bookmarks/collections/{collection_id}", summary="One of your bookmark collections",
            ids=(COLLECTION_ID,), response=CollectionSchema, errors=(404,))
async def get_collection(request: web.Request, *, collection_id: uuid.UUID) -> web.Response:
    """Its bookmarks: `GET /api/bookmarks?collection_id=...`. Another's collection is 404."""
    found = await bookmarks.collection(request.app[PLATFORM], caller(request), collection_id)
    return json_response(CollectionSchema, interaction_views.collection(found))


@routes.patch("/api/bookmarks/collections/{collection_id}", summary="Rename or describe a bookmark collection",
              ids=(COLLECTION_ID,), body=CollectionPatch, response=CollectionSchema, errors=(404, 409))
async def update_collection(request: web.Request, *, body: dict, collection_id: uuid.UUID) -> web.Response:
    found = await bookmarks.update_collection(request.app[PLATFORM], caller(request), collection_id, body)
    return json_response(CollectionSchema, interaction_views.collection(found))


@routes.delete("/api/bookmarks/collections/{collection_id}", summary="Delete a bookmark collection",
               ids=(COLLECTION_ID,), status=204, errors=(404,))
async def delete_collection(request: web.Request, *, collection_id: uuid.UUID) -> web.Response:
    """Its bookmarks stay, in no collection."""
    await bookmarks.delete_collection(request.app[PLATFORM], caller(request), collection_id)
    return web.Response(status=204)
