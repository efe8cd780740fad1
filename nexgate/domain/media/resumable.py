"""Resumable uploads, for large videos on mobile connections that drop: the client declares the
file's size, then sends it in pieces, each at the offset the upload stands at, over as many
requests as it takes; after a dropped connection it asks where the upload stands and goes on
from there. The piece that brings the last byte turns the upload into a media, through the
same checks and processing as a one-request upload.

Pieces are kept as objects in media storage, not on a server's disk, so the pieces of one
upload may reach different server processes. Uploads expire a day after they begin; expired
ones are swept, with their pieces, whenever someone begins a new one.
"""
from __future__ import annotations

import asyncio
import datetime
import logging
import uuid
from pathlib import Path

from ...errors import Conflict, DomainError, Invalid, NotFound, TooLarge
from ...media import sniff
from ...platform import Platform
from ...storage import object_key
from ..auth.caller import Caller
from . import repository, uploads
from .repository import Media, Upload, UploadPart

log = logging.getLogger(__name__)

UPLOAD_TTL = datetime.timedelta(hours=24)
MAX_OPEN_UPLOADS = 10
SWEEP_BATCH = 20
PARTS_PURPOSE = "upload-parts"  # the storage folder pieces wait in, always private
COPY_CHUNK = 1024 * 1024


class AlreadyCompleted(Exception):
    """Another request completed the same upload first."""


def not_found(upload_id: uuid.UUID | str) -> NotFound:
    return NotFound("No such upload, or it expired", code="upload_not_found", details={"upload_id": str(upload_id)})


async def begin(platform: Platform, caller: Caller, *, purpose: str, filename: str | None, size: int) -> Upload:
    uploads.check_purpose(purpose)
    limits = uploads.UploadLimits.from_config(platform.config)
    largest = max(limits.image_bytes, limits.video_bytes)
    if size > largest:
        raise TooLarge(f"A media may be at most {largest} bytes; this one declares {size}", code="file_too_large",
                       details={"max_bytes": largest})
    await uploads.admit(platform, caller)
    await sweep_expired(platform)
    async with platform.core.transaction("media.resumable_begin") as conn:
        if await repository.count_open_uploads(conn, caller.user_id) >= MAX_OPEN_UPLOADS:
            raise Conflict(f"Finish or cancel one of your {MAX_OPEN_UPLOADS} unfinished uploads first",
                           code="too_many_uploads")
        return await repository.insert_upload(
            conn, id=uuid.uuid4(), owner_id=caller.user_id, purpose=purpose, filename=(filename or "").strip() or None,
            size_bytes=size, expires_at=datetime.datetime.now(datetime.timezone.utc) + UPLOAD_TTL,
        )


async def get_upload(platform: Platform, caller: Caller, upload_id: uuid.UUID) -> Upload:
    async with platform.core.connection() as conn:
        upload = await repository.upload_by_id(conn, upload_id)
    if upload is None or upload.owner_id != caller.user_id:
        raise not_found(upload_id)
    return upload


async def expect_piece(platform: Platform, caller: Caller, upload_id: uuid.UUID, offset: int) -> Upload:
    """The upload a piece at ``offset`` is for, checked before its bytes are read: a piece at
    the wrong offset is refused at once, naming where the upload stands."""
    upload = await get_upload(platform, caller, upload_id)
    if upload.completed_at is None and offset != upload.received_bytes:
        raise _offset_mismatch(upload)
    return upload


def _offset_mismatch(upload: Upload) -> Conflict:
    return Conflict(f"The upload stands at byte {upload.received_bytes}; send the piece that starts there",
                    code="offset_mismatch", details={"offset": upload.received_bytes})


async def add_piece(platform: Platform, caller: Caller, upload: Upload, offset: int, piece: Path, length: int,
                    directory: Path) -> tuple[Upload, Media | None]:
    """Store a piece and move the upload on; with its last byte, make the media."""
    if upload.completed_at is not None:
        return upload, await media_of(platform, upload)
    if length == 0 and offset < upload.size_bytes:
        raise Invalid("A piece must carry at least one byte", code="empty_piece")
    if length:
        if offset == 0:
            await _check_first_piece(platform, upload, piece, length)
        upload = await _store_piece(platform, upload, offset, piece, length)
    if upload.received_bytes < upload.size_bytes:
        return upload, None
    return await _complete(platform, caller, upload, directory)


async def _check_first_piece(platform: Platform, upload: Upload, piece: Path, length: int) -> None:
    """The first bytes decide the type, so a file that can never be accepted is refused at its
    first piece, and the upload is dropped."""
    if length < min(sniff.HEAD_BYTES, upload.size_bytes):
        raise Invalid(f"The first piece must carry at least {sniff.HEAD_BYTES} bytes", code="first_piece_too_short")
    check = uploads.FileCheck(0, upload.filename, uploads.UploadLimits.from_config(platform.config))
    try:
        check.decide_type(await asyncio.to_thread(_head, piece))
        check.check_size(upload.size_bytes)  # the declared size, against the type's limit
    except DomainError:
        await _drop(platform, upload.id)
        raise


