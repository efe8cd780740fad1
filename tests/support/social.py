"""Clients of the social API as an app would call them (docs/social.md). Each helper takes the
acting user's token response (``tests.support.users.user``; None: anonymous), asserts the
expected status (``expect``) and returns the decoded JSON body (None for 204)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import eventually
from tests.support.auth import bearer
from tests.support.media import jpeg_bytes, make_video
from tests.support.media_api import upload
from tests.support.users import _call


async def create_post(client, tokens: dict, *, expect: int = 201, **fields) -> dict:
    """``POST /api/posts`` with ``fields`` as the body (text defaults to a line of its own)."""
    body = {"text": "Habari za leo", **fields}
    return await _call(client, "POST", "/api/posts", tokens, expect, json=body)


async def draft_post(client, tokens: dict, *, expect: int = 201, **fields) -> dict:
    return await create_post(client, tokens, expect=expect, publish=False, **fields)


async def get_post(client, tokens: dict | None, post_id: str, *, expect: int = 200) -> dict:
    return await _call(client, "GET", f"/api/posts/{post_id}", tokens, expect)


async def sees_post(client, tokens: dict | None, post_id: str) -> bool:
    """True if the viewer gets the post, False if it is 404 ``post_not_found`` for them."""
    headers = bearer(tokens) if tokens else {}
    response = await client.get(f"/api/posts/{post_id}", headers=headers)
    if response.status == 404:
        assert (await response.json())["error"]["code"] == "post_not_found"
        return False
    assert response.status == 200, await response.text()
    return True


async def post_image(client, tokens: dict, *, purpose: str = "post", width: int = 320, height: int = 240) -> str:
    """The id of a ready JPEG the user uploaded (with ``purpose``, ``post`` by default)."""
    status, body = await upload(client, {**tokens, "headers": bearer(tokens)}, purpose,
                                [("picha.jpg", jpeg_bytes(width, height))])
    assert status == 201, body
    return body["media"][0]["id"]


async def post_video(client, tokens: dict, *, width: int = 160, height: int = 120) -> str:
    """The id of a short MP4 the user uploaded for a post, once the ``media`` worker made it ready
    (the app must run that worker)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "klipu.mp4"
        make_video(path, width=width, height=height, seconds=0.5, audio=False)
        status, body = await upload(client, {**tokens, "headers": bearer(tokens)}, "post",
                                    [("klipu.mp4", path.read_bytes())])
    assert status == 201, body
    media_id = body["media"][0]["id"]

    async def ready():
        shown = await _call(client, "GET", f"/api/media/{media_id}", tokens, 200)
        assert shown["status"] != "failed", shown
        return shown["status"] == "ready"
    await eventually(ready, timeout=60, interval=0.2)
    return media_id


async def publish_post(client, tokens: dict, post_id: str, *, expect: int = 200, **body) -> dict:
    return await _call(client, "POST", f"/api/posts/{post_id}/publish", tokens, expect, json=body)


async def edit_post(client, tokens: dict, post_id: str, *, expect: int = 200, **fields) -> dict:
    return await _call(client, "PATCH", f"/api/posts/{post_id}", tokens, expect, json=fields)


async def delete_post(client, tokens: dict, post_id: str, *, expect: int = 204):
    return await _call(client, "DELETE", f"/api/posts/{post_id}", tokens, expect)


async def drafts(client, tokens: dict, *, expect: int = 200, **params) -> dict:
    return await _call(client, "GET", "/api/posts/drafts", tokens, expect, params=params)


async def post_edits(client, tokens: dict | None, post_id: str, *, expect: int = 200) -> dict:
    return await _call(client, "GET", f"/api/posts/{post_id}/edits", tokens, expect)
