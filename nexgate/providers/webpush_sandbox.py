"""A local push service (RFC 8030) that also plays the browsers subscribed to it.

``POST /sandbox/subscriptions`` is what ``PushManager.subscribe()`` does in a browser: it makes
a subscription (a P-256 key pair and a 16-octet auth secret, kept here as the browser keeps
them) and answers its JSON, ``{"endpoint", "expirationTime", "keys": {"p256dh", "auth"}}``, which the app
registers with Nexgate (the answer is ``{"id", "subscription": {...}}``). Given ``application_server_key`` (the VAPID public key the app
subscribed with), pushes signed by any other key are refused with 403, as push services do.

``POST /push/{id}`` is the endpoint. Like a real push service it answers 401 without a valid
``Authorization: vapid t=<JWT>, k=<key>`` (RFC 8292: an ES256 JWT verified with ``k``, its
``aud`` the endpoint's origin, ``exp`` in the future and no more than 24 hours away, ``sub`` a
``mailto:`` or ``https:`` contact), 400 without a ``TTL`` header or with a body that is not
``aes128gcm`` or does not decrypt with the subscription's keys (RFC 8291), 413 above 4096
octets, 404 for an endpoint it never made and 410 for one that unsubscribed. An accepted push
is decrypted with the subscription's private key and kept (``messages(id)``, ``wait_for``,
``GET /sandbox/subscriptions/{id}/messages``, and ``messages.jsonl`` in a directory if given)
with its Topic, Urgency and TTL; the answer is 201 with a ``Location``.

Each subscription can be told what to answer next (``answer(id, *answers)`` or
``PUT /sandbox/subscriptions/{id}/answers {"answers": [...], "retry_after": s}``): 201, 404,
307 (to ``redirect_to``), 410 (the subscription is then gone for good), 429 with
``Retry-After``, 500, 503, or
``"timeout"`` (the request is held without an answer for ``hang_s``). Each answer is used once,
in order; then pushes are accepted again. ``DELETE /sandbox/subscriptions/{id}`` unsubscribes.

``serve`` runs it in-process when ``NEXGATE_PUSH_SANDBOX`` is true (``./scripts/run``: port
8034, messages in ``var/push``); ``python -m nexgate.providers.webpush_sandbox [PORT]`` runs it alone.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

import http_ece
import jwt
import orjson
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .sandbox import HttpSandbox, run_alone
from .webpush import b64url, unb64url

log = logging.getLogger(__name__)

MAX_BODY = 4096
MAX_JWT_LIFETIME_S = 24 * 3600
ANSWERS = (201, 307, 404, 410, 429, 500, 503, "timeout")


@dataclasses.dataclass
class SandboxSubscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None
    endpoint: str
    gone: bool = False
    answers: list[Any] = dataclasses.field(default_factory=list)  # what to answer next, each once
    retry_after: int = 1
    redirect_to: str | None = None  # where a 307 points

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def info(self) -> dict[str, Any]:
        """The subscription as ``PushSubscription.toJSON()`` gives it: what the app registers."""
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)}}


@dataclasses.dataclass(frozen=True)
class SandboxPush:
    """One push the sandbox accepted and decrypted, as the browser's service worker gets it."""

    id: str
    subscription_id: str
    text: str  # the decrypted payload
    topic: str | None
    urgency: str
    ttl: int
    vapid_subject: str
    received_at: str

    def json(self) -> Any:
        return orjson.loads(self.text)

    def to_json(self) -> bytes:
        return orjson.dumps(dataclasses.asdict(self))


