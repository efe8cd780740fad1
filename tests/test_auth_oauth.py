"""Sign-in with Google, Apple and Facebook, through the real app against the OAuth sandbox."""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import re
import secrets

import pytest

from nexgate.keys import PLATFORM
from nexgate.providers.oauth_sandbox import OAuthSandbox, SandboxKey
from tests.support.auth import PASSWORD, bearer, login, me, register


@pytest.fixture
async def sandbox():
    sandbox = OAuthSandbox()
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def client(make_client, config, sandbox):
    return await make_client(dataclasses.replace(config, **sandbox.settings()))


@pytest.fixture
def tag() -> str:
    """Tests share one database: names and addresses carry a tag of their own."""
    return "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(6))


async def sign_in(client, provider: str, *, expect: int, **body) -> dict:
    response = await client.post(f"/api/auth/oauth/{provider}", json=body)
    assert response.status == expect, await response.text()
    return await response.json()


async def _fetch(client, sql: str, *args):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval(sql, *args)


async def _counts(client) -> tuple[int, int]:
    """(users, linked identities) in the whole database: compare before and after."""
    return (await _fetch(client, "SELECT count(*) FROM users"),
            await _fetch(client, "SELECT count(*) FROM auth_oauth_identities"))


def _plus(before: tuple[int, int], users: int, identities: int) -> tuple[int, int]:
    return before[0] + users, before[1] + identities


async def _events(client, routing_key: str, user_id: str) -> list[dict]:
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'user_id' = $2",
                                routing_key, user_id)
    return [row["payload"] for row in rows]


def _error(body: dict) -> dict:
    return body["error"]


# Google

async def test_new_google_user_is_created_then_signs_back_in(client, sandbox, tag):
    before = await _counts(client)
    sub = f"117{tag}"
    token = sandbox.google_id_token(sub=sub, email=f"Amina.Juma.{tag}@Gmail.com", name="Amina Juma")
    created = await sign_in(client, "google", id_token=token, device={"id": "pixel-1", "platform": "android"}, expect=201)
    user = created["user"]
    assert user["username"] == f"amina_juma_{tag}" and user["display_name"] == "Amina Juma"
    assert user["email"] == f"Amina.Juma.{tag}@gmail.com" and user["email_verified"] is True
    assert user["has_password"] is False and user["phone"] is None
    assert created["token_type"] == "Bearer" and created["refresh_token"]
    status, account = await me(client, created)
    assert status == 200 and account["id"] == user["id"]
    [registered] = await _events(client, "auth.user.registered", user["id"])
    assert registered["method"] == "oauth:google" and registered["username"] == user["username"]

    token = sandbox.google_id_token(sub=sub, email=f"amina.juma.{tag}@gmail.com")
    again = await sign_in(client, "google", id_token=token, expect=200)
    assert again["user"]["id"] == user["id"] and again["access_token"] != created["access_token"]
    assert await _counts(client) == _plus(before, 1, 1)
    # Nobody can log in with a password the account does not have.
    await login(client, f"amina.juma.{tag}@gmail.com", PASSWORD, expect=401)


@pytest.mark.parametrize("same_email", [True, False])
async def test_concurrent_first_sign_ins_make_one_account(client, sandbox, tag, same_email):
    before = await _counts(client)
    tokens = [sandbox.google_id_token(sub=f"118{tag}", email=f"twice.{tag}{'' if same_email else n}@gmail.com")
              for n in range(2)]
    results = await asyncio.gather(*(client.post("/api/auth/oauth/google", json={"id_token": t}) for t in tokens))
    assert sorted(r.status for r in results) == [200, 201]
    assert len({(await r.json())["user"]["id"] for r in results}) == 1
    assert await _counts(client) == _plus(before, 1, 1)


