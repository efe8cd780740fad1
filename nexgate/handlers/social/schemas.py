"""The social area's request and response schemas (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.social import access, posts
from ...validation import Text
from ..media.schemas import MediaSchema
from ..routing import PathId
from ..users.schemas import UserCardSchema

POST_ID = PathId("post_id", lambda raw: access.post_not_found())
POST_STATES = ["draft", "pending_collaboration", "scheduled", "published", "deleted"]
POST_TYPES = ["text", "image", "video", "mixed", "poll", "product", "event", "repost", "quote"]


class PostIn(ma.Schema):
    text = Text(load_default="", validate=ma.validate.Length(max=posts.MAX_TEXT), metadata={
        "description": "Plain text, up to 5000 characters, stored and returned as typed (no HTML is interpreted); "
                       "links, @mentions, $shop mentions and #hashtags become `entities`",
        "example": "Mzigo mpya umefika! @amina $duka_la_amina #kariakoo"})
    visibility = ma.fields.String(load_default="public", validate=ma.validate.OneOf(posts.VISIBILITIES), metadata={
        "description": "public: anyone (anonymous too); followers: the authors' followers; private: the users "
                       "mentioned in it"})
    publish = ma.fields.Boolean(load_default=True, metadata={"description": "false: save as a draft"})
    media_ids = ma.fields.List(ma.fields.UUID(), load_default=list,
                               validate=ma.validate.Length(max=posts.MAX_MEDIA), metadata={
        "description": "Your own ready images and videos uploaded with purpose post, in the order shown"})


# the post view

class PostEntitySchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"enum": ["link", "mention", "shop", "hashtag"]})
    offset = ma.fields.Integer(required=True, metadata={"description": "In Unicode code points"})
    length = ma.fields.Integer(required=True, metadata={"description": "In Unicode code points"})
    url = ma.fields.String(metadata={"description": "link"})
    username = ma.fields.String(metadata={"description": "mention: as typed"})
    user_id = ma.fields.UUID(metadata={"description": "mention: the user it names"})
    handle = ma.fields.String(metadata={"description": "shop: as typed"})
    shop_id = ma.fields.UUID(metadata={"description": "shop: the shop it names"})
    tag = ma.fields.String(metadata={"description": "hashtag: lower case, without the #"})


class CountersSchema(ma.Schema):
    likes = ma.fields.Integer(required=True)
    comments = ma.fields.Integer(required=True)
    reposts = ma.fields.Integer(required=True)
    quotes = ma.fields.Integer(required=True)
    bookmarks = ma.fields.Integer(required=True)


class ViewerStateSchema(ma.Schema):
    liked = ma.fields.Boolean(required=True)
    bookmarked = ma.fields.Boolean(required=True)
    reposted = ma.fields.Boolean(required=True)


class PostSchema(ma.Schema):
    """A post: the REST answer, the /ws ack and the live events carry the same object."""

    id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": ["original", "repost", "quote"]})
    post_type = ma.fields.String(required=True, metadata={"enum": POST_TYPES})
    state = ma.fields.String(required=True, metadata={"enum": POST_STATES})
    visibility = ma.fields.String(required=True, metadata={"enum": list(posts.VISIBILITIES)})
    text = ma.fields.String(required=True)
    entities = ma.fields.List(ma.fields.Nested(PostEntitySchema), required=True)
    authors = ma.fields.List(ma.fields.Nested(UserCardSchema), required=True, metadata={
        "description": "The creator first, then the accepted co-authors"})
    media = ma.fields.List(ma.fields.Nested(MediaSchema), required=True)
    embeds = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": "Products, shops and events, in order, each as its area's card"})
    poll = ma.fields.Dict(required=True, allow_none=True)
    counters = ma.fields.Nested(CountersSchema, required=True)
    viewer_state = ma.fields.Nested(ViewerStateSchema, required=True, metadata={
        "description": "Your own like, bookmark and repost of it (all false when anonymous)"})
    original_post_id = ma.fields.UUID(required=True, allow_none=True)
    original_post = ma.fields.Nested(lambda: PostSchema(exclude=("original_post",)), required=True, allow_none=True,
                                     metadata={"description": "The reposted or quoted post (null if you may not see it)"})
    published_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    edited_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    edits_count = ma.fields.Integer(required=True)
    scheduled_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
