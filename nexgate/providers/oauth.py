"""Sign-in providers: Google and Apple ID tokens, Facebook access tokens.

Each client turns what the app received from the provider's SDK into an ``Identity``
(the provider's stable user id, and the email address with whether the provider verified
it), or raises ``InvalidToken`` (the token proves nothing: 401) or ``ProviderUnavailable``
(the provider could not be asked: 503). Which accounts an identity may open is decided by
``domain/auth/oauth.py``, not here.

- Google and Apple: an OpenID Connect ID token (RS256 JWT) checked against the provider's
  published keys (JWKS), issuer, audience (our client ids), expiry, issue time and nonce.
  The JWKS is cached in Redis for every server process, and refetched early only when a
  token names a key id the cache lacks (the provider rotated its keys), at most once per
  ``oauth_jwks_refetch_floor_s`` so that made-up key ids cannot hammer the provider.
- Facebook: an opaque user access token, checked with the Graph API's ``debug_token``
  (issued to our app, still valid) and then read with ``/me``.

``oauth_sandbox.py`` serves the same endpoints with its own keys for development and tests.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import time
from typing import Any

import aiohttp
import jwt
import orjson

from ..config import Config
from ..redis import Redis

PROVIDERS = ("google", "apple", "facebook")
TITLES = {"google": "Google", "apple": "Apple", "facebook": "Facebook"}
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
APPLE_ISSUERS = ("https://appleid.apple.com",)
ID_TOKEN_ALGORITHM = "RS256"
CLOCK_LEEWAY_S = 60
_REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat"]


class InvalidToken(Exception):
    """The token does not prove an identity; ``reason`` is a stable word for clients."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered something we cannot read."""


@dataclasses.dataclass(frozen=True)
class Identity:
    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def enabled(config: Config, provider: str) -> bool:
    if provider == "google":
        return bool(config.oauth_google_client_ids)
    if provider == "apple":
        return bool(config.oauth_apple_client_ids)
    if provider == "facebook":
        return bool(config.oauth_facebook_app_id and config.oauth_facebook_app_secret)
    return False


def client(config: Config, redis: Redis, provider: str) -> IdTokenVerifier | FacebookClient:
    """The client of an enabled provider (see ``enabled``)."""
    if provider == "google":
        jwks = JwksCache(redis, "google", config.oauth_google_jwks_url, config)
        return IdTokenVerifier("google", jwks, GOOGLE_ISSUERS, config.oauth_google_client_ids)
    if provider == "apple":
        jwks = JwksCache(redis, "apple", config.oauth_apple_jwks_url, config)
        return IdTokenVerifier("apple", jwks, APPLE_ISSUERS, config.oauth_apple_client_ids)
    if provider == "facebook":
        return FacebookClient(
            config.oauth_facebook_graph_url, config.oauth_facebook_app_id, config.oauth_facebook_app_secret,
            timeout_s=config.oauth_http_timeout_s,
        )
    raise ValueError(f"unknown sign-in provider {provider!r}")


async def _get_json(url: str, params: dict[str, str], timeout_s: float) -> tuple[int, Any]:
    """(status, decoded body) of a GET. Errors never repeat the URL: its query may hold a secret."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
            async with session.get(url, params=params, allow_redirects=False) as response:
                raw = await response.read()
                status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ProviderUnavailable(f"request failed: {type(error).__name__}") from None
    try:
        return status, orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ProviderUnavailable(f"answered {status} with a body that is not JSON") from None


class JwksCache:
    """A provider's signing keys, fetched over HTTP and cached in Redis (``oauth:jwks:*``)."""

    def __init__(self, redis: Redis, provider: str, url: str, config: Config):
        self.redis = redis
        self.url = url
        self.ttl_s = config.oauth_jwks_cache_s
        self.refetch_floor_s = config.oauth_jwks_refetch_floor_s
        self.timeout_s = config.oauth_http_timeout_s
        # Keyed by the URL too, so that pointing the setting elsewhere never serves the old keys.
        self._key = redis.key("oauth", "jwks", provider, hashlib.sha256(url.encode()).hexdigest()[:16])

    async def key(self, kid: str) -> jwt.PyJWK:
        keys = await self._cached()
        if keys is None:
            keys = await self._fetch()
        elif kid not in keys and await self._may_refetch():
            keys = await self._fetch()
        if kid not in keys:
            raise InvalidToken("unknown_key", "The token is signed by a key the provider does not publish")
        try:
            return jwt.PyJWK(keys[kid], algorithm=ID_TOKEN_ALGORITHM)
        except jwt.PyJWKError:
            raise ProviderUnavailable(f"the provider's key {kid!r} is not a usable RSA key") from None

    async def _cached(self) -> dict[str, dict[str, Any]] | None:
        raw = await self.redis.client.get(self._key)
        return orjson.loads(raw) if raw is not None else None

    async def _may_refetch(self) -> bool:
        return bool(await self.redis.client.set(f"{self._key}:fetched", 1, nx=True, ex=self.refetch_floor_s))

    async def _fetch(self) -> dict[str, dict[str, Any]]:
        status, body = await _get_json(self.url, {}, self.timeout_s)
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise ProviderUnavailable(f"the JWKS answered {status} without a key list")
        keys = {
            key["kid"]: key for key in body["keys"]
            if isinstance(key, dict) and key.get("kty") == "RSA" and isinstance(key.get("kid"), str)
            and key.get("use", "sig") == "sig"
        }
        async with self.redis.client.pipeline(transaction=True) as pipe:
            pipe.set(self._key, orjson.dumps(keys), ex=self.ttl_s)
            pipe.set(f"{self._key}:fetched", 1, ex=self.refetch_floor_s)
            await pipe.execute()
        return keys


