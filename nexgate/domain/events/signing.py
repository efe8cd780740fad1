"""The platform's ticket signing keys (docs/events.md, "The ticket format"): RSA (2048 bits by
default, ``NEXGATE_EVENTS_KEY_BITS``), RSA-PSS with SHA-256, the private key PKCS#8 encrypted
with ``NEXGATE_EVENTS_KEY_PASSPHRASE``.

- The first key is made on first need: generated in the process pool, then written under a
  transaction-scoped advisory lock unless another process wrote one meanwhile (then that one is
  used), so every process signs with the same single ``active`` key.
- ``rotate``: a new key becomes active, the old one ``rotated``: it signs nothing more and still
  verifies what it signed, so no issued ticket stops working.
- ``retire``: a key thought compromised is withdrawn; the tickets it signed answer
  ``ticket_key_retired`` at check-in (and scanners see its state in the published keys).
- ``sign``: payloads signed in the process pool (each worker process keeps the decrypted key),
  never on the event loop and never under a lock.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import secrets
import weakref

from ... import cpu
from ...errors import Conflict, NotFound
from ...platform import Platform
from . import ticket_format
from . import ticket_keys_repository as repository
from .ticket_format import VerifyKey

STATES = ("active", "rotated", "retired")
_CREATING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Database -> asyncio.Lock


@dataclasses.dataclass(frozen=True)
class SigningKey:
    id: str
    state: str
    public_key_pem: str
    private_key_pem: bytes
    created_at: datetime.datetime
    rotated_at: datetime.datetime | None
    retired_at: datetime.datetime | None

    @classmethod
    def from_row(cls, row) -> SigningKey | None:
        return None if row is None else cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})

    def verify_key(self) -> VerifyKey:
        return VerifyKey(self.id, self.state, self.public_key_pem)


def key_not_found() -> NotFound:
    return NotFound("No such ticket signing key", code="ticket_key_not_found")


def new_key_id() -> str:
    return f"{datetime.datetime.now(datetime.UTC):%Y%m%d}-{secrets.token_hex(2)}"


async def _generated(platform: Platform) -> tuple[str, bytes]:
    return await cpu.run(platform.cpu_pool, ticket_format.generate_key, platform.config.events_key_bits,
                         platform.config.events_key_passphrase)


async def active_key(platform: Platform) -> SigningKey:
    """The key new tickets are signed with, made now if there is none."""
    async with platform.core.connection() as conn:
        key = SigningKey.from_row(await repository.active(conn))
    if key is not None:
        return key
    lock = _CREATING.setdefault(platform.core, asyncio.Lock())
    async with lock:  # one key made per process, not one per buyer racing for the first ticket
        async with platform.core.connection() as conn:
            key = SigningKey.from_row(await repository.active(conn))
        if key is not None:
            return key
        public, private = await _generated(platform)
        async with platform.core.transaction("events.ticket_key_create") as conn:
            await repository.lock(conn)
            key = SigningKey.from_row(await repository.active(conn))
            if key is None:  # no other process made one meanwhile
                key = SigningKey.from_row(await repository.insert(conn, new_key_id(), public, private))
        return key


async def sign(platform: Platform, key: SigningKey, payloads: list[bytes]) -> list[bytes]:
    """Each payload's signature by ``key``, made in the process pool."""
    if not payloads:
        return []
    return await cpu.run(platform.cpu_pool, ticket_format.sign, key.id, key.private_key_pem,
                         platform.config.events_key_passphrase, payloads)


async def rotate(platform: Platform) -> SigningKey:
    """A new active key; the one active until now is ``rotated`` (it still verifies)."""
    public, private = await _generated(platform)
    async with platform.core.transaction("events.ticket_key_rotate") as conn:
        await repository.lock(conn)
        await repository.rotate_active(conn)
        return SigningKey.from_row(await repository.insert(conn, new_key_id(), public, private))


async def retire(platform: Platform, kid: str) -> SigningKey:
    """Withdraw a key: nothing it signed verifies any more. Retiring the active key leaves none
    active: the next ticket issued makes a new one. 404 ``ticket_key_not_found``; 409
    ``ticket_key_retired`` for one already retired."""
    if not ticket_format.KEY_ID.match(kid):
        raise key_not_found()
    async with platform.core.transaction("events.ticket_key_retire") as conn:
        await repository.lock(conn)
        existing = SigningKey.from_row(await repository.by_id(conn, kid))
        if existing is None:
            raise key_not_found()
        if existing.state == "retired":
            raise Conflict(f"The key {kid} is already retired", code="ticket_key_retired",
                           details={"kid": kid, "retired_at": existing.retired_at.isoformat()})
        return SigningKey.from_row(await repository.retire(conn, kid))


async def all_keys(conn) -> list[SigningKey]:
    """Every key, newest first (the published list, and the offline bundle's)."""
    return [SigningKey.from_row(row) for row in await repository.every_key(conn)]


async def verify_keys(conn) -> dict[str, VerifyKey]:
    """Every key by id with its state, as ``ticket_format.verify`` takes them (check-in's)."""
    return {key.id: key.verify_key() for key in await all_keys(conn)}


async def published(platform: Platform) -> list[SigningKey]:
    async with platform.core.connection() as conn:
        return await all_keys(conn)


async def public_key(platform: Platform, kid: str) -> SigningKey:
    if not ticket_format.KEY_ID.match(kid):
        raise key_not_found()
    async with platform.core.connection() as conn:
        key = SigningKey.from_row(await repository.by_id(conn, kid))
    if key is None:
        raise key_not_found()
    return key
