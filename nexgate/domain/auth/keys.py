"""The keys that sign access tokens and one-time links (Ed25519, JWT ``alg: EdDSA``).

Keys live in the core database so that every server process signs and verifies with the
same set. The newest key that is not retired signs; every key not retired verifies. A
rotation (``nexgate keys rotate``) adds a key, which every process picks up within
``RELOAD_INTERVAL``; tokens signed by the previous key stay valid until it is retired
(``nexgate keys retire KID``), so rotating logs nobody out. Ed25519 signs in tens of
microseconds, so unlike RSA it does not need the process pool.
"""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import datetime
import time
import uuid
from collections import OrderedDict
from typing import Any

import asyncpg
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ...db import Database
from . import repository

ALGORITHM = "EdDSA"
RELOAD_INTERVAL = 60.0
UNKNOWN_KID_RELOAD_INTERVAL = 5.0
VERIFIED_CACHE_SIZE = 50_000


@dataclasses.dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    public_jwk: dict[str, Any]
    created_at: datetime.datetime

    @functools.cached_property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def generate_key() -> tuple[str, str, dict[str, Any]]:
    """(kid, private key PEM, public JWK) of a new Ed25519 key."""
    private = Ed25519PrivateKey.generate()
    kid = uuid.uuid4().hex[:16]
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = {**jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": kid, "use": "sig", "alg": ALGORITHM}
    return kid, pem, jwk


async def ensure_signing_key(conn: asyncpg.Connection) -> None:
    """Create the first key if there is none, in the caller's transaction; safe when several
    processes start at once."""
    await repository.lock_signing_keys(conn)
    if not await repository.live_signing_keys(conn):
        await repository.insert_signing_key(conn, *generate_key(), algorithm=ALGORITHM)


async def rotate(conn: asyncpg.Connection) -> str:
    kid, pem, jwk = generate_key()
    await repository.insert_signing_key(conn, kid, pem, jwk, algorithm=ALGORITHM)
    return kid


class Keyring:
    """This process's copy of the live keys, reloaded from the database now and then."""

    def __init__(self, database: Database):
        self.database = database
        self._keys: dict[str, SigningKey] = {}
        self._loaded_at = 0.0
        self._reloading: asyncio.Future | None = None
        self._verified: OrderedDict[tuple[str, str], tuple[dict[str, Any], str]] = OrderedDict()

    async def load(self) -> None:
        async with self.database.connection() as conn:
            rows = await repository.live_signing_keys(conn)
            if not rows:  # the first start, or every key retired: one is made
                await ensure_signing_key(conn)
                rows = await repository.live_signing_keys(conn)
        self._keys = {
            row["kid"]: SigningKey(
                row["kid"],
                serialization.load_pem_private_key(row["private_pem"].encode(), password=None),
                row["public_jwk"],
                row["created_at"],
            )
            for row in rows
        }
        self._loaded_at = time.monotonic()

    async def _fresh(self, max_age: float = RELOAD_INTERVAL) -> None:
        """Reload the keys if they are older than ``max_age``: once for every request that finds
        them so at the same moment (each reloading on its own held a pool connection each, all
        at once, once a minute), and not cancelled with any one of them."""
        if time.monotonic() - self._loaded_at <= max_age:
            return
        if self._reloading is None:
            self._reloading = asyncio.ensure_future(self.load())
            self._reloading.add_done_callback(self._reloaded)
        await asyncio.shield(self._reloading)

    def _reloaded(self, task: asyncio.Future) -> None:
        self._reloading = None
        if not task.cancelled():
            task.exception()  # retrieved: each waiter has had it raised

    async def sign(self, claims: dict[str, Any]) -> str:
        await self._fresh()
        key = max(self._keys.values(), key=lambda k: k.created_at)
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})

    async def verify(self, token: str, *, audience: str, issuer: str, required: list[str]) -> dict[str, Any]:
        """The claims of a token signed by a live key; raises ``jwt.InvalidTokenError``.

        A client sends the same access token with every request for 15 minutes, so tokens
        already verified are remembered (bounded LRU): the signature and PyJWT's parsing are
        most of what authentication costs. A remembered token is still refused once it
        expires or its key is retired.
        """
        remembered = self._verified.get((token, audience))
        if remembered is not None:
            claims, kid = remembered
            await self._fresh()
            if kid in self._keys and claims["exp"] > time.time():
                self._verified.move_to_end((token, audience))
                return claims
            del self._verified[(token, audience)]
        claims, kid = await self._verify_signed(token, audience=audience, issuer=issuer, required=required)
        self._verified[(token, audience)] = (claims, kid)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    async def _verify_signed(self, token: str, *, audience: str, issuer: str, required: list[str]):
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise jwt.InvalidTokenError("token has no key id")
        await self._fresh()
        if kid not in self._keys:
            await self._fresh(UNKNOWN_KID_RELOAD_INTERVAL)
        key = self._keys.get(kid)
        if key is None:
            raise jwt.InvalidTokenError("token was signed by an unknown or retired key")
        claims = jwt.decode(
            token, key.public_key, algorithms=[ALGORITHM], audience=audience, issuer=issuer,
            options={"require": required},
        )
        return claims, kid

    async def jwks(self) -> dict[str, Any]:
        await self._fresh()
        return {"keys": [key.public_jwk for key in self._keys.values()]}
