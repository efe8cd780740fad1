"""The feeds' request and response schemas (docs/social.md, "Feeds")."""
from __future__ import annotations

import marshmallow as ma

from ...errors import NotFound
from ...pagination import page_schema
from ..routing import PathId
from .schemas import PostSchema

AUTHOR_ID = PathId("user_id", lambda raw: NotFound("No such user", code="user_not_found"))

PostPageSchema = page_schema(PostSchema, name="PostPageSchema")


class HashtagSchema(ma.Schema):
    tag = ma.fields.String(required=True, metadata={"description": "lower case, without the '#'"})
    posts_count = ma.fields.Integer(required=True, metadata={"description": "published posts carrying it"})
