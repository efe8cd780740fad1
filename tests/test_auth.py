"""Registration, login, refresh rotation, logout, devices and the caller's own account."""
from __future__ import annotations

import jwt
import pytest

from nexgate.keys import PLATFORM
from tests.support.auth import PASSWORD, bearer, login, me, register


async def _count(client, sql: str, *args) -> int:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval(sql, *args)


async def test_register_returns_tokens_and_the_own_account(client):
    tokens = await register(client, username="Amina_J", email="Amina.Juma@Example.CO.TZ", phone="0712 345 678",
                            device={"id": "tecno-1", "platform": "android", "name": "Tecno Spark"})
    assert set(tokens) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    user = tokens["user"]
    assert user["username"] == "Amina_J"
    assert user["email"] == "Amina.Juma@example.co.tz"  # the domain is case-insensitive, the local part kept
    assert user["phone"] == "+255712345678"
    assert user["email_verified"] is False and user["roles"] == ["user"]
    assert "password" not in str(tokens["user"]).lower().replace("has_password", "")

    status, account = await me(client, tokens)
    assert status == 200 and account == user


@pytest.mark.parametrize("phone, e164", [("+254 712 345678", "+254712345678"), ("+256 772 123456", "+256772123456")])
async def test_east_african_numbers_are_stored_in_e164(client, phone, e164):
    tokens = await register(client, phone=phone, email=None)
    assert tokens["user"]["phone"] == e164 and tokens["user"]["email"] is None


@pytest.mark.parametrize("field, first, second", [
    ("username", {"username": "Baraka"}, {"username": "bARAKA"}),
    ("email", {"email": "baraka@example.com"}, {"email": "BARAKA@EXAMPLE.COM"}),
    ("phone", {"phone": "+255 754 000 111"}, {"phone": "0754000111"}),
])
async def test_duplicates_in_any_letter_case_are_refused(client, field, first, second):
    await register(client, **first)
    before = await _count(client, "SELECT count(*) FROM users")
    response = await client.post("/api/auth/register", json={
        "username": "someone_else", "display_name": "X", "password": PASSWORD, "email": "other@example.com", **second})
    assert response.status == 409
    error = (await response.json())["error"]
    assert error["code"] == f"{field}_taken" and field in error["details"]["fields"]
    assert await _count(client, "SELECT count(*) FROM users") == before


@pytest.mark.parametrize("fields, bad", [
    ({"email": "not-an-email"}, "email"),
    ({"email": None, "phone": "+255 12"}, "phone"),
    ({"password": "password123"}, "password"),
    ({"password": "valid_name2026"}, "password"),
    ({"password": "short"}, "password"),
    ({"username": "admin"}, "username"),
    ({"username": "a b"}, "username"),
    ({"display_name": ""}, "display_name"),
])
async def test_bad_registrations_name_the_field_and_write_nothing(client, fields, bad):
    before = await _count(client, "SELECT count(*) FROM users")
    body = {"username": "valid_name", "display_name": "Valid", "password": PASSWORD, "email": "v@example.com", **fields}
    response = await client.post("/api/auth/register", json=body)
    assert response.status == 422, await response.text()
    assert bad in (await response.json())["error"]["details"]["fields"]
    assert await _count(client, "SELECT count(*) FROM users") == before


async def test_email_or_phone_is_required(client):
    response = await client.post("/api/auth/register", json={
        "username": "nobody", "display_name": "N", "password": PASSWORD})
    assert response.status == 422
    assert set((await response.json())["error"]["details"]["fields"]) == {"email", "phone"}


async def test_login_by_email_phone_or_username(client):
    tokens = await register(client, username="Chausiku", email="chausiku@example.com", phone="+255 765 432 100")
    for identifier in ("CHAUSIKU@example.com", "+255765432100", "0765 432 100", "chausiku"):
        logged_in = await login(client, identifier)
        assert logged_in["user"]["id"] == tokens["user"]["id"]


