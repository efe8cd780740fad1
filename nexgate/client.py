"""A small Python client of Nexgate: REST calls plus a live WebSocket session that
reconnects and resumes by itself (docs/websocket.md). The tests and the benchmarks use it.

    async with NexgateClient("http://localhost:8080") as api:
        await api.login("amina", "…")
        live = await api.live(device_name="laptop")
        await live.subscribe(f"presence:{friend_id}")
        event = await live.next_event()
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Any

import aiohttp
import orjson

log = logging.getLogger(__name__)

# Close codes after which the client reconnects (docs/websocket.md, "Close codes").
RECONNECT = {1001, 1006, 1011, 1012, 4004, 4009}
REFRESH_FIRST = {4004}
HEARTBEAT_S = 30.0  # the client pings too: a server silent for half of it is dropped and reconnected


class ApiError(Exception):
    """A REST call answered with an error status."""

    def __init__(self, status: int, body: Any):
        error = body.get("error", {}) if isinstance(body, dict) else {}
        super().__init__(f"{status} {error.get('code')}: {error.get('message')}")
        self.status, self.body = status, body
        self.code, self.details = error.get("code"), error.get("details", {})


class LiveError(Exception):
    """An ``error`` frame answering one of our requests."""

    def __init__(self, frame: dict[str, Any]):
        error = frame.get("error", {})
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code, self.details, self.frame = error.get("code"), error.get("details", {}), frame


class Closed(Exception):
    """The live session ended and will not reconnect."""

    def __init__(self, code: int | None, reason: str = ""):
        super().__init__(f"closed with {code} {reason}".strip())
        self.code, self.reason = code, reason


class NexgateClient:
    def __init__(self, base_url: str, *, session: aiohttp.ClientSession | None = None):
        self.base_url = base_url.rstrip("/")
        self._session = session or aiohttp.ClientSession()
        self._owns_session = session is None
        self.tokens: dict[str, Any] | None = None
        self._live_sessions: list[LiveSession] = []

    async def __aenter__(self) -> NexgateClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the live sessions it opened (so none tries to reconnect), then its HTTP session."""
        for live in self._live_sessions:
            await live.close()
        if self._owns_session:
            await self._session.close()

    @property
    def access_token(self) -> str:
        if self.tokens is None:
            raise RuntimeError("not signed in: call register() or login() first")
        return self.tokens["access_token"]

    async def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                      data: Any = None) -> Any:
        """Call the REST API (with the access token, if signed in); raise ApiError on 4xx/5xx."""
        headers = {"Authorization": f"Bearer {self.tokens['access_token']}"} if self.tokens else {}
        async with self._session.request(method, self.base_url + path, json=json, params=params, data=data,
                                         headers=headers) as response:
            body = await response.json(loads=orjson.loads) if response.status != 204 else None
            if response.status >= 400:
                raise ApiError(response.status, body)
            return body

    async def upload(self, purpose: str, files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
        """Upload ``(filename, content)`` pairs in one request; the media it made."""
        form = aiohttp.FormData()
        for filename, content in files:
            form.add_field("file", content, filename=filename, content_type="application/octet-stream")
        return (await self.request("POST", "/api/media", params={"purpose": purpose}, data=form))["media"]

    async def register(self, **fields: Any) -> dict[str, Any]:
        self.tokens = await self.request("POST", "/api/auth/register", json=fields)
        return self.tokens

    async def login(self, login: str, password: str, **fields: Any) -> dict[str, Any]:
        self.tokens = await self.request("POST", "/api/auth/login", json={"login": login, "password": password, **fields})
        return self.tokens

    async def refresh(self) -> dict[str, Any]:
        refresh_token = self.tokens["refresh_token"]
        self.tokens = await self.request("POST", "/api/auth/refresh", json={"refresh_token": refresh_token})
        return self.tokens

    async def live(self, *, device_name: str | None = None, reconnect: bool = True) -> LiveSession:
        session = LiveSession(self, device_name=device_name, reconnect=reconnect)
        self._live_sessions.append(session)
        await session.connect()
        return session

    def ws_url(self) -> str:
        return self.base_url.replace("http", "ws", 1) + "/ws"


class LiveSession:
    """One device's WebSocket. Events (``event`` and ``topic`` frames) arrive in ``events``;
    after a drop the session reconnects, resumes from the last position and re-subscribes."""

    def __init__(self, api: NexgateClient, *, device_name: str | None = None, reconnect: bool = True):
        self.api = api
        self.device_name = device_name
        self.reconnect = reconnect
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.position: str | None = None
        self.ready: dict[str, Any] = {}
        self.closes: list[int | None] = []  # every close code seen, in order
        self.topics: set[str] = set()
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._closed: Closed | None = None

    async def connect(self) -> dict[str, Any]:
        ws = await self.api._session.ws_connect(self.api.ws_url(), heartbeat=HEARTBEAT_S, autoping=True)
        auth: dict[str, Any] = {"type": "auth", "id": 0, "token": self.api.access_token}
        if self.device_name:
            auth["device"] = {"name": self.device_name}
        if self.position is not None:
            auth["resume"] = self.position
        await ws.send_str(orjson.dumps(auth).decode())
        message = await ws.receive()
        if message.type != aiohttp.WSMsgType.TEXT:
            await ws.close()
            raise Closed(ws.close_code, str(message.extra or ""))
        frame = orjson.loads(message.data)
        if frame["type"] != "ready":
            await ws.close()
            raise LiveError(frame)
        self._ws, self.ready = ws, frame
        if self.position is None or frame["resync"]:
            self.position = frame["position"]
        self._reader = asyncio.create_task(self._read(ws), name="nexgate-live-reader")
        for topic in self.topics:
            await self.call("subscribe", topic=topic)
        return frame

    async def call(self, frame_type: str, **fields: Any) -> dict[str, Any]:
        """Send a request frame and wait for its ack's data (LiveError for an error frame)."""
        if self._closed is not None:
            raise self._closed
        frame_id = next(self._ids)
        reply = self._waiting[frame_id] = asyncio.get_running_loop().create_future()
        try:
            await self._ws.send_str(orjson.dumps({"type": frame_type, "id": frame_id, **fields}).decode())
            frame = await reply
        finally:
            self._waiting.pop(frame_id, None)
        if frame["type"] == "error":
            raise LiveError(frame)
        return frame["data"]

    async def subscribe(self, topic: str) -> None:
        await self.call("subscribe", topic=topic)
        self.topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self.topics.discard(topic)
        await self.call("unsubscribe", topic=topic)

    async def next_event(self, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            event = await self.events.get()
        if isinstance(event, Closed):
            raise event
        return event

    async def close(self) -> None:
        self.reconnect = False
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self._receive(orjson.loads(message.data))
        self.closes.append(ws.close_code)
        self._fail_waiting(Closed(ws.close_code))
        if self.reconnect and ws.close_code in RECONNECT:
            await self._reconnect(ws.close_code)
        else:
            self._closed = Closed(ws.close_code)
            self.events.put_nowait(self._closed)

    def _receive(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind in ("ack", "error") and frame.get("id") in self._waiting:
            reply = self._waiting[frame["id"]]
            if not reply.done():
                reply.set_result(frame)
            return
        if kind == "event":
            self.position = frame["position"]
        self.events.put_nowait(frame)

    def _fail_waiting(self, error: Exception) -> None:
        for reply in self._waiting.values():
            if not reply.done():
                reply.set_exception(error)

    async def _reconnect(self, code: int | None) -> None:
        delay = 0.05
        while self.reconnect:
            try:
                if code in REFRESH_FIRST:
                    await self.api.refresh()
                await self.connect()
                return
            except (aiohttp.ClientError, OSError, Closed, ApiError) as error:
                log.info("reconnecting after %s: %s", code, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
