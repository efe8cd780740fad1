"""Clients of the auth API as an app would call it."""
from __future__ import annotations

import itertools

from nexgate.domain.auth import repository as accounts
from nexgate.keys import PLATFORM

PASSWORD = "kilimanjaro sunrise 42"
_numbers = itertools.count(1)


def registration(*, username: str | None = None, password: str = PASSWORD, device: dict | None = None,
                 **fields) -> dict:
    """The body of a registration with unique defaults."""
    n = next(_numbers)
    body = {"username": username or f"user_{n}", "display_name": f"User {n}", "password": password,
            "email": fields.pop("email", f"user{n}@example.co.tz"), **fields}
    if device is not None:
        body["device"] = device
    return body


async def register(client, *, expect: int = 201, **fields) -> dict:
    response = await client.post("/api/auth/register", json=registration(**fields))
    assert response.status == expect, await response.text()
    return await response.json()


async def login(client, login: str, password: str = PASSWORD, *, expect: int = 200, **fields) -> dict:
    response = await client.post("/api/auth/login", json={"login": login, "password": password, **fields})
    assert response.status == expect, await response.text()
    return await response.json()


async def signed_in_user(client, **fields) -> dict:
    """A newly registered user: the token response, plus ``headers`` that send its token."""
    tokens = await register(client, **fields)
    return {**tokens, "headers": bearer(tokens)}


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def me(client, tokens: dict) -> tuple[int, dict]:
    response = await client.get("/api/users/me", headers=bearer(tokens))
    return response.status, await response.json()


async def admin(client, users) -> dict:
    """A user holding the admin role, signed in again so that their token carries it."""
    made = await users.new(client.server)
    async with client.app[PLATFORM].core.connection() as conn:
        await accounts.set_roles(conn, made.user_id, ["user", "admin"])
    return await login(client, made.tokens["user"]["username"])
