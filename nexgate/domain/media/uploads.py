"""Uploads: files streamed to disk and typed by their first bytes, then stored in parallel.

An image is processed during its upload (in the process pool) and is ``ready`` when the
request answers; a video is stored as it came and answers ``uploaded``, and the media worker
transcodes it (``videos.py``). A request either stores every file it carries or none: a bad
file refuses the whole request and whatever was already stored for it is removed.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import asyncpg

from ... import bus, cpu
from ...config import Config
from ...errors import Invalid, TooLarge, UnsupportedMediaType
from ...limits import MEDIA_UPLOADS, enforce
from ...media import images, sniff
from ...media.errors import MediaRejected
from ...platform import Platform
from ...storage import object_key
from ..auth.caller import Caller
from . import repository
from .events import IMAGE_PROCESSED, VIDEO_UPLOADED
from .purposes import PROFILE_PURPOSES, PURPOSES, is_private
from .repository import Media

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD = 64 * 1024  # part headers and boundaries on top of the files themselves
CONTENT_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp", "png": "image/png", "mp4": "video/mp4",
                 "mov": "video/quicktime"}


@dataclasses.dataclass(frozen=True)
class UploadLimits:
    image_bytes: int
    video_bytes: int
    files: int

    @classmethod
    def from_config(cls, config: Config) -> UploadLimits:
        return cls(config.media_max_image_bytes, config.media_max_video_bytes, config.media_max_files)

    @property
    def request_bytes(self) -> int:
        """The largest body one upload request can need."""
        return max(self.video_bytes, self.files * self.image_bytes) + self.files * MULTIPART_OVERHEAD

    def check_request_size(self, content_length: int | None) -> None:
        if content_length is not None and content_length > self.request_bytes:
            raise TooLarge(
                f"An upload request may carry at most {self.request_bytes} bytes; this one declares {content_length}",
                code="upload_too_large", details={"max_bytes": self.request_bytes},
            )


class FileCheck:
    """What is known of one file of an upload, and the refusals that name it: its type, decided
    by its first bytes, and its size against the limit of that type."""

    def __init__(self, index: int, name: str | None, limits: UploadLimits):
        if index >= limits.files:
            raise TooLarge(f"An upload may carry at most {limits.files} files", code="too_many_files",
                           details={"max_files": limits.files})
        self.index = index
        self.name = (name or "").strip()[:255] or None
        self.limits = limits
        self.type: sniff.MediaType | None = None

    def decide_type(self, head: bytes) -> sniff.MediaType:
        self.type = sniff.detect(head)
        if self.type is None:
            raise self.refusal(UnsupportedMediaType, "unsupported_type",
                               "is not a JPEG, PNG or WebP image nor an MP4 or MOV video (judged by its content)")
        return self.type

    def check_size(self, size: int) -> None:
        limit = self.limits.video_bytes if self.type.kind == "video" else self.limits.image_bytes
        if size > limit:
            raise self.refusal(TooLarge, "file_too_large", f"is over the {limit}-byte limit for {self.type.kind}s",
                               max_bytes=limit)

    def refusal(self, kind: type, code: str, problem: str, **details):
        label = f"File {self.index + 1}" + (f" ({self.name})" if self.name else "")
        return kind(f"{label} {problem}", code=code, details={"file": self.index, "filename": self.name, **details})


class IncomingFile:
    """One file of an upload, written to a temporary file as it arrives. Its type is decided by
    its first bytes, and its size limit by its type, so an oversized file is refused as soon as
    it crosses the limit rather than after the whole body is read."""

    def __init__(self, index: int, name: str | None, directory: Path, limits: UploadLimits):
        self.check = FileCheck(index, name, limits)
        self.path = directory / f"upload-{index}"
        self.size = 0
        self._head = b""
        self._file: BinaryIO = self.path.open("wb")

    @property
    def index(self) -> int:
        return self.check.index

    @property
    def name(self) -> str | None:
        return self.check.name

    @property
    def type(self) -> sniff.MediaType | None:
        return self.check.type

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.type is None:
            self._head += chunk
            if len(self._head) < sniff.HEAD_BYTES:
                return
            self.check.decide_type(self._head)
            chunk, self._head = self._head, b""
        self.check.check_size(self.size)
        self._file.write(chunk)

    def finish(self) -> None:
        """The file has arrived whole: refuse an empty one, type a short one."""
        try:
            if self.size == 0:
                raise self.check.refusal(Invalid, "empty_file", "is empty")
            if self.type is None:
                self.check.decide_type(self._head)
                self.check.check_size(self.size)
                self._file.write(self._head)
        finally:
            self._file.close()

    def discard(self) -> None:
        self._file.close()


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    """A private temporary directory for one upload, removed with everything in it."""
    directory = Path(tempfile.mkdtemp(prefix="nexgate-upload-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def admit(platform: Platform, caller: Caller) -> None:
    """Count an upload against the user's hourly limit, before any of its bytes are read."""
    await enforce(platform, MEDIA_UPLOADS, str(caller.user_id))


