"""Request and response schemas of likes, comments, reposts and bookmarks (docs/social.md)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.social.comments import MAX_DEPTH
from ...pagination import PageQuery, page_schema
from ...validation import Name, Text
from ..users.schemas import UserCardSchema
from .schemas import PostEntitySchema, PostSchema


class PostLikeSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True)
    liked = ma.fields.Boolean(required=True, metadata={"description": "Whether you like the post now"})
    likes_count = ma.fields.Integer(required=True, metadata={"description": "The post's likes, with yours"})


class CommentLikeSchema(ma.Schema):
    comment_id = ma.fields.UUID(required=True)
    liked = ma.fields.Boolean(required=True)
    likes_count = ma.fields.Integer(required=True)


class CommentIn(ma.Schema):
    text = Text(required=True, validate=ma.validate.Length(min=1, max=2000), metadata={
        "description": "Plain text, as typed; @mentions are parsed into entities"})

    @ma.validates("text")
    def _not_blank(self, value: str, **kwargs) -> None:
        if not value.strip():
            raise ma.ValidationError("A comment has some text")


class CommentSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    post_id = ma.fields.UUID(required=True)
    parent_comment_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "The comment this one replies to; null for a comment on the post"})
    depth = ma.fields.Integer(required=True, metadata={
        "description": f"0 for a comment, the parent's + 1 for a reply (at most {MAX_DEPTH})"})
    author = ma.fields.Nested(UserCardSchema, required=True)
    text = ma.fields.String(required=True, allow_none=True, metadata={"description": "null once deleted"})
    entities = ma.fields.List(ma.fields.Nested(PostEntitySchema), required=True, metadata={
        "description": "Links, mentions (with user_id), shop mentions and hashtags; empty once deleted"})
    likes_count = ma.fields.Integer(required=True)
    replies_count = ma.fields.Integer(required=True, metadata={"description": "Its direct replies not deleted"})
    liked = ma.fields.Boolean(required=True, metadata={"description": "Whether you like it"})
    created_at = ma.fields.AwareDateTime(required=True)
    edited_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    deleted = ma.fields.Boolean(required=True)
    deleted_at = ma.fields.AwareDateTime(required=True, allow_none=True)


CommentPageSchema = page_schema(CommentSchema)


class BookmarkIn(ma.Schema):
    collection_id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "One of your collections; none: \"All bookmarks\" only"})


class MoveIn(ma.Schema):
    collection_id = ma.fields.UUID(required=True, allow_none=True, metadata={
        "description": "One of your collections, or null for none"})


class BookmarksQuery(PageQuery):
    collection_id = ma.fields.UUID(load_default=None, metadata={"description": "Only this collection's"})


class BookmarkSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True)
    collection_id = ma.fields.UUID(required=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    post = ma.fields.Nested(PostSchema, required=True, allow_none=True, metadata={
        "description": "The post as GET /api/posts/{post_id} shows it; null if you may no longer see it"})


BookmarkPageSchema = page_schema(BookmarkSchema)


class CollectionIn(ma.Schema):
    name = Name(required=True, validate=ma.validate.Length(min=1, max=80))
    description = Text(load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=300))
    is_private = ma.fields.Boolean(load_default=True)


class CollectionPatch(ma.Schema):
    name = Name(validate=ma.validate.Length(min=1, max=80))
    description = Text(allow_none=True, validate=ma.validate.Length(min=1, max=300))
    is_private = ma.fields.Boolean()


class CollectionSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True, allow_none=True)
    is_private = ma.fields.Boolean(required=True)
    bookmarks_count = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


CollectionPageSchema = page_schema(CollectionSchema)




class RepostSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True, metadata={"description": "The post reposted (a repost's original)"})
    reposts_count = ma.fields.Integer(required=True)
    post = ma.fields.Nested(PostSchema, required=True, allow_none=True, metadata={
        "description": "Your repost, as GET /api/posts/{id} shows it; null once taken back"})


class QuoteIn(ma.Schema):
    text = Text(required=True, validate=ma.validate.Length(min=1, max=5000))
    visibility = ma.fields.String(load_default="public", validate=ma.validate.OneOf(("public", "followers",
                                                                                      "private")))

    @ma.validates("text")
    def _not_blank(self, value: str, **kwargs) -> None:
        if not value.strip():
            raise ma.ValidationError("A quote has some text")


class QuoteSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True, metadata={"description": "The post quoted"})
    quotes_count = ma.fields.Integer(required=True)
    post = ma.fields.Nested(PostSchema, required=True, metadata={
        "description": "Your quote post, as GET /api/posts/{id} shows it"})


RepostPageSchema = page_schema(PostSchema, name="RepostPageSchema")
