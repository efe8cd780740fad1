"""The media area's events (docs/bus.md, "Event catalogue")."""
from __future__ import annotations

from ...bus.catalogue import STRING, UUID, declare, event

IMAGE_PROCESSED = "media.image.processed"
VIDEO_UPLOADED = "media.video.uploaded"
VIDEO_PROCESSED = "media.video.processed"
VIDEO_FAILED = "media.video.failed"
FILE_DELETED = "media.file.deleted"

_MEDIA = {"media_id": UUID, "owner_id": UUID, "purpose": STRING, "kind": STRING, "status": STRING}

EVENTS = declare("media", [
    event(IMAGE_PROCESSED, "an image was uploaded and is ready", **_MEDIA),
    event(VIDEO_UPLOADED, "a video was stored; the media worker transcodes it", **_MEDIA),
    event(VIDEO_PROCESSED, "a video is ready", **_MEDIA),
    event(VIDEO_FAILED, "a video could not be decoded", **_MEDIA, failure_code=STRING),
    event(FILE_DELETED, "the owner deleted a media file", media_id=UUID, owner_id=UUID, purpose=STRING),
])
