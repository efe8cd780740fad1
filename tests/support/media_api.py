"""The media API as a client calls it, and what a test checks behind it: rows and stored files."""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from PIL import Image

from nexgate.keys import PLATFORM


async def upload(client, user: dict, purpose: str | None, files: list[tuple[str, bytes]]) -> tuple[int, dict]:
    form = aiohttp.FormData()
    for filename, content in files:
        form.add_field("file", content, filename=filename, content_type="application/octet-stream")
    params = {} if purpose is None else {"purpose": purpose}
    response = await client.post("/api/media", params=params, data=form, headers=user["headers"])
    return response.status, await response.json()


async def get_url(client, url: str) -> tuple[int, bytes]:
    """GET a media URL: through the test app for its own /media, else over HTTP (S3)."""
    parts = urlsplit(url)
    if url.startswith(client.app[PLATFORM].config.public_url + "/media/"):
        response = await client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        return response.status, await response.read()
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read()


async def fetch(client, url: str) -> bytes:
    """The bytes behind a media URL, which must answer 200."""
    status, content = await get_url(client, url)
    assert status == 200, content
    return content


async def media_rows(client, user: dict) -> int:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM media WHERE owner_id = $1", uuid.UUID(user["user"]["id"]))


def stored_files(config) -> list[str]:
    root = Path(config.media_local_dir)
    return sorted(str(Path(d, f).relative_to(root)) for d, _, names in os.walk(root) for f in names)


def noise_jpeg(width: int, height: int) -> bytes:
    """A JPEG that does not compress: random pixels."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()
