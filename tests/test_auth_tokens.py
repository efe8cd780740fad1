"""Attacks on access tokens, and signing-key rotation."""
from __future__ import annotations

import asyncio
import base64
import datetime
import time
import uuid

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nexgate.domain.auth import tokens as token_domain
from nexgate.keys import PLATFORM
from tests import cli
from tests.support.auth import me, register


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def _me_code(client, access_token: str) -> tuple[int, str]:
    status, body = await me(client, {"access_token": access_token})
    return status, body.get("error", {}).get("code", "")


async def test_a_tampered_token_is_refused(client, signed_in):
    tokens = signed_in
    assert (await client.get("/api/users/me", headers=signed_in["headers"])).status == 200
    header, payload, signature = _segments(tokens["access_token"])
    forged = _b64({**_claims(tokens["access_token"]), "roles": ["admin"]})
    assert await _me_code(client, f"{header}.{forged}.{signature}") == (401, "token_invalid")


async def test_alg_none_is_refused(client):
    tokens = await register(client)
    header = _b64({"alg": "none", "typ": "JWT", "kid": jwt.get_unverified_header(tokens["access_token"])["kid"]})
    assert await _me_code(client, f"{header}.{_b64(_claims(tokens['access_token']))}.") == (401, "token_invalid")


async def test_a_token_signed_by_another_key_with_a_real_kid_is_refused(client):
    tokens = await register(client)
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    forged = jwt.encode(_claims(tokens["access_token"]), Ed25519PrivateKey.generate(), algorithm="EdDSA",
                        headers={"kid": kid})
    assert await _me_code(client, forged) == (401, "token_invalid")


async def test_hmac_signed_with_the_public_key_is_refused(client):
    tokens = await register(client)
    jwks = await (await client.get("/.well-known/jwks.json")).json()
    public_x = jwks["keys"][0]["x"]
    forged = jwt.encode(_claims(tokens["access_token"]), public_x, algorithm="HS256",
                        headers={"kid": jwks["keys"][0]["kid"]})
    assert await _me_code(client, forged) == (401, "token_invalid")


async def test_an_expired_token_is_refused(client):
    tokens = await register(client)
    keyring = client.app[PLATFORM].keyring
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    expired = await keyring.sign({**_claims(tokens["access_token"]), "iat": past, "exp": past + datetime.timedelta(minutes=15)})
    assert await _me_code(client, expired) == (401, "token_expired")


async def test_a_token_accepted_before_it_expires_is_refused_after(client):
    tokens = await register(client)
    keyring = client.app[PLATFORM].keyring
    expires = int(time.time()) + 1
    short = await keyring.sign({**_claims(tokens["access_token"]), "exp": expires})
    assert await _me_code(client, short) == (200, "")  # verified, and remembered as such
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)  # the clock passes exp; nothing else to wait for
    assert await _me_code(client, short) == (401, "token_expired")


async def test_a_link_token_is_not_an_access_token(client):
    tokens = await register(client)
    keyring = client.app[PLATFORM].keyring
    link = await token_domain.issue_link_token(keyring, "email_verification", uuid.UUID(tokens["user"]["id"]), 600,
                                               **{k: v for k, v in _claims(tokens["access_token"]).items()
                                                  if k in ("sid", "did", "username", "roles")})
    assert await _me_code(client, link) == (401, "token_invalid")


async def test_garbage_is_refused(client):
    assert await _me_code(client, "not.a.jwt") == (401, "token_invalid")


async def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_retired(client, config):
    keyring = client.app[PLATFORM].keyring
    before = await register(client)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]

    code, out, err = await cli.run(config, "keys", "rotate")
    assert code == 0, err
    await keyring.load()  # what every process does within a minute on its own
    after = await register(client)
    new_kid = jwt.get_unverified_header(after["access_token"])["kid"]
    assert new_kid != old_kid and new_kid in out
    assert (await me(client, before))[0] == 200 and (await me(client, after))[0] == 200
    kids = {key["kid"] for key in (await (await client.get("/.well-known/jwks.json")).json())["keys"]}
    assert {old_kid, new_kid} <= kids

    code, _, err = await cli.run(config, "keys", "retire", old_kid)
    assert code == 0, err
    await keyring.load()
    assert await _me_code(client, before["access_token"]) == (401, "token_invalid")
    assert (await me(client, after))[0] == 200
    kids = {key["kid"] for key in (await (await client.get("/.well-known/jwks.json")).json())["keys"]}
    assert old_kid not in kids

    code, _, err = await cli.run(config, "keys", "retire", new_kid)
    assert code == 1 and "only live key" in err
    code, out, _ = await cli.run(config, "keys", "list")
    assert f"{old_kid}  EdDSA  retired" in out and f"{new_kid}  EdDSA  signing" in out


async def test_requests_that_find_the_keys_stale_reload_them_once_and_a_rotation_is_picked_up(
    client, config, monkeypatch
):
    from nexgate.domain.auth import keys

    keyring = client.app[PLATFORM].keyring
    user = await register(client)
    code, out, err = await cli.run(config, "keys", "rotate")
    assert code == 0, err
    loads = 0
    load = keyring.load

    async def counted_load() -> None:
        nonlocal loads
        loads += 1
        await load()

    monkeypatch.setattr(keyring, "load", counted_load)
    now = time.monotonic()
    monkeypatch.setattr(keys.time, "monotonic", lambda: now + keys.RELOAD_INTERVAL + 1)  # a minute later
    statuses = await asyncio.gather(*(me(client, user) for _ in range(20)))
    assert [status for status, _ in statuses] == [200] * 20
    assert loads == 1
    kids = {key["kid"] for key in (await (await client.get("/.well-known/jwks.json")).json())["keys"]}
    assert out.split()[2].rstrip(";") in kids  # "added key KID; ..."
