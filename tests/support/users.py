"""Clients of the users API (profiles, follows, blocks, mutes) as an app would call them.

Each helper takes the acting user's token response (from ``tests.support.auth.register``)
and asserts the expected status (``expect``), returning the decoded JSON body (or None).
"""
from __future__ import annotations

from nexgate.keys import PLATFORM
from tests.support.auth import bearer, register


async def _call(client, method: str, path: str, tokens: dict | None, expect: int, **kwargs):
    headers = bearer(tokens) if tokens else {}
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status == expect, f"{method} {path}: {response.status} {await response.text()}"
    return None if response.status == 204 else await response.json()


async def user(client, **fields) -> dict:
    """Register a user: its token response with ``id`` and ``username`` at the top level."""
    tokens = await register(client, **fields)
    return {**tokens, "id": tokens["user"]["id"], "username": tokens["user"]["username"]}


async def profile(client, tokens: dict | None, ref: str, *, expect: int = 200) -> dict:
    return await _call(client, "GET", f"/api/users/{ref}", tokens, expect)


async def update_profile(client, tokens: dict, user_id: str, *, expect: int = 200, **fields) -> dict:
    return await _call(client, "PATCH", f"/api/users/{user_id}", tokens, expect, json=fields)


async def follow(client, tokens: dict, user_id: str, *, expect: int = 201) -> dict:
    """Follow (or request to follow a private account): ``{"state": "following" | "requested"}``."""
    return await _call(client, "POST", f"/api/users/{user_id}/follow", tokens, expect)


async def unfollow(client, tokens: dict, user_id: str, *, expect: int = 204):
    return await _call(client, "DELETE", f"/api/users/{user_id}/unfollow", tokens, expect)


async def accept(client, tokens: dict, requester_id: str, *, expect: int = 204):
    return await _call(client, "POST", f"/api/follows/{requester_id}/accept", tokens, expect)


async def decline(client, tokens: dict, requester_id: str, *, expect: int = 204):
    return await _call(client, "POST", f"/api/follows/{requester_id}/decline", tokens, expect)


async def block(client, tokens: dict, user_id: str, *, expect: int = 204):
    return await _call(client, "POST", f"/api/users/{user_id}/block", tokens, expect)


async def unblock(client, tokens: dict, user_id: str, *, expect: int = 204):
    return await _call(client, "DELETE", f"/api/users/{user_id}/unblock", tokens, expect)


async def mute(client, tokens: dict, user_id: str, *, expect: int = 204):
    return await _call(client, "POST", f"/api/users/{user_id}/mute", tokens, expect)


async def unmute(client, tokens: dict, user_id: str, *, expect: int = 204):
    return await _call(client, "DELETE", f"/api/users/{user_id}/unmute", tokens, expect)


async def listing(client, tokens: dict | None, path: str, *, expect: int = 200, **params) -> dict:
    """One page of a cursor-paginated list: ``{"items": [...], "next_cursor": str | None}``."""
    return await _call(client, "GET", path, tokens, expect, params=params)


async def all_pages(client, tokens: dict | None, path: str, *, limit: int = 20) -> list[dict]:
    """Every item of a cursor-paginated list, following ``next_cursor`` to the end."""
    items, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await listing(client, tokens, path, **params)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def counters(client, user_id: str) -> tuple[int, int]:
    """(followers_count, following_count) as stored on the users row."""
    async with client.app[PLATFORM].core.connection() as conn:
        row = await conn.fetchrow("SELECT followers_count, following_count FROM users WHERE id = $1", user_id)
    return row["followers_count"], row["following_count"]


async def events(client, routing_key: str, **match: str) -> list[dict]:
    """Payloads of outbox events of ``routing_key`` whose payload has every ``match`` field."""
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE routing_key = $1 ORDER BY created_at", routing_key)
    return [row["payload"] for row in rows if all(row["payload"].get(k) == v for k, v in match.items())]