async def test_usernames_are_made_unique_and_never_reserved(client, sandbox, tag):
    first = await sign_in(client, "google", id_token=sandbox.google_id_token(email=f"baraka{tag}@gmail.com"), expect=201)
    second = await sign_in(client, "google", id_token=sandbox.google_id_token(email=f"Baraka{tag}+shop@yahoo.com"),
                           expect=201)
    staff = await sign_in(client, "google", id_token=sandbox.google_id_token(
        email=f"admin@duka{tag}.co.tz", name=f"Duka Admin {tag}"), expect=201)
    short = await sign_in(client, "google", id_token=sandbox.google_id_token(email=f"jo@{tag}.com", name="J"), expect=201)
    assert [r["user"]["username"] for r in (first, second, staff)] == [
        f"baraka{tag}", f"baraka{tag}_2", f"duka_admin_{tag}"]
    assert re.fullmatch(r"user(_[0-9]+)?", short["user"]["username"])


async def test_refresh_cookie_for_web_clients(client, sandbox):
    response = await client.post("/api/auth/oauth/google", json={
        "id_token": sandbox.google_id_token(), "refresh_token_cookie": True, "device": {"platform": "web"}})
    assert response.status == 201
    assert (await response.json())["refresh_token"] is None and "nexgate_refresh" in response.cookies


# Apple

async def test_apple_with_string_email_verified_and_name_sent_once(client, sandbox, tag):
    sub, relay = f"001122.{tag}.0001", f"x7k2m9q4zp{tag}@privaterelay.appleid.com"
    token = sandbox.apple_id_token(sub=sub, email=relay, email_verified="true",
                                   nonce=hashlib.sha256(b"raw-nonce-1").hexdigest())
    created = await sign_in(client, "apple", id_token=token, nonce="raw-nonce-1", display_name=f"Neema {tag}",
                            expect=201)
    user = created["user"]
    assert user["email_verified"] is True and user["display_name"] == f"Neema {tag}"
    assert user["username"] == f"neema_{tag}"  # not the relay address's random local part

    token = sandbox.apple_id_token(sub=sub, email=relay, nonce="n-2")
    again = await sign_in(client, "apple", id_token=token, nonce="n-2", expect=200)
    assert again["user"]["id"] == user["id"] and again["user"]["display_name"] == f"Neema {tag}"


async def test_apple_string_false_is_not_verified(client, sandbox, tag):
    email = f"rehema.{tag}@example.com"
    created = await sign_in(client, "apple", id_token=sandbox.apple_id_token(email=email, email_verified="false"),
                            expect=201)
    assert created["user"]["email_verified"] is False
    # The usual verification link goes out for an address the provider did not vouch for.
    sent = await _fetch(client, "SELECT count(*) FROM outbox WHERE routing_key = 'notifications.email.requested' "
                                "AND payload->>'to' = $1", email)
    assert sent == 1


# Facebook

async def test_facebook_sign_up_then_sign_in(client, sandbox, tag):
    user_id = str(10**15 + int.from_bytes(tag.encode()) % 10**14)
    token = sandbox.facebook_access_token(user_id=user_id, name="Juma Hassan", email=f"juma.hassan.{tag}@example.com")
    created = await sign_in(client, "facebook", access_token=token, expect=201)
    user = created["user"]
    assert user["username"] == f"juma_hassan_{tag}" and user["display_name"] == "Juma Hassan"
    assert user["email_verified"] is True and user["has_password"] is False
    assert sandbox.requests["debug_token"] == 1 and sandbox.requests["me"] == 1

    again = await sign_in(client, "facebook", access_token=sandbox.facebook_access_token(user_id=user_id), expect=200)
    assert again["user"]["id"] == user["id"]