class PushRefused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class WebPushSandbox(HttpSandbox):
    def __init__(self, *, directory: Path | str | None = None, host: str = "127.0.0.1", port: int = 0,
                 hang_s: float = 60.0):
        super().__init__(host, port)
        self.directory = Path(directory) if directory else None
        self.hang_s = hang_s
        self.subscriptions: dict[str, SandboxSubscription] = {}
        self.answered: list[tuple[str, int | str]] = []  # (subscription id, what was answered), every push
        self._messages: list[SandboxPush] = []
        self._arrived = asyncio.Condition()
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY * 4)
        app.router.add_post("/sandbox/subscriptions", self._subscribe)
        app.router.add_delete("/sandbox/subscriptions/{id}", self._unsubscribe)
        app.router.add_put("/sandbox/subscriptions/{id}/answers", self._set_answers)
        app.router.add_get("/sandbox/subscriptions/{id}/messages", self._list)
        app.router.add_post("/push/{id}", self._push)
        return app

    def settings(self) -> dict[str, Any]:
        return {"push_sandbox": True, "push_sandbox_url": self.url}

    # playing the browser

    def subscribe(self, application_server_key: str | None = None) -> SandboxSubscription:
        subscription_id = uuid.uuid4().hex
        subscription = SandboxSubscription(
            id=subscription_id, private_key=ec.generate_private_key(ec.SECP256R1()), auth=os.urandom(16),
            application_server_key=application_server_key, endpoint=f"{self.url}/push/{subscription_id}")
        self.subscriptions[subscription_id] = subscription
        return subscription

    def unsubscribe(self, subscription_id: str) -> None:
        self.subscriptions[subscription_id].gone = True

    def answer(self, subscription_id: str, *answers: int | str, retry_after: int = 1) -> None:
        for answer in answers:
            if answer not in ANSWERS:
                raise ValueError(f"the sandbox answers one of {ANSWERS}, not {answer!r}")
        subscription = self.subscriptions[subscription_id]
        subscription.answers.extend(answers)
        subscription.retry_after = retry_after

    def messages(self, subscription_id: str | None = None) -> list[SandboxPush]:
        return [m for m in self._messages if subscription_id is None or m.subscription_id == subscription_id]

    async def wait_for(self, subscription_id: str, timeout: float = 10.0, *, after: int = 0) -> SandboxPush:
        """The push to the subscription beyond its first ``after``, waiting for it to arrive."""
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                received = self.messages(subscription_id)
                if len(received) > after:
                    return received[after]
                await self._arrived.wait()

    async def wait_for_answers(self, subscription_id: str, count: int, timeout: float = 10.0) -> list[int | str]:
        """The first ``count`` answers the endpoint gave, waiting for them."""
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                given = [answer for sid, answer in self.answered if sid == subscription_id]
                if len(given) >= count:
                    return given[:count]
                await self._arrived.wait()

    # the push service

    async def _push(self, request: web.Request) -> web.Response:
        subscription = self.subscriptions.get(request.match_info["id"])
        if subscription is None:
            return await self._refuse(request.match_info["id"], 404, "No such subscription")
        if subscription.gone:
            return await self._refuse(subscription.id, 410, "The subscription has expired or unsubscribed")
        try:
            subject = self._check_vapid(request, subscription)
            ttl = self._check_headers(request)
            body = await request.read()
            if len(body) > MAX_BODY:
                raise PushRefused(413, f"The payload is {len(body)} octets, more than {MAX_BODY}")
            text = self._decrypt(body, subscription)
        except PushRefused as refused:
            return await self._refuse(subscription.id, refused.status, refused.reason)
        if subscription.answers:
            answer = subscription.answers.pop(0)
            if answer == "timeout":
                await self._record(subscription.id, answer)
                await asyncio.sleep(self.hang_s)
                return web.Response(status=504, text="The sandbox held this push without answering")
            if answer != 201:
                if answer == 410:
                    subscription.gone = True
                headers = {"Retry-After": str(subscription.retry_after)} if answer == 429 else {}
                if answer == 307:  # to where the client must not follow: a push service does not redirect
                    headers = {"Location": subscription.redirect_to or f"{self.url}/elsewhere"}
                return await self._refuse(subscription.id, answer, "Told to answer so", headers)
        push = SandboxPush(
            id=uuid.uuid4().hex, subscription_id=subscription.id, text=text, topic=request.headers.get("Topic"),
            urgency=request.headers.get("Urgency", "normal"), ttl=ttl, vapid_subject=subject,
            received_at=datetime.datetime.now(datetime.UTC).isoformat())
        await self._keep(push)
        return web.Response(status=201, headers={"Location": f"{self.url}/messages/{push.id}"})

    def _check_vapid(self, request: web.Request, subscription: SandboxSubscription) -> str:
        scheme, _, rest = request.headers.get("Authorization", "").partition(" ")
        parts = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
        if scheme.lower() != "vapid" or "t" not in parts or "k" not in parts:
            raise PushRefused(401, "Authorization: vapid t=<JWT>, k=<public key> is required (RFC 8292)")
        try:
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        except ValueError:
            raise PushRefused(401, "k is not a P-256 public key") from None
        origin = f"{request.url.scheme}://{request.url.raw_authority}"
        try:
            claims = jwt.decode(parts["t"], public_key, algorithms=["ES256"], audience=origin,
                                options={"require": ["aud", "exp", "sub"]})
        except jwt.PyJWTError as error:
            raise PushRefused(401, f"The VAPID JWT is not valid: {error}") from None
        if claims["exp"] > time.time() + MAX_JWT_LIFETIME_S:
            raise PushRefused(401, "The VAPID JWT expires more than 24 hours from now")
        subject = str(claims["sub"])
        if not subject.startswith(("mailto:", "https:")):
            raise PushRefused(401, "The VAPID JWT's sub is not a mailto: or https: contact")
        if subscription.application_server_key and parts["k"].rstrip("=") != subscription.application_server_key:
            raise PushRefused(403, "The subscription was made with another application server key")
        return subject

    @staticmethod
    def _check_headers(request: web.Request) -> int:
        ttl = request.headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            raise PushRefused(400, "A TTL header (seconds) is required (RFC 8030 §5.2)")
        if request.headers.get("Content-Encoding") != "aes128gcm":
            raise PushRefused(400, "The payload must be Content-Encoding: aes128gcm (RFC 8291)")
        if request.headers.get("Urgency", "normal") not in ("very-low", "low", "normal", "high"):
            raise PushRefused(400, "Urgency is very-low, low, normal or high (RFC 8030 §5.3)")
        topic = request.headers.get("Topic")
        if topic is not None and (len(topic) > 32 or not all(c.isalnum() or c in "-_" for c in topic)):
            raise PushRefused(400, "A Topic is at most 32 characters of the URL-safe base64 alphabet")
        return int(ttl)

    @staticmethod
    def _decrypt(body: bytes, subscription: SandboxSubscription) -> str:
        try:
            return http_ece.decrypt(body, private_key=subscription.private_key, auth_secret=subscription.auth,
                                    version="aes128gcm").decode()
        except Exception as error:  # http_ece raises ECEException, cryptography InvalidTag, and others
            raise PushRefused(400, f"The payload does not decrypt with the subscription's keys: {error!r}") from None

    async def _refuse(self, subscription_id: str, status: int, reason: str,
                      headers: dict[str, str] | None = None) -> web.Response:
        await self._record(subscription_id, status)
        return web.json_response({"code": status, "error": reason}, status=status, headers=headers)

    async def _record(self, subscription_id: str, answer: int | str) -> None:
        async with self._arrived:
            self.answered.append((subscription_id, answer))
            self._arrived.notify_all()

    async def _keep(self, push: SandboxPush) -> None:
        if self.directory:
            with open(self.directory / "messages.jsonl", "ab") as file:
                file.write(push.to_json() + b"\n")
        log.info("push sandbox: to %s: %s", push.subscription_id, push.text)
        async with self._arrived:
            self.answered.append((push.subscription_id, 201))
            self._messages.append(push)
            self._arrived.notify_all()

    # its own API, for a developer steering it by hand

    async def _subscribe(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read() or b"{}")
        subscription = self.subscribe(body.get("application_server_key"))
        return web.json_response({"id": subscription.id, "subscription": subscription.info()}, status=201)

    def _subscription(self, request: web.Request) -> SandboxSubscription:
        subscription = self.subscriptions.get(request.match_info["id"])
        if subscription is None:
            raise web.HTTPNotFound(text="No such subscription")
        return subscription

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        self._subscription(request).gone = True
        return web.Response(status=204)

    async def _set_answers(self, request: web.Request) -> web.Response:
        subscription = self._subscription(request)
        body = orjson.loads(await request.read() or b"{}")
        try:
            self.answer(subscription.id, *body.get("answers", []), retry_after=int(body.get("retry_after", 1)))
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"answers": subscription.answers})

    async def _list(self, request: web.Request) -> web.Response:
        subscription = self._subscription(request)
        return web.json_response({"messages": [dataclasses.asdict(m) for m in self.messages(subscription.id)]})


if __name__ == "__main__":
    import sys

    directory = Path("var/push")
    sandbox = WebPushSandbox(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8034, directory=directory)
    asyncio.run(run_alone(sandbox, f"Web Push sandbox keeping pushes in {directory / 'messages.jsonl'}"))
