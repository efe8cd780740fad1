"""Live (WebSocket) clients for the tests: the project's own client, plus raw frames."""
from __future__ import annotations

import uuid

import aiohttp
import orjson

from nexgate.client import NexgateClient
from nexgate.keys import PLATFORM
from tests.support.auth import registration


def base_url(server) -> str:
    """The base URL of an aiohttp TestClient or TestServer."""
    return str(server.make_url("")).rstrip("/")


class Users:
    """``await users.new(client)``: a registered user's NexgateClient; closed after the test."""

    def __init__(self):
        self.made: list[NexgateClient] = []

    async def new(self, server, **fields) -> NexgateClient:
        api = NexgateClient(base_url(server))
        self.made.append(api)
        await api.register(**registration(**fields))
        api.user_id = uuid.UUID(api.tokens["user"]["id"])
        return api

    def on(self, server, api: NexgateClient) -> NexgateClient:
        """The same user (same tokens) talking to another server process."""
        other = NexgateClient(base_url(server))
        self.made.append(other)
        other.tokens, other.user_id = api.tokens, api.user_id
        return other

    async def close(self) -> None:
        for api in self.made:
            await api.close()


async def raw(client, token: str | None = None, **auth_fields) -> tuple[aiohttp.ClientWebSocketResponse, dict | None]:
    """A bare socket on ``/ws``; with a token, authenticated, and its ready (or error) frame."""
    ws = await client.ws_connect("/ws")
    if token is None:
        return ws, None
    await send(ws, type="auth", id="auth", token=token, **auth_fields)
    return ws, await receive(ws)


async def send(ws, **frame) -> None:
    await ws.send_str(orjson.dumps(frame).decode())


async def receive(ws, timeout: float = 5.0) -> dict | None:
    """The next text frame as JSON, or None once the socket closed."""
    message = await ws.receive(timeout=timeout)
    if message.type == aiohttp.WSMsgType.TEXT:
        return orjson.loads(message.data)
    return None


def publisher(client):
    """The realtime publishing API of the app behind ``client``."""
    return client.app[PLATFORM].realtime


async def close_code(ws, timeout: float = 10.0, frames: list | None = None) -> int | None:
    """Read until the server closes the socket; the code it closed with. Text frames read on
    the way are appended to ``frames`` if given."""
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.TEXT and frames is not None:
            frames.append(orjson.loads(message.data))
        if message.type == aiohttp.WSMsgType.CLOSE:
            return message.data  # the server's code, even if replying to it then fails
        if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return ws.close_code