@pytest.mark.parametrize("options, reason", [
    ({"app_id": "999999"}, "audience"),
    ({"expires_in": -10}, "rejected"),
    ({"valid": False}, "rejected"),
])
async def test_facebook_tokens_facebook_does_not_vouch_for_are_refused(client, sandbox, options, reason):
    before = await _counts(client)
    body = await sign_in(client, "facebook", access_token=sandbox.facebook_access_token(**options), expect=401)
    assert _error(body)["code"] == "oauth_token_invalid" and _error(body)["details"]["reason"] == reason
    body = await sign_in(client, "facebook", access_token="EAAmadeup", expect=401)
    assert _error(body)["details"]["reason"] == "rejected"
    assert await _counts(client) == before


async def test_facebook_user_without_an_email_cannot_sign_up(client, sandbox):
    before = await _counts(client)
    body = await sign_in(client, "facebook", access_token=sandbox.facebook_access_token(email=None), expect=422)
    assert _error(body)["code"] == "email_required"
    assert await _counts(client) == before


# tokens the provider did not issue to us

@pytest.mark.parametrize("options, reason", [
    ({"audience": "someone-elses-app.apps.googleusercontent.com"}, "audience"),
    ({"expires_in": -300}, "expired"),
    ({"issuer": "https://accounts.example.com"}, "issuer"),
    ({"issued_at": 10**10}, "not_yet_valid"),
    ({"omit": ("exp",)}, "malformed"),
])
async def test_bad_id_tokens_are_refused_and_create_nothing(client, sandbox, options, reason):
    before = await _counts(client)
    response = await client.post("/api/auth/oauth/google", json={"id_token": sandbox.google_id_token(**options)})
    assert response.status == 401
    error = _error(await response.json())
    assert error["code"] == "oauth_token_invalid"
    assert error["details"] == {"provider": "google", "reason": reason}
    assert await _counts(client) == before


async def test_a_token_from_one_provider_does_not_pass_for_another(client, sandbox):
    body = await sign_in(client, "apple", id_token=sandbox.google_id_token(), expect=401)
    assert _error(body)["details"]["reason"] == "unknown_key"


async def test_tokens_signed_with_keys_the_provider_does_not_publish(client, sandbox):
    before = await _counts(client)
    rogue = await sign_in(client, "google", id_token=sandbox.google_id_token(key=SandboxKey.generate()), expect=401)
    assert _error(rogue)["details"]["reason"] == "unknown_key"
    published_kid = sandbox.keys["google"][0].kid
    forged = sandbox.google_id_token(key=SandboxKey.generate(kid=published_kid))
    body = await sign_in(client, "google", id_token=forged, expect=401)
    assert _error(body)["details"]["reason"] == "signature"
    body = await sign_in(client, "google", id_token="not.a.jwt", expect=401)
    assert _error(body)["details"]["reason"] == "malformed"
    assert await _counts(client) == before


async def test_keys_are_cached_and_refetched_when_the_provider_rotates(make_client, config, sandbox):
    client = await make_client(dataclasses.replace(config, **sandbox.settings(), oauth_jwks_refetch_floor_s=60))
    await sign_in(client, "google", id_token=sandbox.google_id_token(), expect=201)
    await sign_in(client, "google", id_token=sandbox.google_id_token(), expect=201)
    assert sandbox.requests["google_jwks"] == 1
    # Unknown key ids refetch at most once per floor interval, however many arrive.
    for _ in range(3):
        await sign_in(client, "google", id_token=sandbox.google_id_token(key=SandboxKey.generate()), expect=401)
    assert sandbox.requests["google_jwks"] == 1
    redis = client.app[PLATFORM].redis
    [floor] = [key async for key in redis.client.scan_iter(match=redis.key("oauth", "jwks", "google", "*", "fetched"))]
    redis = redis.client
    assert 0 < await redis.ttl(floor) <= 60
    await redis.delete(floor)  # the floor's interval is over (a clock is slower to wait for, under load)
    sandbox.rotate_key("google")
    await sign_in(client, "google", id_token=sandbox.google_id_token(), expect=201)
    assert sandbox.requests["google_jwks"] == 2


