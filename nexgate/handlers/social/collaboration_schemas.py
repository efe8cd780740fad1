"""The schemas of collaborative posts' co-authors and invites (the OpenAPI document is generated
from them; domain/social/views.py makes the dicts they document)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.social import collaboration
from ...pagination import page_schema
from ..users.schemas import UserCardSchema


class InviteIn(ma.Schema):
    user_ids = ma.fields.List(ma.fields.UUID(), required=True, validate=ma.validate.Length(
        min=1, max=collaboration.MAX_COLLABORATORS))


class CollaboratorSchema(ma.Schema):
    user = ma.fields.Nested(UserCardSchema, required=True)
    status = ma.fields.String(required=True, metadata={"description": "pending or accepted"})
    invited_by = ma.fields.UUID(required=True)
    invited_at = ma.fields.AwareDateTime(required=True)
    accepted_at = ma.fields.AwareDateTime(required=True, allow_none=True)


class CollaboratorsSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True)
    collaborators = ma.fields.List(ma.fields.Nested(CollaboratorSchema), required=True, metadata={
        "description": "Accepted first (in the order they accepted), then pending invites (shown only to the "
                       "post's authors and invitees)"})


class _InvitedPost(ma.Schema):
    id = ma.fields.UUID(required=True)
    creator_id = ma.fields.UUID(required=True)
    state = ma.fields.String(required=True)
    visibility = ma.fields.String(required=True)
    text = ma.fields.String(required=True, metadata={"description": "Its first 280 characters"})
    created_at = ma.fields.AwareDateTime(required=True)


class CollaborationInviteSchema(ma.Schema):
    post_id = ma.fields.UUID(required=True)
    invited_at = ma.fields.AwareDateTime(required=True)
    invited_by = ma.fields.Nested(UserCardSchema, required=True)
    post = ma.fields.Nested(_InvitedPost, required=True)


CollaborationInvitePageSchema = page_schema(CollaborationInviteSchema)
