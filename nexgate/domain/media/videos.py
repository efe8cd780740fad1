"""Video processing, run by the ``media`` worker for each ``media.video.uploaded`` event:
probe, transcode to web-optimised MP4 renditions, take a poster frame with its own BlurHash,
store the results and remove the upload. The uploader's devices hear each status change live.

A video that cannot be decoded ends ``failed`` with a reason and is not retried; a failure
of storage or the database raises, so the bus retries the job. A redelivered job finds the
video already finished and does nothing.
"""
from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

from ... import bus
from ...media import video
from ...media.errors import MediaRejected
from ...platform import Platform
from . import repository
from .events import VIDEO_FAILED, VIDEO_PROCESSED
from .repository import Media
from .uploads import event_payload, process_image_file, store_variants

log = logging.getLogger(__name__)

STATUS_EVENT = "media.status.changed"


async def process_video(platform: Platform, media_id: uuid.UUID) -> None:
    async with platform.core.connection() as conn:
        media = await repository.start_processing(conn, media_id)
    if media is None:
        log.info("video %s is finished or deleted; nothing to do", media_id)
        return
    await publish_status(platform, media)
    with tempfile.TemporaryDirectory(prefix="nexgate-video-") as workdir:
        source = Path(workdir) / f"source.{media.source_format}"
        await platform.storage.get_file(media.source_key, str(source))
        try:
            outputs = await _transcode(platform, media, source, Path(workdir))
        except MediaRejected as rejected:
            await _fail(platform, media, rejected.code, rejected.reason)
            return
        await _store_and_finish(platform, media, outputs)


async def _transcode(platform: Platform, media: Media, source: Path, workdir: Path) -> dict:
    info = await video.probe(str(source))
    renditions = await video.transcode(str(source), str(workdir), platform.config.media_video_heights, info)
    frame = workdir / "poster.jpg"
    await video.poster(str(source), str(frame), info)
    poster = await process_image_file(platform, frame, workdir / "poster", on_reject=_poster_refused)
    return {"info": info, "renditions": renditions, "poster": poster}


def _poster_refused(kind: type, code: str, problem: str) -> MediaRejected:
    return MediaRejected("video_corrupt", f"its poster frame {problem}")


async def _store_and_finish(platform: Platform, media: Media, outputs: dict) -> None:
    stored: list[str] = []
    common = dict(private=media.is_private, purpose=media.purpose, owner_id=media.owner_id, media_id=media.id)
    renditions = await store_variants(platform, stored, [
        {**rendition, "format": "mp4"} for rendition in outputs["renditions"]
    ], **common)
    poster = outputs["poster"]
    poster_variants = await store_variants(platform, stored, poster["variants"], prefix="poster-", **common)
    info = outputs["info"]
    largest = max(outputs["renditions"], key=lambda rendition: rendition["height"])
    async with platform.core.transaction("media.video_finish") as conn:
        finished = await repository.finish_video(
            conn, media.id, width=largest["width"], height=largest["height"], duration_ms=round(info.duration_s * 1000),
            blurhash=poster["blurhash"], variants=renditions,
            poster={"width": poster["width"], "height": poster["height"], "blurhash": poster["blurhash"],
                    "variants": poster_variants},
        )
        if finished is not None:
            await bus.emit(conn, VIDEO_PROCESSED, event_payload(finished))
    if finished is None:  # deleted while it was being transcoded
        await platform.storage.delete(stored)
        return
    await platform.storage.delete([media.source_key])
    await publish_status(platform, finished)


async def _fail(platform: Platform, media: Media, code: str, reason: str) -> None:
    log.info("video %s failed: %s: %s", media.id, code, reason)
    async with platform.core.transaction("media.video_fail") as conn:
        failed = await repository.fail_media(conn, media.id, code, reason)
        if failed is not None:
            await bus.emit(conn, VIDEO_FAILED, {**event_payload(failed), "failure_code": code})
    await platform.storage.delete([media.source_key])
    if failed is not None:
        await publish_status(platform, failed)


async def publish_status(platform: Platform, media: Media) -> None:
    """Tell the uploader's devices; a retried job announces each status once."""
    failure = None if media.failure_code is None else {"code": media.failure_code, "reason": media.failure_reason}
    await platform.realtime.publish_to_user(
        media.owner_id, STATUS_EVENT,
        {"media_id": str(media.id), "kind": media.kind, "status": media.status, "failure": failure},
        event_id=uuid.uuid5(media.id, media.status),
    )