@pytest.mark.parametrize("token_nonce, sent, expect", [
    ("n-123", "n-123", 201),
    (hashlib.sha256(b"n-123").hexdigest(), "n-123", 201),
    ("n-123", "n-456", 401),
    ("n-123", None, 401),
    (None, "n-123", 401),
])
async def test_nonce_must_match(client, sandbox, token_nonce, sent, expect):
    before = await _counts(client)
    body = {"id_token": sandbox.apple_id_token(nonce=token_nonce)}
    if sent is not None:
        body["nonce"] = sent
    result = await sign_in(client, "apple", expect=expect, **body)
    if expect == 401:
        assert _error(result)["details"]["reason"] == "nonce"
        assert await _counts(client) == before


# linking to existing accounts

async def test_unverified_provider_email_never_takes_over_an_account(client, sandbox, tag):
    tokens = await register(client, username=f"halima_{tag}", email=f"halima.{tag}@example.com")
    _, before_account = await me(client, tokens)
    before = await _counts(client)
    token = sandbox.google_id_token(email=f"halima.{tag}@example.com", email_verified=False)
    body = await sign_in(client, "google", id_token=token, expect=409)
    assert _error(body)["code"] == "account_exists" and _error(body)["details"]["provider"] == "google"
    assert await _counts(client) == before
    assert await me(client, tokens) == (200, before_account)


async def test_verified_provider_email_does_not_link_to_an_unverified_account(client, sandbox, tag):
    tokens = await register(client, username=f"squatter_{tag}", email=f"victim.{tag}@gmail.com")
    before = await _counts(client)
    body = await sign_in(client, "google", id_token=sandbox.google_id_token(email=f"victim.{tag}@gmail.com"), expect=409)
    assert _error(body)["code"] == "account_exists"
    assert await _counts(client) == before
    status, account = await me(client, tokens)
    assert status == 200 and account["email_verified"] is False


async def test_verified_email_on_both_sides_links_the_identity(client, sandbox, tag):
    before = await _counts(client)
    token = sandbox.google_id_token(email=f"zuhura.{tag}@gmail.com")
    user_id = (await sign_in(client, "google", id_token=token, expect=201))["user"]["id"]
    sub = f"000777.{tag}.0001"
    linked = await sign_in(client, "apple", id_token=sandbox.apple_id_token(sub=sub, email=f"Zuhura.{tag}@GMAIL.com"),
                           expect=200)
    assert linked["user"]["id"] == user_id
    [event] = await _events(client, "auth.oauth.linked", user_id)
    assert event["provider"] == "apple"
    # The Apple identity now opens the account whatever address it later shows.
    token = sandbox.apple_id_token(sub=sub, email=f"hidden{tag}@privaterelay.appleid.com")
    again = await sign_in(client, "apple", id_token=token, expect=200)
    assert again["user"]["id"] == user_id
    assert await _counts(client) == _plus(before, 1, 2)


async def test_linking_to_a_password_account_once_its_email_is_verified(client, sandbox, tag):
    tokens = await register(client, username=f"mwanaidi_{tag}", email=f"mwanaidi.{tag}@example.com")
    async with client.app[PLATFORM].core.connection() as conn:  # as the emailed link would
        await conn.execute("UPDATE users SET email_verified_at = now() WHERE id = $1::uuid", tokens["user"]["id"])
    fb = sandbox.facebook_access_token(email=f"mwanaidi.{tag}@example.com")
    linked = await sign_in(client, "facebook", access_token=fb, expect=200)
    assert linked["user"]["id"] == tokens["user"]["id"] and linked["user"]["has_password"] is True
    await login(client, f"mwanaidi_{tag}", PASSWORD)  # the password still works


