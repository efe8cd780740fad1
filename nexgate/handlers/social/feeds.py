"""The feeds over REST (docs/social.md, "Feeds"): home, explore, a user's posts, a hashtag's
info and posts. Declared before the posts' routes, so that /api/posts/explore is not read as a
post id."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import feeds
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .feed_schemas import AUTHOR_ID, HashtagSchema, PostPageSchema

routes = Routes("social")


def _viewer_id(request: web.Request) -> uuid.UUID | None:
    found = viewer(request)
    return None if found is None else found.user_id


@routes.get("/api/posts", summary="Your home feed", query=PageQuery, response=PostPageSchema)
async def home(request: web.Request, *, query: dict) -> web.Response:
    """The posts and reposts of the accounts you follow (and the posts they co-author), and
    your own, newest first. Blocked and muted accounts are left out, and so is what you may not
    see (a followers-only post of someone you no longer follow, a deleted post), at each read."""
    page = await feeds.home(request.app[PLATFORM], caller(request).user_id, **query)
    return json_response(PostPageSchema, page)


@routes.get("/api/posts/explore", summary="Explore: popular recent public posts", query=PageQuery,
            response=PostPageSchema, auth=OPTIONAL)
async def explore(request: web.Request, *, query: dict) -> web.Response:
    """No token needed. Public posts of the last three days from people you do not follow (and
    not yours), ranked by engagement decayed by age (docs/social.md, "Explore"); blocked and
    muted accounts left out."""
    page = await feeds.explore(request.app[PLATFORM], _viewer_id(request), **query)
    return json_response(PostPageSchema, page)


@routes.get("/api/users/{user_id}/posts", summary="A user's posts", ids=(AUTHOR_ID,), query=PageQuery,
            response=PostPageSchema, errors=(403, 404), auth=OPTIONAL)
async def user_posts(request: web.Request, *, query: dict, user_id: uuid.UUID) -> web.Response:
    """No token needed for a public account. Their published posts and reposts, with the posts
    they accepted to co-author, newest first. 404 `user_not_found` (no such user, or they
    blocked you), 403 `user_blocked` (you blocked them), 403 `private_account` (a private
    account you do not follow)."""
    page = await feeds.user_posts(request.app[PLATFORM], _viewer_id(request), user_id, **query)
    return json_response(PostPageSchema, page)


@routes.get("/api/hashtags/{tag}", summary="A hashtag", response=HashtagSchema, errors=(404,), auth=OPTIONAL)
async def hashtag(request: web.Request) -> web.Response:
    """No token needed. Any letter case, with or without a leading '#' (as %23). 404
    `hashtag_not_found` for a tag no post ever carried."""
    found = await feeds.hashtag(request.app[PLATFORM], request.match_info["tag"])
    return json_response(HashtagSchema, {"tag": found.tag, "posts_count": found.posts_count})


@routes.get("/api/hashtags/{tag}/posts", summary="A hashtag's posts", query=PageQuery, response=PostPageSchema,
            errors=(404,), auth=OPTIONAL)
async def hashtag_posts(request: web.Request, *, query: dict) -> web.Response:
    """No token needed. The published posts carrying it that you may see, newest first; 404
    `hashtag_not_found`."""
    page = await feeds.hashtag_posts(request.app[PLATFORM], _viewer_id(request), request.match_info["tag"], **query)
    return json_response(PostPageSchema, page)
