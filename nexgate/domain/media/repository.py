"""The media area's SQL (``sql/media``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ...sql import queries
from . import purposes

_sql = queries("media")


@dataclasses.dataclass(frozen=True)
class Media:
    id: uuid.UUID
    owner_id: uuid.UUID
    purpose: str
    kind: str
    source_format: str
    status: str
    original_name: str | None
    size_bytes: int
    source_key: str | None
    width: int | None
    height: int | None
    duration_ms: int | None
    blurhash: str | None
    variants: list[dict[str, Any]]
    poster: dict[str, Any] | None
    failure_code: str | None
    failure_reason: str | None
    created_at: datetime.datetime
    processed_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Media | None:
        return None if row is None else cls(**dict(row))

    @property
    def is_private(self) -> bool:
        return purposes.is_private(self.purpose)

    def stored_keys(self) -> list[str]:
        """Every object this media has in storage: its upload, variants, renditions, poster."""
        keys = [variant["key"] for variant in self.variants]
        if self.poster:
            keys += [variant["key"] for variant in self.poster["variants"]]
        if self.source_key:
            keys.append(self.source_key)
        return keys


async def insert_media(conn: asyncpg.Connection, media: Media) -> Media:
    fields = {field.name: getattr(media, field.name) for field in dataclasses.fields(Media)}
    for computed in ("duration_ms", "poster", "failure_code", "failure_reason", "created_at", "processed_at"):
        del fields[computed]
    return Media.from_row(await _sql.insert_media(conn, **fields))


async def media_by_id(conn: asyncpg.Connection, media_id: uuid.UUID) -> Media | None:
    return Media.from_row(await _sql.media_by_id(conn, id=media_id))


async def lock_media_for_update(conn: asyncpg.Connection, media_id: uuid.UUID) -> Media | None:
    return Media.from_row(await _sql.lock_media_for_update(conn, id=media_id))


async def share_lock_media(conn: asyncpg.Connection, media_ids: list[uuid.UUID]) -> list[Media]:
    return [Media.from_row(row) async for row in _sql.share_lock_media(conn, ids=media_ids)]


async def media_by_ids(conn: asyncpg.Connection, media_ids: list[uuid.UUID]) -> list[Media]:
    return [Media.from_row(row) async for row in _sql.media_by_ids(conn, ids=media_ids)]


async def start_processing(conn: asyncpg.Connection, media_id: uuid.UUID) -> Media | None:
    return Media.from_row(await _sql.start_processing(conn, id=media_id))


async def finish_video(
    conn: asyncpg.Connection, media_id: uuid.UUID, *, width: int, height: int, duration_ms: int, blurhash: str,
    variants: list[dict[str, Any]], poster: dict[str, Any],
) -> Media | None:
    return Media.from_row(await _sql.finish_video(
        conn, id=media_id, width=width, height=height, duration_ms=duration_ms, blurhash=blurhash,
        variants=variants, poster=poster,
    ))


async def fail_media(conn: asyncpg.Connection, media_id: uuid.UUID, code: str, reason: str) -> Media | None:
    return Media.from_row(await _sql.fail_media(conn, id=media_id, failure_code=code, failure_reason=reason))


async def mark_deleted(conn: asyncpg.Connection, media_id: uuid.UUID) -> bool:
    return await _sql.mark_deleted(conn, id=media_id) is not None


@dataclasses.dataclass(frozen=True)
class Upload:
    """A resumable upload: ``received_bytes`` of ``size_bytes`` have arrived."""

    id: uuid.UUID
    owner_id: uuid.UUID
    purpose: str
    filename: str | None
    size_bytes: int
    received_bytes: int
    media_id: uuid.UUID | None
    completed_at: datetime.datetime | None
    created_at: datetime.datetime
    expires_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Upload | None:
        return None if row is None else cls(**dict(row))


@dataclasses.dataclass(frozen=True)
class UploadPart:
    offset_bytes: int
    length_bytes: int
    key: str


async def insert_upload(conn: asyncpg.Connection, *, id: uuid.UUID, owner_id: uuid.UUID, purpose: str,
                        filename: str | None, size_bytes: int, expires_at: datetime.datetime) -> Upload:
    return Upload.from_row(await _sql.insert_upload(
        conn, id=id, owner_id=owner_id, purpose=purpose, filename=filename, size_bytes=size_bytes, expires_at=expires_at,
    ))


async def upload_by_id(conn: asyncpg.Connection, upload_id: uuid.UUID) -> Upload | None:
    return Upload.from_row(await _sql.upload_by_id(conn, id=upload_id))


async def count_open_uploads(conn: asyncpg.Connection, owner_id: uuid.UUID) -> int:
    return await _sql.count_open_uploads(conn, owner_id=owner_id)


async def advance_upload(conn: asyncpg.Connection, upload_id: uuid.UUID, offset: int, length: int) -> Upload | None:
    return Upload.from_row(await _sql.advance_upload(conn, id=upload_id, offset_bytes=offset, length_bytes=length))


async def insert_part(conn: asyncpg.Connection, upload_id: uuid.UUID, part: UploadPart) -> None:
    await _sql.insert_part(conn, upload_id=upload_id, offset_bytes=part.offset_bytes, length_bytes=part.length_bytes,
                           key=part.key)


async def parts_of(conn: asyncpg.Connection, upload_id: uuid.UUID) -> list[UploadPart]:
    return [UploadPart(**dict(row)) async for row in _sql.parts_of(conn, upload_id=upload_id)]


async def complete_upload(conn: asyncpg.Connection, upload_id: uuid.UUID, media_id: uuid.UUID) -> bool:
    return await _sql.complete_upload(conn, id=upload_id, media_id=media_id) is not None


async def delete_parts(conn: asyncpg.Connection, upload_id: uuid.UUID) -> None:
    await _sql.delete_parts(conn, upload_id=upload_id)


async def delete_upload(conn: asyncpg.Connection, upload_id: uuid.UUID) -> None:
    await _sql.delete_parts(conn, upload_id=upload_id)
    await _sql.delete_upload(conn, id=upload_id)


async def lock_expired_uploads(conn: asyncpg.Connection, batch: int) -> list[tuple[uuid.UUID, list[str]]]:
    return [(row["id"], list(row["keys"])) async for row in _sql.lock_expired_uploads(conn, batch=batch)]
