"""Clients of the payments API (payment methods) as an app would call them."""
from __future__ import annotations

import secrets
import uuid

from nexgate.keys import PLATFORM
from tests.support.auth import bearer

METHODS = "/api/payments/methods"


def number(prefix: str) -> str:
    """A fresh Kenyan or Tanzanian mobile number (nine digits after the country code) under
    ``prefix``: +25575 Vodacom, +25471 Safaricom, ..."""
    digits = 9 - (len(prefix) - len("+255"))
    return prefix + f"{secrets.randbelow(10**digits):0{digits}d}"


async def call(client, method: str, path: str, tokens: dict, expect: int, **kwargs):
    response = await client.request(method, path, headers={**bearer(tokens), **kwargs.pop("headers", {})}, **kwargs)
    assert response.status == expect, f"{method} {path}: {response.status} {await response.text()}"
    return None if response.status == 204 else await response.json()


async def add(client, tokens: dict, phone: str, *, expect: int = 201, key: str | None = None, **fields) -> dict:
    """Add a number, as a new operation (a new Idempotency-Key) unless ``key`` is given."""
    return await call(client, "POST", METHODS, tokens, expect, json={"phone": phone, **fields},
                      headers={"Idempotency-Key": key or str(uuid.uuid4())})


async def listing(client, tokens: dict) -> list[dict]:
    return (await call(client, "GET", METHODS, tokens, 200))["items"]


async def events(client, routing_key: str, **match: str) -> list[dict]:
    """The payloads of the outbox events ``routing_key`` whose fields equal ``match``."""
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE routing_key = $1 AND payload @> $2::jsonb"
                                " ORDER BY created_at, id", routing_key, match)
    return [row["payload"] for row in rows]
