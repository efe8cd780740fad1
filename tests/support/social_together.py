"""Clients of polls, image tags and collaborative posts as an app calls them (docs/social.md,
"Polls", "Image tags", "Collaborative posts"). Each helper takes the acting user's token
response (``tokens_of(api)`` for a ``NexgateClient``; None: anonymous), asserts the expected
status (``expect``) and returns the decoded body (None for 204)."""
from __future__ import annotations

import pytest_asyncio

from tests.support.commerce import call
from tests.support.live import Users


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def people():
    """Registered users as ``NexgateClient``s for a module sharing one app, closed after it."""
    made = Users()
    yield made
    await made.close()


def tokens_of(api) -> dict:
    """The token response of a ``NexgateClient``, as the REST helpers take it."""
    return {**api.tokens, "id": str(api.user_id), "username": api.tokens["user"]["username"]}


async def vote(client, tokens: dict, poll_id: str, option_ids: list, *, expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/polls/{poll_id}/vote", tokens, expect, json={"option_ids": option_ids})


async def change_vote(client, tokens: dict, poll_id: str, option_ids: list, *, expect: int = 200) -> dict:
    return await call(client, "PATCH", f"/api/polls/{poll_id}/vote", tokens, expect, json={"option_ids": option_ids})


async def results(client, tokens: dict | None, poll_id: str, *, expect: int = 200) -> dict:
    return await call(client, "GET", f"/api/polls/{poll_id}/results", tokens, expect)


async def close_poll(client, tokens: dict, poll_id: str, *, expect: int = 200) -> dict:
    return await call(client, "POST", f"/api/polls/{poll_id}/close", tokens, expect)


async def voters(client, tokens: dict | None, poll_id: str, option_id: str, *, expect: int = 200, **params) -> dict:
    return await call(client, "GET", f"/api/polls/{poll_id}/options/{option_id}/voters", tokens, expect,
                      params=params)


def _tags(post_id: str, media_id: str) -> str:
    return f"/api/posts/{post_id}/media/{media_id}/tags"


async def tag(client, tokens: dict, post_id: str, media_id: str, kind: str, target_id: str, *, x=50, y=50,
              expect: int = 201) -> dict:
    return await call(client, "POST", _tags(post_id, media_id), tokens, expect,
                      json={"kind": kind, "target_id": target_id, "x": x, "y": y})


async def untag(client, tokens: dict, post_id: str, media_id: str, tag_id: str, *, expect: int = 204):
    return await call(client, "DELETE", f"{_tags(post_id, media_id)}/{tag_id}", tokens, expect)


async def tags(client, tokens: dict | None, post_id: str, media_id: str, *, expect: int = 200) -> list | dict:
    found = await call(client, "GET", _tags(post_id, media_id), tokens, expect)
    return found["items"] if expect == 200 else found


async def invites(client, tokens: dict, **params) -> dict:
    return await call(client, "GET", "/api/posts/collaborations", tokens, 200, params=params)


async def answer(client, tokens: dict, post_id: str, verdict: str, *, expect: int | None = None):
    """``verdict`` accept (200 with the collaborators) or decline (204)."""
    expect = expect or (200 if verdict == "accept" else 204)
    return await call(client, "POST", f"/api/posts/{post_id}/collaboration/{verdict}", tokens, expect)


async def invite(client, tokens: dict, post_id: str, user_ids: list, *, expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/posts/{post_id}/collaborators", tokens, expect,
                      json={"user_ids": user_ids})


async def remove_collaborator(client, tokens: dict, post_id: str, user_id: str, *, expect: int = 204):
    return await call(client, "DELETE", f"/api/posts/{post_id}/collaborators/{user_id}", tokens, expect)


async def collaborators(client, tokens: dict | None, post_id: str, *, expect: int = 200) -> dict:
    return await call(client, "GET", f"/api/posts/{post_id}/collaborators", tokens, expect)
