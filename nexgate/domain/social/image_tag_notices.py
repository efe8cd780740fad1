"""The notification types of image tags (nexgate/domain/notifications/registry.py,
docs/notifications.md): a user tagged on a post's image, and a shop's owner whose shop was."""
from __future__ import annotations

from ..notifications.registry import Grouping, notification_type
from .events import IMAGE_TAG_ADDED

IMAGE_TAGGED = notification_type(
    "image_tagged", sources=(IMAGE_TAG_ADDED,), category="social", recipient="user_id", when={"kind": "user"},
    actor="tagged_by", about=("post", "post_id"), link="nexgate://posts/{post_id}?media={media_id}",
    grouping=Grouping(on="post_id"),
    in_app={"en": "{actor_name} tagged you in an image", "sw": "{actor_name} amekutambulisha kwenye picha"},
    in_app_many={"sw": "{actor_name} wamekutambulisha kwenye picha"})

# The image's counterpart of posts' shop_tagged (post_notices.py), whose event names the shops and the creator as a
# list and an actor of their own: one type could not read both events.
SHOP_TAGGED_IN_IMAGE = notification_type(
    "shop_tagged_in_image", sources=(IMAGE_TAG_ADDED,), category="commerce", recipient="shop_owner_id",
    when={"kind": "shop"}, actor="tagged_by", about=("shop", "shop_id"),
    link="nexgate://posts/{post_id}?media={media_id}",
    in_app={"en": "{actor_name} tagged your shop in an image", "sw": "{actor_name} ameweka duka lako kwenye picha"})

TYPES = (IMAGE_TAGGED, SHOP_TAGGED_IN_IMAGE)
