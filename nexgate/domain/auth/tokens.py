"""Signed tokens: access tokens (JWT, spec 003 claims) and single-use links.

Every kind has its own audience, so a token made for one purpose (an email link) can never
pass for another (an access token).
"""
from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from typing import Any

import jwt

from ...errors import Invalid, Unauthorized
from .caller import Caller
from .keys import Keyring

ISSUER = "nexgate"
ACCESS_AUDIENCE = "nexgate:access"
_ACCESS_CLAIMS = ["exp", "iat", "jti", "sub", "sid", "did", "username", "roles"]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def issue_access_token(keyring: Keyring, caller: Caller, ttl_s: int) -> str:
    now = _now()
    return await keyring.sign(
        {
            "iss": ISSUER,
            "aud": ACCESS_AUDIENCE,
            "sub": str(caller.user_id),
            "user_id": str(caller.user_id),
            "username": caller.username,
            "roles": list(caller.roles),
            "sid": str(caller.session_id),
            "did": str(caller.device_id),
            "iat": now,
            "exp": now + datetime.timedelta(seconds=ttl_s),
            "jti": uuid.uuid4().hex,
        }
    )


async def read_access_token(keyring: Keyring, token: str) -> Caller:
    """The caller an access token names, if its signature, key, audience and expiry hold."""
    try:
        claims = await keyring.verify(token, audience=ACCESS_AUDIENCE, issuer=ISSUER, required=_ACCESS_CLAIMS)
        return Caller(
            user_id=uuid.UUID(claims["sub"]),
            username=claims["username"],
            roles=tuple(claims["roles"]),
            session_id=uuid.UUID(claims["sid"]),
            device_id=uuid.UUID(claims["did"]),
            expires_at=float(claims["exp"]),
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; refresh it", code="token_expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as error:
        raise Unauthorized(f"The access token is not valid: {error}", code="token_invalid") from None


async def issue_link_token(keyring: Keyring, purpose: str, subject: uuid.UUID, ttl_s: int, **claims: Any) -> str:
    """A signed, expiring token for a link (``purpose``: email_verification, password_reset)."""
    now = _now()
    return await keyring.sign(
        {
            "iss": ISSUER,
            "aud": f"nexgate:{purpose}",
            "sub": str(subject),
            "iat": now,
            "exp": now + datetime.timedelta(seconds=ttl_s),
            "jti": str(uuid.uuid4()),
            **claims,
        }
    )


async def read_link_token(keyring: Keyring, purpose: str, token: str) -> dict[str, Any]:
    """The claims of a link token made for ``purpose``; ``Invalid``-style errors otherwise.

    Single use is the caller's to enforce (``repository.use_link_token`` on ``jti``).
    """
    try:
        return await keyring.verify(token, audience=f"nexgate:{purpose}", issuer=ISSUER, required=["exp", "jti", "sub"])
    except jwt.ExpiredSignatureError:
        raise Invalid("This link has expired; ask for a new one", code="token_expired") from None
    except jwt.InvalidTokenError:
        raise Invalid("This link is not valid", code="token_invalid") from None


def new_opaque_token() -> str:
    """An unguessable token for refresh tokens and MFA challenges (256 bits)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    """What is stored instead of an opaque token: its SHA-256 (enough for 256 random bits)."""
    return hashlib.sha256(token.encode()).digest()
