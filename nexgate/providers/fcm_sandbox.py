"""A local stand-in for FCM's HTTP v1 API and Google's OAuth token endpoint, that also plays
the apps registered with it.

``service_account(path)`` writes a service account key file (an RSA key of its own, the
sandbox's ``/token`` as ``token_uri``) for the server to use. ``POST /token`` takes the
jwt-bearer grant as Google does: the assertion must be RS256-signed by that account's key,
``iss`` its email, ``aud`` the token URI, ``scope`` firebase.messaging, and live no more than
an hour; it answers an access token (``expire_access_tokens()`` makes the ones given stop
working, as they do after an hour). ``POST /v1/projects/{id}/messages:send`` checks the
bearer token (401 UNAUTHENTICATED), the project (403 SENDER_ID_MISMATCH for another), the
message (400 INVALID_ARGUMENT: one ``token``, ``data`` values strings) and the registration
token: one the sandbox never gave is INVALID_ARGUMENT, one whose app was uninstalled
(``unregister(token)``) is 404 UNREGISTERED, as FCM answers. Accepted messages are kept
(``messages(token)``, ``wait_for``) and answered ``{"name": "projects/.../messages/<id>"}``.

``register_device()`` is what the app's ``FirebaseMessaging.getToken()`` does. Each token can
be told what to answer next (``answer(token, *answers)``): "UNREGISTERED", "QUOTA_EXCEEDED"
(429 with Retry-After), "UNAVAILABLE" (503), "INTERNAL" (500) or "timeout" (held ``hang_s``).
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .fcm import JWT_GRANT, SCOPE, TOKEN_LIFETIME_S
from .sandbox import HttpSandbox

PROJECT_ID = "nexgate-sandbox"
CLIENT_EMAIL = "nexgate-push@nexgate-sandbox.iam.gserviceaccount.com"
ANSWERS = {"UNREGISTERED": (404, "NOT_FOUND"), "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED"),
           "UNAVAILABLE": (503, "UNAVAILABLE"), "INTERNAL": (500, "INTERNAL"), "timeout": (None, None)}


@dataclasses.dataclass(frozen=True)
class SandboxFcmMessage:
    name: str
    token: str
    message: dict[str, Any]
    received_at: str

    @property
    def data(self) -> dict[str, str]:
        return self.message.get("data", {})


class FcmSandbox(HttpSandbox):
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, hang_s: float = 60.0, retry_after: int = 1):
        super().__init__(host, port)
        self.hang_s = hang_s
        self.retry_after = retry_after
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._access_tokens: dict[str, float] = {}  # token -> expiry
        self.tokens: dict[str, bool] = {}  # registration token -> still registered
        self._answers: dict[str, list[str]] = {}
        self.answered: list[tuple[str, int | str]] = []
        self.token_requests = 0
        self._messages: list[SandboxFcmMessage] = []
        self._arrived = asyncio.Condition()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/token", self._token)
        app.router.add_post("/v1/projects/{project}/messages:send", self._send)
        return app

    # the service account and the apps

    def service_account(self, path: str | Path) -> Path:
        pem = self._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()
        account = {"type": "service_account", "project_id": PROJECT_ID, "private_key_id": uuid.uuid4().hex,
                   "private_key": pem, "client_email": CLIENT_EMAIL, "client_id": "1", "token_uri": self.token_uri}
        path = Path(path)
        path.write_text(json.dumps(account))
        return path

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def register_device(self) -> str:
        token = f"{secrets.token_urlsafe(16)}:APA91b{secrets.token_urlsafe(100)}"
        self.tokens[token] = True
        return token

    def unregister(self, token: str) -> None:
        self.tokens[token] = False

    def answer(self, token: str, *answers: str) -> None:
        for answer in answers:
            if answer not in ANSWERS:
                raise ValueError(f"the sandbox answers one of {tuple(ANSWERS)}, not {answer!r}")
        self._answers.setdefault(token, []).extend(answers)

    def expire_access_tokens(self) -> None:
        self._access_tokens = {token: 0.0 for token in self._access_tokens}

    def messages(self, token: str | None = None) -> list[SandboxFcmMessage]:
        return [m for m in self._messages if token is None or m.token == token]

    async def wait_for(self, token: str, timeout: float = 10.0, *, after: int = 0) -> SandboxFcmMessage:
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                received = self.messages(token)
                if len(received) > after:
                    return received[after]
                await self._arrived.wait()

    async def wait_for_answers(self, token: str, count: int, timeout: float = 10.0) -> list[int | str]:
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                given = [answer for t, answer in self.answered if t == token]
                if len(given) >= count:
                    return given[:count]
                await self._arrived.wait()

    # Google's token endpoint

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if form.get("grant_type") != JWT_GRANT:
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        try:
            claims = jwt.decode(str(form.get("assertion", "")), self._key.public_key(), algorithms=["RS256"],
                                audience=self.token_uri, issuer=CLIENT_EMAIL,
                                options={"require": ["iss", "aud", "exp", "iat", "scope"]})
        except jwt.PyJWTError as error:
            return web.json_response({"error": "invalid_grant", "error_description": str(error)}, status=400)
        if SCOPE not in str(claims["scope"]).split() or claims["exp"] - claims["iat"] > TOKEN_LIFETIME_S:
            return web.json_response({"error": "invalid_scope"}, status=400)
        access_token = f"ya29.{secrets.token_urlsafe(32)}"
        self._access_tokens[access_token] = time.time() + TOKEN_LIFETIME_S
        return web.json_response({"access_token": access_token, "expires_in": TOKEN_LIFETIME_S - 1,
                                  "token_type": "Bearer"})

    # FCM

    @staticmethod
    def _error(status: int, state: str, message: str, code: str | None = None,
               headers: dict[str, str] | None = None) -> web.Response:
        details = [] if code is None else [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                            "errorCode": code}]
        return web.json_response({"error": {"code": status, "message": message, "status": state,
                                            "details": details}}, status=status, headers=headers)

    async def _send(self, request: web.Request) -> web.Response:
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or self._access_tokens.get(bearer, 0) <= time.time():
            return self._error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials")
        if request.match_info["project"] != PROJECT_ID:
            return self._error(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")
        try:
            message = (await request.json())["message"]
            token = message["token"]
            if not isinstance(token, str) or not all(isinstance(v, str) for v in message.get("data", {}).values()):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return self._error(400, "INVALID_ARGUMENT", "Invalid message: one token, data values strings",
                               "INVALID_ARGUMENT")
        if token not in self.tokens:
            return await self._refuse(token, self._error(
                400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token",
                "INVALID_ARGUMENT"))
        if not self.tokens[token]:
            return await self._refuse(token, self._error(404, "NOT_FOUND", "Requested entity was not found.",
                                                         "UNREGISTERED"))
        answers = self._answers.get(token)
        if answers:
            answer = answers.pop(0)
            if answer == "timeout":
                await self._record(token, answer)
                await asyncio.sleep(self.hang_s)
                return self._error(503, "UNAVAILABLE", "held without an answer", "UNAVAILABLE")
            if answer == "UNREGISTERED":
                self.tokens[token] = False
            status, state = ANSWERS[answer]
            headers = {"Retry-After": str(self.retry_after)} if status == 429 else None
            return await self._refuse(token, self._error(status, state, "Told to answer so", answer, headers))
        kept = SandboxFcmMessage(name=f"projects/{PROJECT_ID}/messages/{uuid.uuid4().int >> 64}", token=token,
                                 message=message, received_at=datetime.datetime.now(datetime.UTC).isoformat())
        async with self._arrived:
            self.answered.append((token, 200))
            self._messages.append(kept)
            self._arrived.notify_all()
        return web.json_response({"name": kept.name})

    async def _refuse(self, token: str, response: web.Response) -> web.Response:
        await self._record(token, response.status)
        return response

    async def _record(self, token: str, answer: int | str) -> None:
        async with self._arrived:
            self.answered.append((token, answer))
            self._arrived.notify_all()
