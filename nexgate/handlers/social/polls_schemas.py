"""The schemas of poll voting, results and voters (the OpenAPI document is generated
from them; domain/social/views.py makes the dicts they document)."""
from __future__ import annotations

import marshmallow as ma

from ...pagination import page_schema
from ..users.schemas import UserCardSchema

MAX_OPTIONS = 10


class VoteIn(ma.Schema):
    option_ids = ma.fields.List(ma.fields.UUID(), required=True, validate=ma.validate.Length(min=1, max=MAX_OPTIONS),
                                metadata={"description": "The options chosen: exactly one on a single-choice poll"})


class PollResultsOptionSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    position = ma.fields.Integer(required=True, metadata={"description": "0 for the first option"})
    text = ma.fields.String(required=True)
    votes = ma.fields.Integer(required=True)
    percent = ma.fields.Integer(required=True, metadata={
        "description": "Whole percent of all votes (0 to 100). The options' percents sum to exactly 100 once anyone "
                       "voted (largest remainder: each share rounded down, the points left over to the largest "
                       "remainders, the earlier option first on a tie); all 0 before the first vote"})


class PollResultsSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    post_id = ma.fields.UUID(required=True)
    question = ma.fields.String(required=True, allow_none=True)
    allows_multiple = ma.fields.Boolean(required=True)
    is_anonymous = ma.fields.Boolean(required=True, metadata={"description": "true: no one sees who chose what"})
    state = ma.fields.String(required=True, metadata={
        "description": "open; closed (by the post's creator, closed_at); expired (expires_at passed)"})
    expires_at = ma.fields.AwareDateTime(required=True, allow_none=True, metadata={"description": "null: open-ended"})
    closed_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    seconds_remaining = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "Whole seconds until expires_at at the server's clock (0 once expired or closed); null: "
                       "open-ended"})
    total_votes = ma.fields.Integer(required=True, metadata={
        "description": "Votes (a voter of a multiple-choice poll casts several)"})
    voters_count = ma.fields.Integer(required=True, metadata={"description": "People who voted"})
    options = ma.fields.List(ma.fields.Nested(PollResultsOptionSchema), required=True)
    my_option_ids = ma.fields.List(ma.fields.UUID(), required=True, allow_none=True, metadata={
        "description": "The options you chose ([] before you vote); null when signed out and in live frames"})


class PollVoterSchema(ma.Schema):
    user = ma.fields.Nested(UserCardSchema, required=True)
    voted_at = ma.fields.AwareDateTime(required=True)


PollVoterPageSchema = page_schema(PollVoterSchema)
