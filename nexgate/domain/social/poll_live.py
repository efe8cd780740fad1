"""A poll's live frames on its post's topic, ``post:<id>`` (docs/social.md, "Polls";
docs/websocket.md): ``social.poll.voted`` and ``social.poll.closed`` carry the results as they
stand when published, the same for every watcher (``my_option_ids`` null), so a frame that
comes late or twice never shows older results than the last. Made for the ``social_live``
group's table (post_live.FRAMES)."""
from __future__ import annotations

import uuid
from typing import Any

from ...bus import Event
from ...platform import Platform
from . import interaction_views, polls, views


async def poll_frame(platform: Platform, conn, event: Event) -> dict[str, Any] | None:
    found = await polls.results_for_live(conn, uuid.UUID(event.payload["poll_id"]))
    return None if found is None else {"poll": interaction_views.json_ready(views.poll(found))}
