"""Uploading, reading and deleting media."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.media import library, uploads
from ...domain.media.views import media_view
from ...errors import UnsupportedMediaType
from ...keys import PLATFORM
from ..multipart import file_parts
from ..routing import Routes, caller, json_response
from .schemas import MEDIA_ID, UPLOAD_BODY, MediaListSchema, MediaSchema, UploadQuerySchema

routes = Routes("media")


@routes.post(
    "/api/media", summary="Upload one or more images or videos", query=UploadQuerySchema, body_doc=UPLOAD_BODY,
    response=MediaListSchema, status=201, errors=(400, 413, 415, 422, 429),
)
async def upload(request: web.Request, *, query: dict) -> web.Response:
    """A multipart/form-data body with one part per file. Each file's type is judged by its
    content (JPEG, PNG, WebP, MP4, MOV), never by its name or header. Images come back `ready`,
    with their variants and BlurHash; videos come back `uploaded` and are transcoded in the
    background: their status changes arrive as `media.status.changed` events on the WebSocket.
    One bad file refuses the whole upload (the error's details name it by `file` index) and
    nothing is stored. Limits: images 10 MB, videos 100 MB (413 `file_too_large` as soon as a file crosses
    it, 413 `upload_too_large` for a declared Content-Length no upload can need). A user may
    make `NEXGATE_MEDIA_UPLOADS_PER_HOUR` uploads an hour, 120 by default (429 `rate_limited`
    with Retry-After)."""
    platform = request.app[PLATFORM]
    purpose = query["purpose"]
    limits = uploads.UploadLimits.from_config(platform.config)
    limits.check_request_size(request.content_length)
    await uploads.admit(platform, caller(request))
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType(f"Send files as multipart/form-data, not {request.content_type or 'nothing'}")
    with uploads.workspace() as directory:
        files = await _receive_files(request, directory, limits)
        stored = await uploads.store_uploads(platform, caller(request), purpose, files, directory)
    views = [await media_view(platform, media, viewer_id=caller(request).user_id) for media in stored]
    return json_response(MediaListSchema, {"media": views}, status=201)


async def _receive_files(request: web.Request, directory, limits: uploads.UploadLimits) -> list[uploads.IncomingFile]:
    """Each file part streamed to its own temporary file, checked as it arrives."""
    files: list[uploads.IncomingFile] = []
    async for part in file_parts(request):
        incoming = uploads.IncomingFile(len(files), part.filename, directory, limits)
        try:
            while chunk := await part.read_chunk(256 * 1024):
                incoming.write(chunk)
            incoming.finish()
        except BaseException:
            incoming.discard()
            raise
        files.append(incoming)
    return files


@routes.get("/api/media/{media_id}", summary="A media: its status, variants with URLs, BlurHash, dimensions",
            ids=(MEDIA_ID,), response=MediaSchema, errors=(404,))
async def get_media(request: web.Request, *, media_id: uuid.UUID) -> web.Response:
    """The owner sees their media in any state, with the reason of a failure. Others see ready,
    public media of users whose content they may see; private media (message attachments)
    reaches others only through the message that carries it."""
    platform = request.app[PLATFORM]
    media = await library.get_media(platform, caller(request), media_id)
    return json_response(MediaSchema, await media_view(platform, media, viewer_id=caller(request).user_id))


@routes.delete("/api/media/{media_id}", summary="Delete your media and every stored file of it", status=204,
               ids=(MEDIA_ID,), errors=(403, 404))
async def delete_media(request: web.Request, *, media_id: uuid.UUID) -> web.Response:
    await library.delete_media(request.app[PLATFORM], caller(request), media_id)
    return web.Response(status=204)
