"""Consumer group ``media``: transcodes each uploaded video (``domain/media/videos.py``).

FFmpeg uses every core, so the group takes only ``NEXGATE_MEDIA_TRANSCODE_CONCURRENCY``
jobs at a time instead of the bus-wide prefetch; the rest wait in RabbitMQ, not in memory.
"""
from __future__ import annotations

import uuid

from ..bus.consumer import ConsumerGroup
from ..domain.media.events import VIDEO_UPLOADED
from ..domain.media.videos import process_video
from ..platform import Platform


def consumer_group(platform: Platform) -> ConsumerGroup:
    async def handle(event, conn):
        await process_video(platform, uuid.UUID(event.payload["media_id"]))

    return ConsumerGroup(name="media", routing_keys=(VIDEO_UPLOADED,), handle=handle, database=platform.core,
                         prefetch=platform.config.media_transcode_concurrency)