async def test_suspended_accounts_are_refused(client, sandbox, tag):
    email = f"banned.{tag}@gmail.com"
    created = await sign_in(client, "google", id_token=sandbox.google_id_token(sub=f"555{tag}", email=email), expect=201)
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET status = 'suspended' WHERE id = $1::uuid", created["user"]["id"])
    before = await _counts(client)
    body = await sign_in(client, "google", id_token=sandbox.google_id_token(sub=f"555{tag}", email=email), expect=403)
    assert _error(body)["code"] == "account_suspended"
    body = await sign_in(client, "apple", id_token=sandbox.apple_id_token(email=email), expect=403)
    assert _error(body)["code"] == "account_suspended"
    assert await _counts(client) == before  # and the Apple identity was not linked


# configuration and bad requests

async def test_a_provider_without_a_client_id_is_not_enabled(make_client, config, sandbox):
    client = await make_client(dataclasses.replace(config, **{**sandbox.settings(), "oauth_facebook_app_id": ""}))
    body = await sign_in(client, "facebook", access_token=sandbox.facebook_access_token(), expect=404)
    assert _error(body)["code"] == "oauth_provider_disabled" and "Facebook" in _error(body)["message"]
    assert sandbox.requests["debug_token"] == 0
    body = await sign_in(client, "twitter", access_token="x", expect=404)
    assert _error(body)["code"] == "oauth_provider_unknown"


async def test_default_configuration_enables_no_provider(make_client, config):
    client = await make_client(config)
    for provider in ("google", "apple", "facebook"):
        body = await sign_in(client, provider, id_token="x", access_token="x", expect=404)
        assert _error(body)["code"] == "oauth_provider_disabled"


async def test_the_token_field_is_required(client, sandbox):
    body = await sign_in(client, "google", access_token="x", expect=422)
    assert list(_error(body)["details"]["fields"]) == ["id_token"]
    body = await sign_in(client, "facebook", id_token=sandbox.google_id_token(), expect=422)
    assert list(_error(body)["details"]["fields"]) == ["access_token"]


async def test_provider_outage_is_503_and_creates_nothing(client, sandbox):
    before = await _counts(client)
    sandbox.down |= {"google", "facebook"}
    body = await sign_in(client, "google", id_token=sandbox.google_id_token(), expect=503)
    assert _error(body)["code"] == "oauth_provider_unavailable"
    body = await sign_in(client, "facebook", access_token=sandbox.facebook_access_token(), expect=503)
    assert _error(body)["code"] == "oauth_provider_unavailable"
    assert await _counts(client) == before


async def test_access_token_from_oauth_works_like_any_other(client, sandbox):
    created = await sign_in(client, "google", id_token=sandbox.google_id_token(), expect=201)
    devices = await client.get("/api/auth/devices", headers=bearer(created))
    assert devices.status == 200 and len((await devices.json())["devices"]) == 1
    refreshed = await client.post("/api/auth/refresh-token", json={"refresh_token": created["refresh_token"]})
    assert refreshed.status == 200


async def test_an_account_with_two_step_login_still_needs_its_code(client, sandbox, tag):
    import pyotp

    tokens = await register(client, username=f"rehema_{tag}", email=f"rehema.{tag}@example.com")
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET email_verified_at = now() WHERE id = $1::uuid", tokens["user"]["id"])
    enrolled = await client.post("/api/auth/mfa/totp/enroll", headers=bearer(tokens))
    totp = pyotp.TOTP((await enrolled.json())["secret"])
    confirmed = await client.post("/api/auth/mfa/totp/confirm", json={"code": totp.now()}, headers=bearer(tokens))
    assert confirmed.status == 200, await confirmed.text()

    token = sandbox.google_id_token(sub=f"919{tag}", email=f"rehema.{tag}@example.com")
    answer = await sign_in(client, "google", id_token=token, expect=200)
    assert answer["mfa_required"] is True and "access_token" not in answer
    wrong = await client.post("/api/auth/mfa/verify", json={"challenge": answer["challenge"], "code": "000000"})
    assert wrong.status == 401
