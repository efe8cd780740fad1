"""Likes, comments, reposts, quotes and bookmarks as an app calls them (docs/social.md). Each
helper takes the acting user's token response (None: anonymous), asserts the status
(``expect``) and returns the decoded body (None for a 204)."""
from __future__ import annotations

from nexgate.keys import PLATFORM
from tests.support.commerce import call  # noqa: F401  (re-exported for the tests)


async def like(client, tokens, post_id: str, *, expect: int = 200) -> dict:
    return await call(client, "POST", f"/api/posts/{post_id}/like", tokens, expect)


async def unlike(client, tokens, post_id: str, *, expect: int = 200) -> dict:
    return await call(client, "DELETE", f"/api/posts/{post_id}/unlike", tokens, expect)


async def comment(client, tokens, post_id: str, text: str, *, expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/posts/{post_id}/comments", tokens, expect, json={"text": text})


async def reply(client, tokens, comment_id: str, text: str, *, expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/comments/{comment_id}/reply", tokens, expect, json={"text": text})


async def page(client, tokens, path: str, *, expect: int = 200, **params) -> dict:
    return await call(client, "GET", path, tokens, expect, params=params)


async def counters(client, post_id: str) -> dict:
    """The post's counters as stored on its row."""
    async with client.app[PLATFORM].core.connection() as conn:
        row = await conn.fetchrow("SELECT likes_count, comments_count, reposts_count, quotes_count, bookmarks_count"
                                  " FROM posts WHERE id = $1", post_id)
    return {name.removesuffix("_count"): row[name] for name in row.keys()}


async def sql(client, query: str, *args):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetch(query, *args)


async def like_comment(client, tokens, comment_id: str, *, expect: int = 200) -> dict:
    return await call(client, "POST", f"/api/comments/{comment_id}/like", tokens, expect)