async def test_wrong_password_and_unknown_account_look_the_same(client):
    await register(client, username="Daudi", email="daudi@example.com")
    wrong = await login(client, "daudi", "not the password at all", expect=401)
    unknown = await login(client, "nobody_here", "not the password at all", expect=401)
    assert wrong == unknown == {"error": {"code": "invalid_credentials", "message": "Wrong login or password",
                                          "details": {}}}


async def test_refresh_rotates_and_reuse_revokes_the_family(client):
    first = await register(client)
    second = await _refresh(client, first["refresh_token"], expect=200)
    assert second["refresh_token"] != first["refresh_token"]
    assert (await me(client, second))[0] == 200

    reused = await _refresh(client, first["refresh_token"], expect=401)
    assert reused["error"]["code"] == "refresh_token_reused"
    assert (await _refresh(client, second["refresh_token"], expect=401))["error"]["code"] == "refresh_token_invalid"
    status, body = await me(client, second)
    assert status == 401 and body["error"]["code"] == "session_revoked"


async def test_unknown_refresh_token_is_refused(client):
    body = await _refresh(client, "made-up-token", expect=401)
    assert body["error"]["code"] == "refresh_token_invalid"


async def _refresh(client, token: str, *, expect: int) -> dict:
    response = await client.post("/api/auth/refresh-token", json={"refresh_token": token})
    assert response.status == expect, await response.text()
    return await response.json()


async def test_logout_stops_this_session_only(client):
    phone = await register(client, username="Esther", device={"id": "phone", "platform": "ios"})
    laptop = await login(client, "esther", device={"id": "laptop", "platform": "web"})
    response = await client.post("/api/auth/logout", headers=bearer(phone))
    assert response.status == 204
    assert (await me(client, phone))[0] == 401
    assert (await me(client, laptop))[0] == 200
    assert (await _refresh(client, phone["refresh_token"], expect=401))["error"]["code"] == "refresh_token_invalid"


async def test_a_session_redis_forgot_is_rebuilt_from_the_database_live_or_revoked(client):
    kept = await register(client, username="Elia")
    gone = await login(client, "elia", device={"id": "old-phone"})
    assert (await client.post("/api/auth/logout", headers=bearer(gone))).status == 204
    await _forget_live_sessions(client, kept, gone)  # Redis restarted empty, or evicted the keys
    assert (await me(client, kept))[0] == 200
    status, body = await me(client, gone)
    assert status == 401 and body["error"]["code"] == "session_revoked"
    await _forget_live_sessions(client, gone)  # the rebuilt copy says revoked, and so does the next rebuild
    assert (await me(client, gone))[0] == 401


async def _forget_live_sessions(client, *signed_in: dict) -> None:
    platform = client.app[PLATFORM]
    for tokens in signed_in:
        session_id = jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"]
        assert await platform.redis.client.delete(platform.redis.key("auth", "session", session_id)) == 1


async def test_a_suspended_account_cannot_refresh_its_tokens(client):
    tokens = await register(client)
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET status = 'suspended' WHERE id = $1::uuid", tokens["user"]["id"])
    assert (await _refresh(client, tokens["refresh_token"], expect=401))["error"]["code"] == "refresh_token_invalid"


async def test_logout_all_stops_every_session(client):
    one = await register(client, username="Faraji")
    two = await login(client, "faraji", device={"id": "tablet"})
    response = await client.post("/api/auth/logout-all", headers=bearer(two))
    assert response.status == 200 and (await response.json()) == {"revoked_sessions": 2}
    assert (await me(client, one))[0] == 401 and (await me(client, two))[0] == 401


