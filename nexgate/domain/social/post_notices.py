"""The social area's notification types for posts (nexgate/domain/notifications/registry.py,
docs/notifications.md, spec 003's templates): someone mentioned you in a post (``@username``:
spec 003's MENTION_POST; its TAG_POST, "tagged you in a post", is the same deed here: a user is
tagged in a post by being @mentioned in it; tags on images are the image tags' own type), when
it is published or when an edit adds the mention; and someone tagged your shop in a post (a
``$handle`` or an embed of a shop you own: SHOP_TAGGED)."""
from __future__ import annotations

from ..notifications.registry import Each, notification_type
from .events import POST_EDITED, POST_PUBLISHED

_POST = {"category": "social", "about": ("post", "post_id"), "link": "nexgate://posts/{post_id}"}
_MENTIONED = {"en": "{actor_name} mentioned you in a post", "sw": "{actor_name} amekutaja kwenye chapisho"}

MENTION_POST = notification_type(
    "mention_post", sources=(POST_PUBLISHED,), **_POST, recipient="recipient_id", actor="creator_id",
    each=Each("mentioned_user_ids", as_field="recipient_id"), in_app=_MENTIONED)

MENTION_POST_EDITED = notification_type(
    "mention_post_edited", sources=(POST_EDITED,), **_POST, recipient="recipient_id", actor="editor_id",
    each=Each("newly_mentioned_user_ids", as_field="recipient_id"), in_app=_MENTIONED)

SHOP_TAGGED = notification_type(
    "shop_tagged", sources=(POST_PUBLISHED,), **_POST, recipient="owner_id", actor="creator_id",
    each=Each("tagged_shops", fields=("shop_id", "owner_id", "shop_name")), params=("shop_name",),
    in_app={"en": "{actor_name} tagged your shop {shop_name} in a post",
            "sw": "{actor_name} ameweka duka lako {shop_name} kwenye chapisho"})

TYPES = (MENTION_POST, MENTION_POST_EDITED, SHOP_TAGGED)
