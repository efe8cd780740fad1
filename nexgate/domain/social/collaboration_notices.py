"""The notification types of collaborative posts (nexgate/domain/notifications/registry.py,
docs/notifications.md): an invite to co-author a post, its answer told to the inviter, and an
edit of a shared post told to its other authors."""
from __future__ import annotations

from ..notifications.registry import Each, Grouping, notification_type
from .events import COLLABORATION_ACCEPTED, COLLABORATION_DECLINED, COLLABORATION_INVITED, POST_EDITED

LINK = "nexgate://posts/{post_id}"

COLLABORATION_INVITE = notification_type(
    "collaboration_invite", sources=(COLLABORATION_INVITED,), category="social", recipient="user_id",
    actor="invited_by", about=("post", "post_id"), important=True, link=LINK,
    in_app={"en": "{actor_name} invited you to collaborate on a post",
            "sw": "{actor_name} amekualika kushirikiana kwenye chapisho"})

COLLABORATION_ACCEPTED_NOTICE = notification_type(
    "collaboration_accepted", sources=(COLLABORATION_ACCEPTED,), category="social", recipient="invited_by",
    actor="user_id", about=("post", "post_id"), link=LINK, grouping=Grouping(on="post_id"),
    in_app={"en": "{actor_name} accepted your collaboration invite",
            "sw": "{actor_name} amekubali mwaliko wako wa kushirikiana"},
    in_app_many={"sw": "{actor_name} wamekubali mwaliko wako wa kushirikiana"})

COLLABORATION_DECLINED_NOTICE = notification_type(
    "collaboration_declined", sources=(COLLABORATION_DECLINED,), category="social", recipient="invited_by",
    actor="user_id", about=("post", "post_id"), link=LINK,
    in_app={"en": "{actor_name} declined your collaboration invite",
            "sw": "{actor_name} amekataa mwaliko wako wa kushirikiana"})

# Every author but the editor (the service does not tell an actor of their own deed).
COLLABORATOR_EDITED_POST = notification_type(
    "collaborator_edited_post", sources=(POST_EDITED,), category="social", recipient="recipient_id",
    each=Each("author_ids", as_field="recipient_id"), actor="editor_id", about=("post", "post_id"), link=LINK,
    grouping=Grouping(on="post_id"),
    in_app={"en": "{actor_name} edited your collaborative post",
            "sw": "{actor_name} amehariri chapisho lenu la pamoja"},
    in_app_many={"sw": "{actor_name} wamehariri chapisho lenu la pamoja"})

TYPES = (COLLABORATION_INVITE, COLLABORATION_ACCEPTED_NOTICE, COLLABORATION_DECLINED_NOTICE, COLLABORATOR_EDITED_POST)
