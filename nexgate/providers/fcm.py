"""Firebase Cloud Messaging, HTTP v1 API, for the Android and iOS apps (FCM relays to APNs).

A service account (its JSON key file, as the Firebase console gives it) signs a JWT
(RS256: ``iss`` the account's email, ``scope`` firebase.messaging, ``aud`` its ``token_uri``)
and trades it at ``token_uri`` for an OAuth access token (RFC 7523's jwt-bearer grant), kept
until a minute before it expires. Each message is ``POST /v1/projects/{project_id}/messages:send``
with that token. The answer is reduced to what the delivery path needs: accepted, or the
``errorCode`` FCM put in its error's details (``UNREGISTERED``, ``INVALID_ARGUMENT``,
``QUOTA_EXCEEDED``, ``UNAVAILABLE``, ``INTERNAL``, ``SENDER_ID_MISMATCH``...), with its
Retry-After. An access token FCM rejects (401) is renewed once and the message sent again.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import jwt

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME_S = 3600
RENEW_BEFORE_S = 60


class ServiceAccountInvalid(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class ServiceAccount:
    project_id: str
    client_email: str
    private_key: str  # PEM
    token_uri: str

    @classmethod
    def from_file(cls, path: str | Path) -> ServiceAccount:
        try:
            data = json.loads(Path(path).read_text())
            return cls(project_id=data["project_id"], client_email=data["client_email"],
                       private_key=data["private_key"], token_uri=data["token_uri"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ServiceAccountInvalid(f"not a service account key file ({error!r})") from None


@dataclasses.dataclass(frozen=True)
class FcmAnswer:
    status: int | None
    error_code: str | None = None  # FCM's errorCode, or "timeout" / "unreachable" with no status
    retry_after_s: float | None = None
    message_name: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 200


def _error_code(body: Any) -> str | None:
    error = body.get("error", {}) if isinstance(body, dict) else {}
    for detail in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status")) if isinstance(error, dict) and error.get("status") else None


class FcmClient:
    def __init__(self, session: aiohttp.ClientSession, account: ServiceAccount, *, api_url: str, timeout_s: float):
        self.session = session
        self.account = account
        self.api_url = api_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._token: tuple[str, float] | None = None  # (access token, when it must be renewed)
        self._renewing = asyncio.Lock()

    def assertion(self) -> str:
        now = int(time.time())
        claims = {"iss": self.account.client_email, "scope": SCOPE, "aud": self.account.token_uri,
                  "iat": now, "exp": now + TOKEN_LIFETIME_S}
        return jwt.encode(claims, self.account.private_key, algorithm="RS256")

    async def access_token(self, *, renew: bool = False) -> str:
        async with self._renewing:
            if renew or self._token is None or self._token[1] <= time.time():
                async with self.session.post(self.account.token_uri, data={"grant_type": JWT_GRANT,
                                                                           "assertion": self.assertion()},
                                             timeout=self.timeout) as response:
                    body = await response.json(content_type=None)
                    if response.status != 200 or "access_token" not in body:
                        raise aiohttp.ClientResponseError(response.request_info, (), status=response.status,
                                                          message=f"token exchange refused: {body}")
                expires_in = float(body.get("expires_in", TOKEN_LIFETIME_S))
                self._token = (body["access_token"], time.time() + max(0.0, expires_in - RENEW_BEFORE_S))
            return self._token[0]

    async def send(self, message: dict[str, Any]) -> FcmAnswer:
        """``messages:send`` one message (``{"token": ..., "data": {...}, ...}``)."""
        try:
            answer = await self._send(message, await self.access_token())
            if answer.status == 401:
                answer = await self._send(message, await self.access_token(renew=True))
            return answer
        except (asyncio.TimeoutError, TimeoutError):
            return FcmAnswer(None, "timeout")
        except aiohttp.ClientError as error:
            return FcmAnswer(None, f"unreachable: {type(error).__name__}")

    async def _send(self, message: dict[str, Any], token: str) -> FcmAnswer:
        url = f"{self.api_url}/v1/projects/{self.account.project_id}/messages:send"
        async with self.session.post(url, json={"message": message}, headers={"Authorization": f"Bearer {token}"},
                                     timeout=self.timeout) as response:
            body = await response.json(content_type=None) if response.content_length != 0 else {}
            if response.status == 200:
                return FcmAnswer(200, message_name=body.get("name"))
            retry_after = response.headers.get("Retry-After")
            return FcmAnswer(response.status, _error_code(body),
                             float(retry_after) if retry_after and retry_after.isdigit() else None)