async def test_devices_are_reused_listed_and_removed_at_once(client):
    phone = await register(client, username="Grace", device={"id": "g-phone", "platform": "android", "name": "Phone"})
    await login(client, "grace", device={"id": "g-phone", "platform": "android", "name": "Phone"})
    laptop = await login(client, "grace", device={"id": "g-laptop", "platform": "web", "name": "Laptop"})

    response = await client.get("/api/auth/devices", headers=bearer(laptop))
    devices = (await response.json())["devices"]
    assert [(d["name"], d["active_sessions"], d["current"]) for d in devices] == [("Laptop", 1, True), ("Phone", 2, False)]
    assert all(d["last_ip"] == "127.0.0.1" for d in devices)

    phone_id = devices[1]["id"]
    response = await client.delete(f"/api/auth/devices/{phone_id}", headers=bearer(laptop))
    assert response.status == 204
    status, body = await me(client, phone)  # its access token has not expired, and is refused
    assert status == 401 and body["error"]["code"] == "session_revoked"
    remaining = (await (await client.get("/api/auth/devices", headers=bearer(laptop))).json())["devices"]
    assert [d["name"] for d in remaining] == ["Laptop"]


async def test_a_device_of_someone_else_cannot_be_removed(client):
    owner = await register(client, device={"id": "owner-phone"})
    other = await register(client)
    device_id = (await (await client.get("/api/auth/devices", headers=bearer(owner))).json())["devices"][0]["id"]
    response = await client.delete(f"/api/auth/devices/{device_id}", headers=bearer(other))
    assert response.status == 404
    assert (await me(client, owner))[0] == 200


async def test_a_new_device_emits_an_event_a_known_one_does_not(client):
    tokens = await register(client, username="Halima", device={"id": "h-1", "platform": "ios"})
    await login(client, "halima", device={"id": "h-1", "platform": "ios"})
    await login(client, "halima", device={"id": "h-2", "platform": "android"})
    count = await _count(client, "SELECT count(*) FROM outbox WHERE routing_key = 'auth.device.added' "
                                 "AND payload->>'user_id' = $1", tokens["user"]["id"])
    assert count == 2


async def test_web_clients_get_the_refresh_token_in_a_csrf_protected_cookie(client):
    tokens = await register(client, refresh_token_cookie=True)
    assert tokens["refresh_token"] is None
    # The test client's cookie jar now holds both cookies, as a browser would.
    jar = {cookie.key: cookie for cookie in client.session.cookie_jar}
    refresh_cookie = jar["nexgate_refresh"]
    assert refresh_cookie["httponly"] and refresh_cookie["samesite"] == "Strict"
    assert refresh_cookie["path"] == "/api/auth"

    forged = await client.post("/api/auth/refresh-token")
    assert forged.status == 403 and (await forged.json())["error"]["code"] == "csrf_failed"

    response = await client.post("/api/auth/refresh-token", headers={"X-CSRF-Token": jar["nexgate_csrf"].value})
    assert response.status == 200, await response.text()
    refreshed = await response.json()
    assert refreshed["refresh_token"] is None and (await me(client, refreshed))[0] == 200


async def test_me_needs_a_token(client):
    response = await client.get("/api/users/me")
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "token_missing"
    response = await client.get("/api/users/me", headers={"Authorization": "Basic abc"})
    assert response.status == 401


async def test_role_guarded_routes_need_the_role_which_a_refresh_picks_up(aiohttp_client, config):
    from aiohttp import web

    from nexgate.app import create_app
    from nexgate.domain.auth import repository
    from nexgate.handlers.routing import Routes, caller

    routes = Routes("test")

    @routes.get("/test/moderation", summary="A moderators' page", roles=("moderator", "admin"))
    async def moderation(request):
        return web.json_response({"hello": caller(request).username})

    app = create_app(config)
    routes.add_to(app)
    client = await aiohttp_client(app)
    tokens = await register(client, username="Pendo")
    refused = await client.get("/test/moderation", headers=bearer(tokens))
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "role_required"

    async with client.app[PLATFORM].core.connection() as conn:
        await repository.set_roles(conn, tokens["user"]["id"], ["user", "moderator"])
    refreshed = await _refresh(client, tokens["refresh_token"], expect=200)
    assert refreshed["user"]["roles"] == ["user", "moderator"]
    allowed = await client.get("/test/moderation", headers=bearer(refreshed))
    assert allowed.status == 200 and await allowed.json() == {"hello": "Pendo"}
