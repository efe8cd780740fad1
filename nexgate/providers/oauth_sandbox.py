"""A local stand-in for Google's, Apple's and Facebook's sign-in endpoints.

One aiohttp app, with a real RSA key per provider, serving what ``providers/oauth.py``
calls, in the providers' own shapes:

- ``GET /google/oauth2/v3/certs`` and ``GET /apple/auth/keys``: the JWKS;
- ``GET /facebook/v19.0/debug_token`` and ``GET /facebook/v19.0/me``: the Graph API.

Tests (and developers) mint real signed ID tokens with any claims (``id_token``) and
Facebook access tokens (``facebook_access_token``) in Python, or over HTTP with
``POST /sandbox/{provider}/id-token`` and ``POST /sandbox/facebook/access-token``.
``python -m nexgate.providers.oauth_sandbox`` runs it and prints the settings that point
the server at it.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import hashlib
import hmac
import secrets
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from .sandbox import HttpSandbox

GOOGLE_CLIENT_ID = "sandbox-web.apps.googleusercontent.com"
APPLE_CLIENT_ID = "tz.nexgate.sandbox"
FACEBOOK_APP_ID = "100000000000001"
GRAPH_VERSION = "v19.0"
ISSUERS = {"google": "https://accounts.google.com", "apple": "https://appleid.apple.com"}
_UNSET: Any = object()


@dataclasses.dataclass(frozen=True)
class SandboxKey:
    """An RSA key pair and its key id."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SandboxKey:
        return cls(kid or secrets.token_hex(20), rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"kty": "RSA", "n": public["n"], "e": public["e"], "kid": self.kid, "alg": "RS256", "use": "sig"}

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})})


@dataclasses.dataclass
class FacebookUser:
    user_id: str
    name: str | None
    email: str | None
    app_id: str
    expires_at: int
    valid: bool = True


