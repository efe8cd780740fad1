"""Media files of the local store, served by the app at ``/media/{key}``.

The route is always registered; with S3 storage the files live in the bucket, so it
answers 404. A URL is its own credential: public keys need nothing, private keys a
``token`` signed for exactly that key and not yet expired.
"""
from __future__ import annotations

import asyncio
import math

import marshmallow as ma
from aiohttp import web

from ...errors import NotFound
from ...keys import PLATFORM
from ...storage import PUBLIC_CACHE_CONTROL, InvalidKey, LocalStorage, content_type_for, is_private
from ..routing import Routes

routes = Routes("media")


class FileQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # a CDN or a client may add its own parameters

    token = ma.fields.String(
        load_default=None, metadata={"description": "The signature of a private file's URL, as the API gave it"}
    )


@routes.get(
    "/media/{key:.+}",
    summary="A stored media file (local storage); private files need their signed URL's token",
    query=FileQuerySchema,
    auth=False,
    content_type="application/octet-stream",
    errors=(403, 404),
)
async def media_file(request: web.Request, *, query: dict) -> web.StreamResponse:
    """Answers Range requests (206) so video players can seek. Public files are cached for a
    year (their keys never change content); a private file for what its URL has left to live."""
    storage = request.app[PLATFORM].storage
    if not isinstance(storage, LocalStorage):
        raise NotFound("Media is served from the S3 bucket, not by this server")
    key = request.match_info["key"]
    cache_control = await _cache_control(storage, key, query["token"])
    path = storage.path(key)
    if not await asyncio.to_thread(path.is_file):
        raise NotFound("No media file has this address")
    headers = {
        "Content-Type": content_type_for(key),
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
    }
    return web.FileResponse(path, headers=headers)


async def _cache_control(storage: LocalStorage, key: str, token: str | None) -> str:
    try:
        private = is_private(key)
    except InvalidKey:
        raise NotFound("No media file has this address") from None
    if not private:
        return PUBLIC_CACHE_CONTROL
    remaining = await storage.verify(key, token)
    return f"private, max-age={math.floor(remaining)}"