def _head(piece: Path) -> bytes:
    with piece.open("rb") as file:
        return file.read(sniff.HEAD_BYTES)


async def _store_piece(platform: Platform, upload: Upload, offset: int, piece: Path, length: int) -> Upload:
    part = UploadPart(offset, length, object_key(private=True, purpose=PARTS_PURPOSE, owner_id=upload.owner_id,
                                                 media_id=upload.id, filename=f"{offset:012d}-{uuid.uuid4().hex}"))
    await platform.storage.put_file(part.key, str(piece), "application/octet-stream")
    try:
        async with platform.core.transaction("media.resumable_piece") as conn:
            advanced = await repository.advance_upload(conn, upload.id, offset, length)
            if advanced is None:
                raise _offset_mismatch(await repository.upload_by_id(conn, upload.id) or upload)
            await repository.insert_part(conn, upload.id, part)
    except BaseException:
        await platform.storage.delete([part.key])
        raise
    return advanced


async def _complete(platform: Platform, caller: Caller, upload: Upload, directory: Path) -> tuple[Upload, Media]:
    async with platform.core.connection() as conn:
        parts = await repository.parts_of(conn, upload.id)
    incoming = await _assemble(platform, upload, parts, directory)

    async def record(conn, rows: list[Media]) -> None:
        if not await repository.complete_upload(conn, upload.id, rows[0].id):
            raise AlreadyCompleted

    try:
        [media] = await uploads.store_uploads(platform, caller, upload.purpose, [incoming], directory, record=record)
    except AlreadyCompleted:
        upload = await get_upload(platform, caller, upload.id)
        return upload, await media_of(platform, upload)
    except DomainError:
        await _drop(platform, upload.id)  # the file itself was refused: it can never complete
        raise
    await _remove_parts(platform, upload.id, [part.key for part in parts])
    return await get_upload(platform, caller, upload.id), media


async def _assemble(platform: Platform, upload: Upload, parts: list[UploadPart], directory: Path) -> uploads.IncomingFile:
    """The pieces, in order, written through the same checks as a one-request upload."""
    limits = uploads.UploadLimits.from_config(platform.config)
    incoming = uploads.IncomingFile(0, upload.filename, directory, limits)
    try:
        for part in parts:
            copy = directory / f"part-{part.offset_bytes}"
            await platform.storage.get_file(part.key, str(copy))
            await asyncio.to_thread(_feed, incoming, copy)
        incoming.finish()
    except BaseException:
        incoming.discard()
        raise
    return incoming


def _feed(incoming: uploads.IncomingFile, copy: Path) -> None:
    with copy.open("rb") as file:
        while chunk := file.read(COPY_CHUNK):
            incoming.write(chunk)
    copy.unlink()


async def media_of(platform: Platform, upload: Upload) -> Media | None:
    if upload.media_id is None:
        return None
    async with platform.core.connection() as conn:
        return await repository.media_by_id(conn, upload.media_id)


async def cancel(platform: Platform, caller: Caller, upload_id: uuid.UUID) -> None:
    """Drop an upload and its pieces. A completed upload's media stays: delete it as a media."""
    await get_upload(platform, caller, upload_id)
    await _drop(platform, upload_id)


async def _drop(platform: Platform, upload_id: uuid.UUID) -> None:
    async with platform.core.transaction("media.resumable_drop") as conn:
        keys = [part.key for part in await repository.parts_of(conn, upload_id)]
        await repository.delete_upload(conn, upload_id)
    await platform.storage.delete(keys)


async def _remove_parts(platform: Platform, upload_id: uuid.UUID, keys: list[str]) -> None:
    """A completed upload's pieces are no longer needed; if this fails, the sweep removes them."""
    try:
        await platform.storage.delete(keys)
        async with platform.core.transaction("media.resumable_remove_parts") as conn:
            await repository.delete_parts(conn, upload_id)
    except Exception:
        log.exception("could not remove the pieces of completed upload %s", upload_id)


async def sweep_expired(platform: Platform) -> int:
    """Remove a batch of expired uploads with their pieces; how many went."""
    async with platform.core.transaction("media.resumable_sweep") as conn:
        expired = await repository.lock_expired_uploads(conn, SWEEP_BATCH)
        await platform.storage.delete([key for _, keys in expired for key in keys])
        for upload_id, _ in expired:
            await repository.delete_upload(conn, upload_id)
    return len(expired)
