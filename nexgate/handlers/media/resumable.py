"""Resumable uploads: begin, send pieces, ask where it stands, cancel (docs/media.md)."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.media import resumable, uploads
from ...domain.media.repository import Media, Upload
from ...domain.media.views import media_view
from ...errors import TooLarge
from ...keys import PLATFORM
from ...platform import Platform
from ..routing import Routes, caller, json_response
from .schemas import PIECE_BODY, UPLOAD_ID, BeginUploadSchema, PieceQuerySchema, UploadSchema

routes = Routes("media")
READ_CHUNK = 256 * 1024


@routes.post("/api/media/uploads", summary="Begin a resumable upload", body=BeginUploadSchema,
             response=UploadSchema, status=201, errors=(409, 413, 429))
async def begin_upload(request: web.Request, *, body: dict) -> web.Response:
    """For large files on connections that drop: declare the file, then send it in pieces with
    `PATCH /api/media/uploads/{upload_id}?offset=N`. An upload expires 24 hours after it
    begins; at most 10 may be unfinished at once (409 `too_many_uploads`)."""
    upload = await resumable.begin(request.app[PLATFORM], caller(request), **body)
    return json_response(UploadSchema, await _view(request.app[PLATFORM], upload), status=201)


@routes.get("/api/media/uploads/{upload_id}", summary="Where a resumable upload stands", ids=(UPLOAD_ID,),
            response=UploadSchema, errors=(404,))
async def get_upload(request: web.Request, *, upload_id: uuid.UUID) -> web.Response:
    """After a dropped connection: `offset` is where the next piece starts."""
    platform = request.app[PLATFORM]
    upload = await resumable.get_upload(platform, caller(request), upload_id)
    return json_response(UploadSchema, await _view(platform, upload))


@routes.patch("/api/media/uploads/{upload_id}", summary="Send the next piece of a resumable upload",
              query=PieceQuerySchema, ids=(UPLOAD_ID,), body_doc=PIECE_BODY, response=UploadSchema,
              errors=(404, 409, 413, 415, 422))
async def send_piece(request: web.Request, *, query: dict, upload_id: uuid.UUID) -> web.Response:
    """The body is the piece's bytes, starting at `offset`, which must be where the upload
    stands (409 `offset_mismatch` names it otherwise, before the body is read). A piece may not
    go past the declared size (413 `piece_past_end`). The first piece must carry the file's
    first 64 bytes: a file of a type Nexgate does not take, or over its type's limit, is
    refused there and the upload dropped. With the last byte the file goes through the same
    checks and processing as `POST /api/media`, and `media` is filled in; sending a piece to a
    completed upload answers the same again."""
    platform = request.app[PLATFORM]
    offset = query["offset"]
    upload = await resumable.expect_piece(platform, caller(request), upload_id, offset)
    with uploads.workspace() as directory:
        piece, length = directory / "piece", 0
        if upload.completed_at is None:
            length = await _receive_piece(request, piece, upload.size_bytes - offset)
        upload, media = await resumable.add_piece(platform, caller(request), upload, offset, piece, length, directory)
    return json_response(UploadSchema, await _view(platform, upload, media))


async def _receive_piece(request: web.Request, path, room: int) -> int:
    too_long = TooLarge(f"The piece goes past the declared size: {room} bytes are left", code="piece_past_end",
                        details={"max_bytes": room})
    if request.content_length is not None and request.content_length > room:
        raise too_long
    length = 0
    with path.open("wb") as file:
        async for chunk in request.content.iter_chunked(READ_CHUNK):
            length += len(chunk)
            if length > room:
                raise too_long
            file.write(chunk)
    return length


@routes.delete("/api/media/uploads/{upload_id}", summary="Cancel a resumable upload", ids=(UPLOAD_ID,), status=204,
               errors=(404,))
async def cancel_upload(request: web.Request, *, upload_id: uuid.UUID) -> web.Response:
    """Drops the upload and every piece received. A completed upload's media stays."""
    await resumable.cancel(request.app[PLATFORM], caller(request), upload_id)
    return web.Response(status=204)


async def _view(platform: Platform, upload: Upload, media: Media | None = None) -> dict:
    if media is None and upload.media_id is not None:
        media = await resumable.media_of(platform, upload)
    return {
        "id": upload.id, "purpose": upload.purpose, "filename": upload.filename, "size_bytes": upload.size_bytes,
        "offset": upload.received_bytes, "completed": upload.completed_at is not None, "expires_at": upload.expires_at,
        "media": None if media is None else await media_view(platform, media, viewer_id=upload.owner_id),
    }