def check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise Invalid.fields("body", {"purpose": f"One of {', '.join(PURPOSES)}."}, message=f"Unknown purpose {purpose!r}")


async def store_uploads(platform: Platform, caller: Caller, purpose: str, files: Sequence[IncomingFile],
                        directory: Path, *, record: Callable[[asyncpg.Connection, list[Media]], Awaitable[None]] | None = None,
                        ) -> list[Media]:
    """Store every file of one upload, processing images in parallel; all or nothing. ``record``
    runs in the transaction that inserts the media, and can still refuse them by raising."""
    check_purpose(purpose)
    if not files:
        raise Invalid.fields("body", {"file": "Missing file."}, message="Send at least one file (multipart/form-data)",
                             code="no_files")
    for incoming in files:
        if incoming.type.kind == "video" and purpose in PROFILE_PURPOSES:
            raise incoming.check.refusal(Invalid, "video_not_allowed", f"is a video; {purpose} media must be an image")
    stored: list[str] = []
    try:
        prepared = await _gather_all_or_raise(
            _prepare(platform, caller.user_id, purpose, incoming, directory, stored) for incoming in files
        )
        async with platform.core.transaction("media.upload") as conn:
            rows = [await repository.insert_media(conn, media) for media in prepared]
            for media in rows:
                await bus.emit(conn, VIDEO_UPLOADED if media.kind == "video" else IMAGE_PROCESSED, event_payload(media))
            if record is not None:
                await record(conn, rows)
        return rows
    except BaseException:
        await _remove_quietly(platform, stored)
        raise


async def _gather_all_or_raise(coroutines) -> list:
    """Run them all to the end, so nothing is still storing when the caller cleans up; then
    raise the first error (in file order) or return the results."""
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


async def _prepare(platform: Platform, owner_id: uuid.UUID, purpose: str, incoming: IncomingFile, directory: Path,
                   stored: list[str]) -> Media:
    media_id = uuid.uuid4()
    private = is_private(purpose)
    base = dict(id=media_id, owner_id=owner_id, purpose=purpose, kind=incoming.type.kind,
                source_format=incoming.type.format, original_name=incoming.name,
                size_bytes=incoming.size, duration_ms=None, poster=None, failure_code=None, failure_reason=None,
                created_at=None, processed_at=None)
    if incoming.type.kind == "video":
        key = object_key(private=True, purpose=purpose, owner_id=owner_id, media_id=media_id,
                         filename=f"source.{incoming.type.extension}")
        await _put(platform, stored, key, incoming.path, incoming.type.mime)
        return Media(**base, status="uploaded", source_key=key, width=None, height=None, blurhash=None, variants=[])
    processed = await process_image_file(platform, incoming.path, directory / f"variants-{incoming.index}",
                                         on_reject=incoming.check.refusal)
    variants = await store_variants(platform, stored, processed["variants"], private=private, purpose=purpose,
                                    owner_id=owner_id, media_id=media_id)
    return Media(**base, status="ready", source_key=None, width=processed["width"], height=processed["height"],
                 blurhash=processed["blurhash"], variants=variants)


async def process_image_file(platform: Platform, source: Path, out_dir: Path, *, on_reject) -> dict:
    """Variants and BlurHash of an image, made in the process pool; a rejection becomes the
    domain error ``on_reject(kind, code, problem)`` builds."""
    out_dir.mkdir()
    try:
        return await cpu.run(platform.cpu_pool, images.process_image, str(source), str(out_dir),
                             platform.config.media_max_pixels)
    except MediaRejected as rejected:
        raise on_reject(Invalid, rejected.code, f"was refused: {rejected.reason}") from None


async def store_variants(platform: Platform, stored: list[str], variants: list[dict], *, private: bool, purpose: str,
                         owner_id: uuid.UUID, media_id: uuid.UUID, prefix: str = "") -> list[dict]:
    """Put the processed files in storage, all at once; what the media row records of each."""
    records = [
        {field: variant[field] for field in ("name", "format", "width", "height", "bytes")} | {"key": object_key(
            private=private, purpose=purpose, owner_id=owner_id, media_id=media_id,
            filename=f"{prefix}{variant['name']}.{variant['format']}",
        )}
        for variant in variants
    ]
    await _gather_all_or_raise(
        _put(platform, stored, record["key"], Path(variant["path"]), CONTENT_TYPES[variant["format"]])
        for record, variant in zip(records, variants)
    )
    return records


async def _put(platform: Platform, stored: list[str], key: str, path: Path, content_type: str) -> None:
    stored.append(key)  # before the put: a put cut short may still have left an object behind
    await platform.storage.put_file(key, str(path), content_type)


async def _remove_quietly(platform: Platform, keys: list[str]) -> None:
    if not keys:
        return
    try:
        await asyncio.shield(platform.storage.delete(keys))
    except Exception:
        log.exception("could not remove %d stored object(s) of a refused upload: %s", len(keys), keys)


def event_payload(media: Media) -> dict:
    return {"media_id": str(media.id), "owner_id": str(media.owner_id), "purpose": media.purpose,
            "kind": media.kind, "status": media.status}