class OAuthSandbox(HttpSandbox):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, facebook_app_secret: str | None = None):
        super().__init__(host, port)
        self.keys: dict[str, list[SandboxKey]] = {"google": [SandboxKey.generate()], "apple": [SandboxKey.generate()]}
        self.facebook_app_id = FACEBOOK_APP_ID
        self.facebook_app_secret = facebook_app_secret or secrets.token_hex(16)
        self.facebook_tokens: dict[str, FacebookUser] = {}
        self.requests: collections.Counter[str] = collections.Counter()  # route name → requests served
        self.down: set[str] = set()  # providers that answer 503, to simulate an outage

    # serving

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/google/oauth2/v3/certs", self._jwks("google"))
        app.router.add_get("/apple/auth/keys", self._jwks("apple"))
        app.router.add_get(f"/facebook/{GRAPH_VERSION}/debug_token", self._debug_token)
        app.router.add_get(f"/facebook/{GRAPH_VERSION}/me", self._me)
        app.router.add_post("/sandbox/{provider:google|apple}/id-token", self._mint_id_token)
        app.router.add_post("/sandbox/facebook/access-token", self._mint_access_token)
        return app

    def settings(self) -> dict[str, Any]:
        """``Config`` overrides that point the server at this sandbox."""
        return {
            "oauth_google_client_ids": (GOOGLE_CLIENT_ID,),
            "oauth_google_jwks_url": f"{self.url}/google/oauth2/v3/certs",
            "oauth_apple_client_ids": (APPLE_CLIENT_ID,),
            "oauth_apple_jwks_url": f"{self.url}/apple/auth/keys",
            "oauth_facebook_app_id": self.facebook_app_id,
            "oauth_facebook_app_secret": self.facebook_app_secret,
            "oauth_facebook_graph_url": f"{self.url}/facebook/{GRAPH_VERSION}",
        }

    # keys and ID tokens

    def rotate_key(self, provider: str) -> SandboxKey:
        """Publish a new key for ``provider`` (keeping the old ones); new tokens are signed with it."""
        key = SandboxKey.generate()
        self.keys[provider].append(key)
        return key

    def id_token(
        self, provider: str, *, sub: str | None = None, email: str | None = _UNSET, email_verified: Any = _UNSET,
        name: str | None = None, nonce: str | None = None, audience: str | None = None, issuer: str | None = None,
        expires_in: int = 600, issued_at: float | None = None, key: SandboxKey | None = None, omit: tuple[str, ...] = (),
        **extra: Any,
    ) -> str:
        """A real ID token signed with ``provider``'s current key (or ``key``), as the provider issues them.

        Defaults: a fresh subject, a verified address, our client id as audience, valid for
        ten minutes. Apple's tokens carry ``email_verified`` as the string "true", as Apple's do.
        ``omit`` drops claims; ``extra`` adds or overrides any.
        """
        now = int(time.time() if issued_at is None else issued_at)
        sub = sub or (str(10**20 + secrets.randbelow(10**20)) if provider == "google" else
                      f"001{secrets.randbelow(10**3):03d}.{uuid.uuid4().hex}.{secrets.randbelow(10**4):04d}")
        if email is _UNSET:
            email = f"{provider}.{secrets.token_hex(6)}@example.com"
        if email_verified is _UNSET:
            email_verified = "true" if provider == "apple" else True
        claims: dict[str, Any] = {
            "iss": issuer or ISSUERS[provider],
            "aud": audience or (GOOGLE_CLIENT_ID if provider == "google" else APPLE_CLIENT_ID),
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
        }
        if provider == "google":
            claims |= {"azp": claims["aud"], "at_hash": secrets.token_urlsafe(16)}
        else:
            claims |= {"c_hash": secrets.token_urlsafe(16), "auth_time": now, "nonce_supported": True}
        if email is not None:
            claims |= {"email": email, "email_verified": email_verified}
            if provider == "apple":
                claims["is_private_email"] = "true" if email.endswith("@privaterelay.appleid.com") else "false"
        if name is not None and provider == "google":  # Apple never puts the name in the token
            claims["name"] = name
        if nonce is not None:
            claims["nonce"] = nonce
        claims |= extra
        for claim in omit:
            claims.pop(claim, None)
        return (key or self.keys[provider][-1]).sign(claims)

    def google_id_token(self, **options: Any) -> str:
        return self.id_token("google", **options)

    def apple_id_token(self, **options: Any) -> str:
        return self.id_token("apple", **options)

    # Facebook

    def facebook_access_token(
        self, *, user_id: str | None = None, name: str | None = "Sandbox User", email: str | None = _UNSET,
        app_id: str | None = None, expires_in: int = 3600, valid: bool = True,
    ) -> str:
        """A user access token the sandbox's Graph API knows. ``email=None``: the user shares none
        (or has not confirmed one, which Facebook does not return)."""
        user_id = user_id or str(10**15 + secrets.randbelow(10**15))
        token = "EAA" + secrets.token_urlsafe(48)
        self.facebook_tokens[token] = FacebookUser(
            user_id=user_id, name=name, email=f"fb.{secrets.token_hex(6)}@example.com" if email is _UNSET else email,
            app_id=app_id or self.facebook_app_id, expires_at=int(time.time()) + expires_in, valid=valid,
        )
        return token

    # handlers

    def _jwks(self, provider: str):
        async def handler(request: web.Request) -> web.Response:
            self.requests[f"{provider}_jwks"] += 1
            if provider in self.down:
                return web.json_response({"error": "unavailable"}, status=503)
            return web.json_response({"keys": [key.jwk() for key in self.keys[provider]]},
                                     headers={"Cache-Control": "public, max-age=21600"})

        return handler

    @staticmethod
    def _graph_error(message: str, code: int, type_: str = "OAuthException", status: int = 400, **more: Any):
        return web.json_response({"error": {"message": message, "type": type_, "code": code, **more,
                                            "fbtrace_id": secrets.token_urlsafe(8)}}, status=status)

    def _live_token(self, token: str) -> FacebookUser | None:
        user = self.facebook_tokens.get(token)
        return user if user is not None and user.valid and user.expires_at > time.time() else None

    async def _debug_token(self, request: web.Request) -> web.Response:
        self.requests["debug_token"] += 1
        if "facebook" in self.down:
            return self._graph_error("An unexpected error has occurred. Please retry your request later.", 2,
                                     status=500, is_transient=True)
        if request.query.get("access_token") != f"{self.facebook_app_id}|{self.facebook_app_secret}":
            return self._graph_error("Invalid OAuth access token signature.", 190)
        user = self.facebook_tokens.get(request.query.get("input_token", ""))
        if user is None:
            return web.json_response({"data": {"error": {"code": 190, "message": "Invalid OAuth access token."},
                                               "is_valid": False, "scopes": []}})
        data: dict[str, Any] = {
            "app_id": user.app_id, "type": "USER", "application": "Nexgate Sandbox",
            "data_access_expires_at": user.expires_at + 90 * 86_400, "expires_at": user.expires_at,
            "is_valid": self._live_token(request.query["input_token"]) is not None,
            "issued_at": user.expires_at - 3600, "scopes": ["email", "public_profile"], "user_id": user.user_id,
        }
        if not data["is_valid"]:
            data["error"] = {"code": 190, "message": "Error validating access token: Session has expired.",
                             "subcode": 463}
        return web.json_response({"data": data})

    async def _me(self, request: web.Request) -> web.Response:
        self.requests["me"] += 1
        if "facebook" in self.down:
            return self._graph_error("An unexpected error has occurred. Please retry your request later.", 2,
                                     status=500, is_transient=True)
        token = request.query.get("access_token", "")
        user = self._live_token(token)
        if user is None:
            return self._graph_error("Invalid OAuth access token - Cannot parse access token", 190)
        proof = request.query.get("appsecret_proof")
        expected = hmac.new(self.facebook_app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if proof is not None and not hmac.compare_digest(proof, expected):
            return self._graph_error("Invalid appsecret_proof provided in the API argument", 100, "GraphMethodException")
        fields = request.query.get("fields", "id,name").split(",")
        body = {"id": user.user_id, "name": user.name, "email": user.email}
        return web.json_response({field: body[field] for field in fields if body.get(field) is not None})

    async def _mint_id_token(self, request: web.Request) -> web.Response:
        options = await request.json() if request.can_read_body else {}
        return web.json_response({"id_token": self.id_token(request.match_info["provider"], **options)})

    async def _mint_access_token(self, request: web.Request) -> web.Response:
        options = await request.json() if request.can_read_body else {}
        return web.json_response({"access_token": self.facebook_access_token(**options)})


async def _serve(port: int) -> None:
    from ..config import env_name

    sandbox = OAuthSandbox(port=port)
    await sandbox.start()
    print(f"OAuth sandbox on {sandbox.url}; point the server at it with:")
    for name, value in sandbox.settings().items():
        print(f"{env_name(name)}={','.join(value) if isinstance(value, tuple) else value}")
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


if __name__ == "__main__":
    import sys

    asyncio.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8091))
