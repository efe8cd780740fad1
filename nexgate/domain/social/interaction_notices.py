"""The notification types of likes, comments, reposts and quotes (nexgate/domain/notifications/registry.py,
docs/notifications.md, spec 003 "Notification Types & Templates" and "Notification Batching").

Each post author (its creator and accepted co-authors) is told of a like, a comment, a repost
and a quote of the post; a comment's author of a reply; each user a comment mentions (when it is
written, and those an edit newly mentions); and each seller of a product the post features who
is not an author, of a like of or a comment on it. Likes and reposts of one post within the
window are one notification per recipient: "Amina, Juma and 10 others liked your post". No one
is told of their own deed (the notification service skips an actor who is the recipient).
"""
from __future__ import annotations

from ..notifications.registry import Each, Grouping, notification_type
from .events import COMMENT_CREATED, COMMENT_EDITED, POST_LIKED, POST_QUOTED, POST_REPOSTED

_TO_EACH_AUTHOR = {"recipient": "author_id", "each": Each("author_ids", as_field="author_id"), "actor": "user_id",
                   "category": "social", "about": ("post", "post_id"), "link": "nexgate://posts/{post_id}"}
_TO_EACH_SELLER = {"recipient": "seller_id", "each": Each("product_sellers", fields=("seller_id", "product_id",
                                                                                       "product_name")),
                   "actor": "user_id", "category": "commerce", "about": ("post", "post_id"),
                   "link": "nexgate://posts/{post_id}"}

POST_LIKED_NOTICE = notification_type(
    "post_liked", sources=(POST_LIKED,), **_TO_EACH_AUTHOR, grouping=Grouping(on="post_id"),
    in_app={"en": "{actor_name} liked your post", "sw": "{actor_name} amependa chapisho lako"},
    in_app_many={"sw": "{actor_name} wamependa chapisho lako"})

POST_COMMENTED = notification_type(
    "post_commented", sources=(COMMENT_CREATED,), when={"parent_comment_id": None}, **_TO_EACH_AUTHOR,
    params=("preview",),
    in_app={"en": "{actor_name} commented on your post: '{preview}'",
            "sw": "{actor_name} ametoa maoni kwenye chapisho lako: '{preview}'"})

COMMENT_REPLIED = notification_type(
    "comment_replied", sources=(COMMENT_CREATED,), category="social", recipient="parent_author_id",
    actor="user_id", about=("comment", "comment_id"), params=("preview",),
    link="nexgate://posts/{post_id}/comments/{comment_id}",
    in_app={"en": "{actor_name} replied to your comment: '{preview}'",
            "sw": "{actor_name} amejibu maoni yako: '{preview}'"})

COMMENT_MENTION = notification_type(
    "comment_mention", sources=(COMMENT_CREATED,), category="social", recipient="mentioned_user_id",
    each=Each("mentioned_user_ids", as_field="mentioned_user_id"), actor="user_id", about=("comment", "comment_id"),
    link="nexgate://posts/{post_id}/comments/{comment_id}",
    in_app={"en": "{actor_name} mentioned you in a comment", "sw": "{actor_name} amekutaja kwenye maoni"})

COMMENT_MENTION_EDITED = notification_type(
    "comment_mention_edited", sources=(COMMENT_EDITED,), category="social", recipient="mentioned_user_id",
    each=Each("newly_mentioned_user_ids", as_field="mentioned_user_id"), actor="user_id",
    about=("comment", "comment_id"), link="nexgate://posts/{post_id}/comments/{comment_id}",
    in_app={"en": "{actor_name} mentioned you in a comment", "sw": "{actor_name} amekutaja kwenye maoni"})

POST_REPOSTED_NOTICE = notification_type(
    "post_reposted", sources=(POST_REPOSTED,), recipient="author_id",
    each=Each("original_author_ids", as_field="author_id"), actor="user_id", category="social",
    about=("post", "post_id"), link="nexgate://posts/{repost_id}", grouping=Grouping(on="post_id"),
    in_app={"en": "{actor_name} reposted your post", "sw": "{actor_name} amechapisha upya chapisho lako"},
    in_app_many={"sw": "{actor_name} wamechapisha upya chapisho lako"})

POST_QUOTED_NOTICE = notification_type(
    "post_quoted", sources=(POST_QUOTED,), recipient="author_id",
    each=Each("original_author_ids", as_field="author_id"), actor="user_id", category="social",
    about=("post", "quote_id"), params=("preview",), link="nexgate://posts/{quote_id}",
    in_app={"en": "{actor_name} quoted your post: '{preview}'",
            "sw": "{actor_name} amenukuu chapisho lako: '{preview}'"})

PRODUCT_POST_LIKED = notification_type(
    "product_post_liked", sources=(POST_LIKED,), **_TO_EACH_SELLER, params=("product_name",),
    grouping=Grouping(on="post_id"),
    in_app={"en": "{actor_name} liked a post featuring your product '{product_name}'",
            "sw": "{actor_name} amependa chapisho lenye bidhaa yako '{product_name}'"},
    in_app_many={"sw": "{actor_name} wamependa chapisho lenye bidhaa yako '{product_name}'"})

PRODUCT_POST_COMMENTED = notification_type(
    "product_post_commented", sources=(COMMENT_CREATED,), **_TO_EACH_SELLER,
    in_app={"en": "{actor_name} commented on a post featuring your product",
            "sw": "{actor_name} ametoa maoni kwenye chapisho lenye bidhaa yako"})

TYPES = (POST_LIKED_NOTICE, POST_COMMENTED, COMMENT_REPLIED, COMMENT_MENTION, COMMENT_MENTION_EDITED,
         POST_REPOSTED_NOTICE, POST_QUOTED_NOTICE, PRODUCT_POST_LIKED, PRODUCT_POST_COMMENTED)
