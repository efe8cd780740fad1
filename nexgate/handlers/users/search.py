"""User search and suggested users."""
from __future__ import annotations

import marshmallow as ma
from aiohttp import web

from ...domain.users import search, suggestions
from ...keys import PLATFORM
from ...pagination import PageQuery, page_schema
from ..routing import Routes, caller, json_response
from .schemas import UserCardSchema

routes = Routes("search")


class SearchQuerySchema(PageQuery):
    q = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=search.MAX_QUERY), metadata={
        "description": "Part of a username or display name: prefixes, and from three letters fuzzy matches"})


class SuggestionsQuerySchema(ma.Schema):
    limit = ma.fields.Integer(load_default=suggestions.DEFAULT_LIMIT,
                              validate=ma.validate.Range(min=1, max=suggestions.MAX_LIMIT))


class FoundSchema(UserCardSchema):
    following = ma.fields.Boolean(required=True, metadata={"description": "You follow them (they come first)"})


SearchPageSchema = page_schema(FoundSchema, name="SearchPageSchema")


class SuggestionSchema(ma.Schema):
    user = ma.fields.Nested(UserCardSchema, required=True)
    reason = ma.fields.String(required=True, metadata={"example": "followed by @amina and 3 others"})
    follows_you = ma.fields.Boolean(required=True)
    followed_by_count = ma.fields.Integer(required=True, metadata={
        "description": "How many of the people you follow follow them"})
    followed_by = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Up to three of them (usernames), the ones you followed most recently first"})


class SuggestionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema), required=True)


def _card(user) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "avatar_media_id": user.avatar_media_id, "is_verified": user.verified_at is not None}


@routes.get("/api/search/users", summary="Search users by username and display name", query=SearchQuerySchema,
            response=SearchPageSchema)
async def search_users(request: web.Request, *, query: dict) -> web.Response:
    """People you follow come first, then the best matches: an exact username, then username
    prefixes, display-name prefixes, then similar spellings. Users blocked either way never
    appear. `q` must have 1 to 50 characters (422)."""
    page = await search.search_users(request.app[PLATFORM], caller(request), **query)
    return json_response(SearchPageSchema, page.map(lambda found: {**_card(found), "following": found.following}))


@routes.get("/api/users/suggestions", summary="People you may want to follow, with the reason",
            query=SuggestionsQuerySchema, response=SuggestionListSchema)
async def suggested(request: web.Request, *, query: dict) -> web.Response:
    """Accounts followed by people you follow (the more of them, the higher), and people who
    follow you; never anyone you follow, asked to follow, muted or blocked, nor who blocked you."""
    items = await suggestions.suggestions(request.app[PLATFORM], caller(request), **query)
    return json_response(SuggestionListSchema, {"items": [
        {"user": _card(s.user), "reason": s.reason, "follows_you": s.user.follows_you,
         "followed_by_count": s.user.via_count, "followed_by": s.user.via_usernames} for s in items]})
