"""What clients see of a media: its state, dimensions, BlurHash, and a URL per stored file.

Public media gets plain, cacheable URLs (a CDN base when one is configured); private media
(message attachments) gets short-lived signed URLs, made afresh for each view.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from ...platform import Platform
from .repository import Media


async def media_view(platform: Platform, media: Media, *, viewer_id: uuid.UUID | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": media.id, "owner_id": media.owner_id, "purpose": media.purpose, "kind": media.kind,
        "status": media.status, "is_private": media.is_private, "size_bytes": media.size_bytes,
        "width": media.width, "height": media.height, "blurhash": media.blurhash,
        "duration_s": None if media.duration_ms is None else media.duration_ms / 1000,
        "failure": None if media.failure_code is None else {"code": media.failure_code, "reason": media.failure_reason},
        "created_at": media.created_at, "processed_at": media.processed_at,
        "variants": await _variant_views(platform, media, media.variants),
        "poster": await _poster_view(platform, media),
        "urls_expire_at": _urls_expire_at(platform, media),
    }
    if viewer_id == media.owner_id:
        view["original_name"] = media.original_name
    return view


async def _poster_view(platform: Platform, media: Media) -> dict[str, Any] | None:
    if not media.poster:
        return None
    poster = media.poster
    return {"width": poster["width"], "height": poster["height"], "blurhash": poster["blurhash"],
            "variants": await _variant_views(platform, media, poster["variants"])}


async def _variant_views(platform: Platform, media: Media, variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": variant["name"], "format": variant["format"], "width": variant["width"], "height": variant["height"],
         "bytes": variant["bytes"], "url": await platform.storage.url(variant["key"], private=media.is_private)}
        for variant in variants
    ]


def _urls_expire_at(platform: Platform, media: Media) -> datetime.datetime | None:
    if not media.is_private:
        return None
    now = datetime.datetime.now(datetime.timezone.utc)
    return now + datetime.timedelta(seconds=platform.config.media_url_ttl_s)
