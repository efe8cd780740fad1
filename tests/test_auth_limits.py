"""Per-IP limits on the auth endpoints and the growing lockout after failed logins."""
from __future__ import annotations

import asyncio
import dataclasses

from nexgate.keys import PLATFORM
from tests.support.auth import PASSWORD, login, register


async def test_auth_endpoints_are_limited_per_ip(make_client, config):
    client = await make_client(dataclasses.replace(config, auth_rate_per_minute=3))
    for _ in range(3):
        response = await client.post("/api/auth/forgot-password", json={"login": "someone"})
        assert response.status == 202
    refused = await client.post("/api/auth/forgot-password", json={"login": "someone"})
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (await refused.json())["error"]["code"] == "rate_limited"
    assert (await refused.json())["error"]["details"]["limit"] == "auth.forgot_password"
    # Another endpoint has its own budget.
    assert (await client.post("/api/auth/login", json={"login": "x", "password": "y"})).status == 401


async def test_trusted_proxy_forwarded_address_is_the_one_limited(make_client, config):
    client = await make_client(dataclasses.replace(config, auth_rate_per_minute=1, trusted_proxies=("127.0.0.1",)))
    first = {"X-Forwarded-For": "41.59.1.1"}
    assert (await client.post("/api/auth/forgot-password", json={"login": "a"}, headers=first)).status == 202
    assert (await client.post("/api/auth/forgot-password", json={"login": "a"}, headers=first)).status == 429
    other = {"X-Forwarded-For": "41.59.1.2"}
    assert (await client.post("/api/auth/forgot-password", json={"login": "a"}, headers=other)).status == 202


async def test_failed_logins_lock_the_account_out_for_longer_each_time(make_client, config):
    client = await make_client(
        dataclasses.replace(config, login_failures_before_lockout=3, login_failures_per_ip=100, login_lockout_s=1)
    )
    tokens = await register(client, username="Neema")
    for _ in range(3):
        await login(client, "neema", "wrong password!!", expect=401)
    locked = await client.post("/api/auth/login", json={"login": "neema", "password": PASSWORD})
    assert locked.status == 429 and locked.headers["Retry-After"] == "1"
    assert (await locked.json())["error"]["code"] == "login_locked"
    assert (await locked.json())["error"]["details"]["limit"] == "auth.login_failures.account"

    await asyncio.sleep(1.1)
    for _ in range(3):
        await login(client, "neema", "wrong password!!", expect=401)
    locked = await client.post("/api/auth/login", json={"login": "neema", "password": PASSWORD})
    assert locked.status == 429 and locked.headers["Retry-After"] == "2"  # the second lockout doubles

    async with client.app[PLATFORM].core.connection() as conn:
        reports = await conn.fetch(
            "SELECT payload FROM outbox WHERE routing_key = 'auth.lockout.started' AND payload->>'user_id' = $1",
            tokens["user"]["id"],
        )
    assert {r["payload"]["subject"].split(":")[0] for r in reports} == {"account"}
    assert sorted({r["payload"]["lockout_seconds"] for r in reports}) == [1, 2]

    await asyncio.sleep(2.1)
    assert (await login(client, "neema"))["user"]["username"] == "Neema"


async def test_guessing_many_accounts_from_one_ip_locks_the_ip(make_client, config):
    client = await make_client(dataclasses.replace(config, login_failures_per_ip=4, login_lockout_s=30))
    await register(client, username="Omari")
    for name in ("a_user", "b_user", "c_user", "d_user"):
        await login(client, name, "guess guess guess", expect=401)
    locked = await client.post("/api/auth/login", json={"login": "omari", "password": PASSWORD})
    assert locked.status == 429 and (await locked.json())["error"]["code"] == "login_locked"
    assert (await locked.json())["error"]["details"]["limit"] == "auth.login_failures.ip"