class IdTokenVerifier:
    """OpenID Connect ID tokens of one provider (Google or Apple)."""

    def __init__(self, provider: str, jwks: JwksCache, issuers: tuple[str, ...], audiences: tuple[str, ...]):
        self.provider = provider
        self.jwks = jwks
        self.issuers = issuers
        self.audiences = audiences

    async def verify(self, id_token: str, nonce: str | None = None) -> Identity:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.InvalidTokenError:
            raise InvalidToken("malformed", "The ID token is not a JWT") from None
        if header.get("alg") != ID_TOKEN_ALGORITHM or not isinstance(header.get("kid"), str):
            raise InvalidToken("malformed", f"The ID token must be {ID_TOKEN_ALGORITHM}-signed and name its key (kid)")
        key = await self.jwks.key(header["kid"])
        claims = self._decode(id_token, key)
        _check_nonce(claims.get("nonce"), nonce)
        email = claims.get("email")
        return Identity(
            provider=self.provider,
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            # Apple sends "true"/"false" as strings (and booleans in newer tokens); Google sends booleans.
            email_verified=claims.get("email_verified") in (True, "true"),
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )

    def _decode(self, id_token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            return jwt.decode(
                id_token, key.key, algorithms=[ID_TOKEN_ALGORITHM], audience=list(self.audiences),
                issuer=self.issuers, leeway=CLOCK_LEEWAY_S, options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("expired", "The ID token has expired; sign in with the provider again") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("audience", "The ID token was issued to another app") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("issuer", "The ID token was not issued by the provider") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("signature", "The ID token's signature does not match the provider's key") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("not_yet_valid", "The ID token is not valid yet (iat or nbf in the future)") from None
        except jwt.MissingRequiredClaimError as error:
            raise InvalidToken("malformed", f"The ID token lacks the {error.claim} claim") from None
        except jwt.InvalidTokenError as error:
            raise InvalidToken("malformed", f"The ID token is not valid: {error}") from None


def _check_nonce(claimed: Any, sent: str | None) -> None:
    """A token that carries a nonce must come with it, and a nonce sent must be in the token.

    Besides the nonce itself, its SHA-256 (hex) is accepted in the token: Apple's and
    Firebase's guides have the app pass the hash to the provider and keep the raw value.
    """
    if claimed is None and sent is None:
        return
    if claimed is None or sent is None or not isinstance(claimed, str):
        raise InvalidToken("nonce", "The nonce sent does not match the ID token's nonce")
    hashed = hashlib.sha256(sent.encode()).hexdigest()
    matches = hmac.compare_digest(claimed.encode(), sent.encode()) or hmac.compare_digest(claimed.encode(), hashed.encode())
    if not matches:
        raise InvalidToken("nonce", "The nonce sent does not match the ID token's nonce")


GRAPH_INVALID_TOKEN = 190  # Graph API error code of an expired, revoked or malformed access token


def _graph_error_code(body: Any) -> int | None:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None


class FacebookClient:
    """Facebook Login access tokens, through the Graph API."""

    provider = "facebook"

    def __init__(self, graph_url: str, app_id: str, app_secret: str, *, timeout_s: float):
        self.graph_url = graph_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout_s = timeout_s

    async def verify(self, access_token: str) -> Identity:
        data = await self._debug_token(access_token)
        status, me = await _get_json(f"{self.graph_url}/me", {
            "fields": "id,name,email", "access_token": access_token,
            "appsecret_proof": hmac.new(self.app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest(),
        }, self.timeout_s)
        if _graph_error_code(me) == GRAPH_INVALID_TOKEN:
            raise InvalidToken("rejected", "Facebook refused the access token (expired or revoked)")
        if status != 200 or not isinstance(me, dict) or not me.get("id"):
            raise ProviderUnavailable(f"/me answered {status}")
        if str(me["id"]) != str(data.get("user_id")):
            raise InvalidToken("rejected", "The access token belongs to another user than the one Facebook describes")
        email = me.get("email")
        return Identity(
            provider=self.provider,
            subject=str(me["id"]),
            email=email if isinstance(email, str) and email else None,
            # Graph returns a user's email only once they confirmed it with Facebook (an
            # unconfirmed address is left out), so an address returned counts as verified.
            email_verified=bool(email),
            name=me.get("name") if isinstance(me.get("name"), str) else None,
        )

    async def _debug_token(self, access_token: str) -> dict[str, Any]:
        """The token's metadata, once it proves to be a live user token issued to our app."""
        status, body = await _get_json(f"{self.graph_url}/debug_token", {
            "input_token": access_token, "access_token": f"{self.app_id}|{self.app_secret}",
        }, self.timeout_s)
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            # A 4xx here is about our app credentials, not the user's token: an operator problem.
            raise ProviderUnavailable(f"debug_token answered {status}")
        data = body["data"]
        if data.get("is_valid") is not True:
            raise InvalidToken("rejected", "Facebook says the access token is not valid (expired or revoked)")
        if str(data.get("app_id")) != self.app_id:
            raise InvalidToken("audience", "The access token was issued to another app")
        expires_at = data.get("expires_at") or 0  # 0: a token that does not expire
        if isinstance(expires_at, int) and 0 < expires_at < time.time():
            raise InvalidToken("expired", "The access token has expired; sign in with Facebook again")
        if not data.get("user_id"):
            raise InvalidToken("rejected", "The access token is not a user's token")
        return data
