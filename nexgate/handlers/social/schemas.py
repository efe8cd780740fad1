"""The social area's request and response schemas (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.social import access, collaboration, composing, posts
from ...pagination import PageQuery, page_schema
from ...validation import Name, Text
from ..media.schemas import MediaSchema
from ..routing import PathId
from ..users.schemas import UserCardSchema
from .polls_schemas import PollResultsSchema

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
    embeds = ma.fields.List(ma.fields.Nested(lambda: EmbedIn()), load_default=list,
                            validate=ma.validate.Length(max=composing.MAX_EMBEDS), metadata={
        "description": "Published products, open shops and published events to show as cards, in order"})
    poll = ma.fields.Nested(lambda: PollIn(), load_default=None, allow_none=True)
    collaborator_ids = ma.fields.List(ma.fields.UUID(), load_default=list,
                                      validate=ma.validate.Length(max=collaboration.MAX_COLLABORATORS), metadata={
        "description": "Up to 10 users invited to co-author it (not yourself); the post is published once they "
                       "have all answered"})
    scheduled_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "Publish at this time (in the future) instead of now"})


class EmbedIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["product", "shop", "event"]))
    id = ma.fields.UUID(required=True)


class PollIn(ma.Schema):
    question = Name(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=300))
    options = ma.fields.List(Name(validate=ma.validate.Length(min=1, max=100)), required=True,
                             validate=ma.validate.Length(min=2, max=10), metadata={"description": "2 to 10 options"})
    allows_multiple = ma.fields.Boolean(load_default=False)
    is_anonymous = ma.fields.Boolean(load_default=False)
    expires_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "In the future; null: open until its creator closes it"})


class PostEditIn(ma.Schema):
    """Only what is sent changes."""

    text = Text(validate=ma.validate.Length(max=posts.MAX_TEXT))
    visibility = ma.fields.String(validate=ma.validate.OneOf(posts.VISIBILITIES))
    media_ids = ma.fields.List(ma.fields.UUID(), validate=ma.validate.Length(max=posts.MAX_MEDIA))
    embeds = ma.fields.List(ma.fields.Nested(lambda: EmbedIn()), validate=ma.validate.Length(max=composing.MAX_EMBEDS))


class PublishIn(ma.Schema):
    scheduled_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "Schedule it for this time (in the future) instead of publishing now"})


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


class _PriceRange(ma.Schema):
    min = ma.fields.Integer(required=True)
    max = ma.fields.Integer(required=True)


class _ShopRef(ma.Schema):
    id = ma.fields.UUID(required=True)
    handle = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class _Rating(ma.Schema):
    average = ma.fields.Float(required=True, allow_none=True)
    count = ma.fields.Integer(required=True)
    stars = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)


class _Local(ma.Schema):
    starts_at = ma.fields.String(allow_none=True)
    ends_at = ma.fields.String(allow_none=True)


class EmbedCardSchema(ma.Schema):
    """A product, shop or event card (its area's): ``kind``, ``id``, ``state``, ``topic`` always;
    the rest by kind, and none of it when ``state`` is ``unavailable``."""

    kind = ma.fields.String(required=True, metadata={"enum": ["product", "shop", "event"]})
    id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True, metadata={
        "description": "The product's (active, archived), shop's (open, closed) or event's (published, cancelled, "
                       "completed) state now, or unavailable when you may no longer see it"})
    topic = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Where its live changes come (product:<id>, event:<id>; a shop has none)"})
    mention_type = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "A shop's: link (embedded) or mention (a $handle in the text)"})
    name = ma.fields.String(metadata={"description": "product, shop"})
    title = ma.fields.String(allow_none=True, metadata={"description": "event"})
    image = ma.fields.Nested(MediaSchema, allow_none=True, metadata={"description": "product, event"})
    logo = ma.fields.Nested(MediaSchema, allow_none=True, metadata={"description": "shop"})
    handle = ma.fields.String(metadata={"description": "shop"})
    rating = ma.fields.Nested(_Rating, metadata={"description": "shop"})
    shop = ma.fields.Nested(_ShopRef, metadata={"description": "product"})
    currency = ma.fields.String(metadata={"description": "product, event"})
    price_range = ma.fields.Nested(_PriceRange, allow_none=True, metadata={"description": "product, event"})
    available = ma.fields.Integer(metadata={"description": "product: units available"})
    stock_status = ma.fields.String(metadata={"enum": ["in_stock", "low_stock", "out_of_stock"]})
    starts_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "event"})
    ends_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "event"})
    local = ma.fields.Nested(_Local, metadata={"description": "event: in its time zone"})
    format = ma.fields.String(allow_none=True, metadata={"description": "event: in_person or online"})
    venue_name = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    region = ma.fields.String(allow_none=True)
    country = ma.fields.String(allow_none=True)
    tickets_available = ma.fields.Integer(metadata={"description": "event: tickets left of its public types"})
    sold_out = ma.fields.Boolean(metadata={"description": "event"})


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
    embeds = ma.fields.List(ma.fields.Nested(EmbedCardSchema), required=True, metadata={
        "description": "Products, shops and events, in order, each as its area's card"})
    poll = ma.fields.Nested(PollResultsSchema, required=True, allow_none=True, metadata={
        "description": "Its poll's results as GET /api/polls/{poll_id}/results shows them to you"})
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


PostPageSchema = page_schema(PostSchema, name="PostPageSchema")


class PostEditSchema(ma.Schema):
    """An earlier version of a post: what an edit replaced."""

    id = ma.fields.UUID(required=True)
    editor = ma.fields.Nested(UserCardSchema, required=True)
    text = ma.fields.String(required=True)
    entities = ma.fields.List(ma.fields.Nested(PostEntitySchema), required=True)
    visibility = ma.fields.String(required=True, metadata={"enum": list(posts.VISIBILITIES)})
    changed = ma.fields.List(ma.fields.String(metadata={"enum": ["text", "visibility", "media", "embeds"]}),
                             required=True, metadata={"description": "What the edit changed"})
    edited_at = ma.fields.AwareDateTime(required=True)


PostEditPageSchema = page_schema(PostEditSchema, name="PostEditPageSchema")
DraftsQuery = PageQuery
