"""The social area over ``/ws``: the post topic, ``post:<id>`` (its counters, new comments and poll
results, live), open to whoever may see the post."""
from __future__ import annotations

from ...domain.auth.caller import Caller
from ...domain.social import access, posts
from ...platform import Platform
from ...ws.topics import TopicKind, topic_uuid


async def may_follow_post(platform: Platform, caller: Caller, ident: str) -> None:
    """Whoever may see the post (404 ``post_not_found`` otherwise)."""
    post_id = topic_uuid(ident, "post", "post")
    if not await posts.may_see_post(platform, caller.user_id, post_id):
        raise access.post_not_found()


COMMANDS = ()
TOPICS = (TopicKind("post", may_follow_post),)
