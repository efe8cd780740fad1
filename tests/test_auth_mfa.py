"""Two-step login with an authenticator app: enrolment, the login challenge, replay, drift,
recovery codes, turning it off, and the limits on guessing codes."""
from __future__ import annotations

import asyncio
import base64
import dataclasses
import io
import re
import secrets
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from PIL import Image

from nexgate.domain.auth import mfa
from nexgate.keys import PLATFORM
from tests.support.auth import PASSWORD, bearer, login, register

STEP_S = 30


class Clock:
    """The server's TOTP clock, moved by the test: codes are made for exact time steps."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def step(self, steps: int = 1) -> None:
        self.now += steps * STEP_S


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(1_800_000_000 + STEP_S // 2)  # the middle of a step
    monkeypatch.setattr(mfa, "_now", clock)
    return clock


def code_at(secret: str, clock: Clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + steps * STEP_S)


async def post(client, path: str, tokens: dict | None = None, body: dict | None = None, *, expect: int = 200):
    response = await client.post(path, json=body, headers=bearer(tokens) if tokens else {})
    assert response.status == expect, await response.text()
    return await response.json() if response.status != 204 else None


async def error_of(response, status: int) -> dict:
    assert response.status == status, await response.text()
    return (await response.json())["error"]


async def mfa_status(client, tokens: dict) -> dict:
    response = await client.get("/api/auth/mfa", headers=bearer(tokens))
    assert response.status == 200
    return await response.json()


async def enable_totp(client, tokens: dict, clock: Clock) -> tuple[str, list[str]]:
    """Enrol and confirm; the clock moves past the confirmation code's step."""
    secret = (await post(client, "/api/auth/mfa/totp/enroll", tokens))["secret"]
    codes = (await post(client, "/api/auth/mfa/totp/confirm", tokens, {"code": code_at(secret, clock)}))["recovery_codes"]
    clock.step()
    return secret, codes


async def challenge_for(client, tokens: dict, **fields) -> str:
    answer = await login(client, tokens["user"]["username"], **fields)
    assert answer["mfa_required"] is True and "access_token" not in answer
    return answer["challenge"]


async def verify(client, challenge: str, code: str):
    return await client.post("/api/auth/mfa/verify", json={"challenge": challenge, "code": code})


async def events(client, routing_key: str, user_id: str) -> list[dict]:
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'user_id' = $2", routing_key, user_id
        )
    return [row["payload"] for row in rows]


async def test_enrol_confirm_and_log_in_with_a_code(client, clock):
    tokens = await register(client)
    assert await mfa_status(client, tokens) == {"totp_enabled": False, "enabled_at": None, "recovery_codes_left": 0}

    enrollment = await post(client, "/api/auth/mfa/totp/enroll", tokens)
    secret = enrollment["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = urlsplit(enrollment["provisioning_uri"])
    assert (uri.scheme, uri.netloc, unquote(uri.path)) == ("otpauth", "totp", f"/Nexgate:{tokens['user']['username']}")
    assert parse_qs(uri.query)["secret"] == [secret] and parse_qs(uri.query)["issuer"] == ["Nexgate"]
    prefix = "data:image/png;base64,"
    assert enrollment["qr_code"].startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(enrollment["qr_code"][len(prefix):])))
    assert image.format == "PNG" and image.width == image.height >= 100

    # Pending until confirmed: the password alone still logs in.
    assert "access_token" in await login(client, tokens["user"]["username"])

    confirmed = await post(client, "/api/auth/mfa/totp/confirm", tokens, {"code": code_at(secret, clock)})
    codes = confirmed["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code) for code in codes)
    status = await mfa_status(client, tokens)
    assert status["totp_enabled"] is True and status["enabled_at"] and status["recovery_codes_left"] == 10
    assert [e["method"] for e in await events(client, "auth.mfa.enabled", tokens["user"]["id"])] == ["totp"]

    clock.step()
    answer = await login(client, tokens["user"]["username"])
    assert answer == {"mfa_required": True, "challenge": answer["challenge"], "expires_in": 300,
                      "methods": ["totp", "recovery_code"]}
    response = await verify(client, answer["challenge"], code_at(secret, clock))
    assert response.status == 200, await response.text()
    granted = await response.json()
    assert set(granted) == {"user", "access_token", "refresh_token", "token_type", "expires_in"}
    assert granted["user"]["id"] == tokens["user"]["id"] and granted["refresh_token"]
    me = await client.get("/api/users/me", headers=bearer(granted))
    assert me.status == 200 and (await me.json())["id"] == tokens["user"]["id"]
    # The challenge is spent with the login.
    assert (await error_of(await verify(client, answer["challenge"], code_at(secret, clock, 1)), 401))["code"] == (
        "mfa_challenge_invalid")


async def test_a_wrong_code_is_refused_and_changes_nothing(client, clock):
    tokens = await register(client)
    secret = (await post(client, "/api/auth/mfa/totp/enroll", tokens))["secret"]
    wrong = f"{(int(code_at(secret, clock)) + 1) % 1_000_000:06d}"
    refused = await client.post("/api/auth/mfa/totp/confirm", json={"code": wrong}, headers=bearer(tokens))
    error = await error_of(refused, 403)
    assert error["code"] == "invalid_mfa_code" and "code" in error["details"]["fields"]
    assert (await mfa_status(client, tokens))["totp_enabled"] is False
    assert "access_token" in await login(client, tokens["user"]["username"])
    assert await events(client, "auth.mfa.enabled", tokens["user"]["id"]) == []

    await post(client, "/api/auth/mfa/totp/confirm", tokens, {"code": code_at(secret, clock)})
    clock.step()
    challenge = await challenge_for(client, tokens)
    wrong = f"{(int(code_at(secret, clock)) + 1) % 1_000_000:06d}"
    error = await error_of(await verify(client, challenge, wrong), 401)
    assert error["code"] == "invalid_mfa_code" and error["details"]["attempts_left"] == 4
    error = await error_of(await verify(client, challenge, "not-a-recovery-code"), 401)
    assert error["code"] == "invalid_mfa_code" and error["details"]["attempts_left"] == 3
    # The challenge lives on, and the right code still completes it.
    assert (await verify(client, challenge, code_at(secret, clock))).status == 200


async def test_a_code_works_once(client, clock):
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    code = code_at(secret, clock)
    assert (await verify(client, await challenge_for(client, tokens), code)).status == 200

    challenge = await challenge_for(client, tokens)
    error = await error_of(await verify(client, challenge, code), 401)
    assert error["code"] == "mfa_code_used"
    # An older code that is still within the drift window is as spent as the last one.
    assert (await error_of(await verify(client, challenge, code_at(secret, clock, -1)), 401))["code"] == "mfa_code_used"
    assert (await verify(client, challenge, code_at(secret, clock, 1))).status == 200


async def test_the_same_code_sent_twice_at_once_logs_in_once(client, clock):
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    first, second = await challenge_for(client, tokens), await challenge_for(client, tokens)
    code = code_at(secret, clock)
    responses = await asyncio.gather(verify(client, first, code), verify(client, second, code))
    assert sorted(r.status for r in responses) == [200, 401]
    refused = next(r for r in responses if r.status == 401)
    assert (await refused.json())["error"]["code"] == "mfa_code_used"


async def test_one_step_of_clock_drift_is_allowed_two_are_not(client, clock):
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    challenge = await challenge_for(client, tokens)
    for steps in (2, -2):
        assert (await error_of(await verify(client, challenge, code_at(secret, clock, steps)), 401))["code"] == (
            "invalid_mfa_code")
    assert (await verify(client, challenge, code_at(secret, clock, 1))).status == 200

    clock.step(3)  # the phone is now a step behind the server
    assert (await verify(client, await challenge_for(client, tokens), code_at(secret, clock, -1))).status == 200


async def test_a_recovery_code_works_once(client, clock):
    tokens = await register(client)
    _, codes = await enable_totp(client, tokens, clock)
    typed = codes[0].upper().replace("-", " ")  # as read aloud from a printout
    response = await verify(client, await challenge_for(client, tokens), typed)
    assert response.status == 200, await response.text()
    assert (await mfa_status(client, tokens))["recovery_codes_left"] == 9
    assert [e["left"] for e in await events(client, "auth.recovery_code.used", tokens["user"]["id"])] == [9]

    challenge = await challenge_for(client, tokens)
    assert (await error_of(await verify(client, challenge, codes[0]), 401))["code"] == "mfa_code_used"
    assert (await verify(client, challenge, codes[1])).status == 200
    assert (await mfa_status(client, tokens))["recovery_codes_left"] == 8


async def test_new_recovery_codes_replace_the_old_ones(client, clock):
    tokens = await register(client)
    secret, old_codes = await enable_totp(client, tokens, clock)
    refused = await client.post("/api/auth/mfa/recovery-codes", json={"code": "aaaa-bbbb-cccc-dddd"},
                                headers=bearer(tokens))
    assert (await error_of(refused, 403))["code"] == "invalid_mfa_code"

    new_codes = (await post(client, "/api/auth/mfa/recovery-codes", tokens, {"code": code_at(secret, clock)}))[
        "recovery_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert (await mfa_status(client, tokens))["recovery_codes_left"] == 10
    challenge = await challenge_for(client, tokens)
    assert (await error_of(await verify(client, challenge, old_codes[2]), 401))["code"] == "invalid_mfa_code"
    assert (await verify(client, challenge, new_codes[2])).status == 200
    assert len(await events(client, "auth.recovery_codes.regenerated", tokens["user"]["id"])) == 1


async def test_turning_off_needs_the_password_and_a_code(client, clock):
    tokens = await register(client)
    secret, codes = await enable_totp(client, tokens, clock)
    code = code_at(secret, clock)

    missing = await client.post("/api/auth/mfa/totp/disable", json={"code": code}, headers=bearer(tokens))
    assert "password" in (await error_of(missing, 422))["details"]["fields"]
    wrong_password = await client.post("/api/auth/mfa/totp/disable", json={"password": "not my password", "code": code},
                                       headers=bearer(tokens))
    assert (await error_of(wrong_password, 403))["code"] == "invalid_password"
    wrong_code = await client.post("/api/auth/mfa/totp/disable", json={"password": PASSWORD, "code": "000000"},
                                   headers=bearer(tokens))
    assert (await error_of(wrong_code, 403))["code"] == "invalid_mfa_code"
    assert (await mfa_status(client, tokens))["totp_enabled"] is True
    assert await events(client, "auth.mfa.disabled", tokens["user"]["id"]) == []

    # The refused attempt did not spend the code.
    await post(client, "/api/auth/mfa/totp/disable", tokens, {"password": PASSWORD, "code": code}, expect=204)
    assert await mfa_status(client, tokens) == {"totp_enabled": False, "enabled_at": None, "recovery_codes_left": 0}
    assert len(await events(client, "auth.mfa.disabled", tokens["user"]["id"])) == 1
    assert "access_token" in await login(client, tokens["user"]["username"])
    again = await client.post("/api/auth/mfa/totp/disable", json={"password": PASSWORD, "code": codes[0]},
                              headers=bearer(tokens))
    assert (await error_of(again, 409))["code"] == "mfa_not_enabled"
    # Off means it can be enrolled afresh.
    assert (await post(client, "/api/auth/mfa/totp/enroll", tokens))["secret"] != secret


async def test_a_recovery_code_can_turn_it_off(client, clock):
    tokens = await register(client)
    _, codes = await enable_totp(client, tokens, clock)
    await post(client, "/api/auth/mfa/totp/disable", tokens, {"password": PASSWORD, "code": codes[5]}, expect=204)
    assert (await mfa_status(client, tokens))["totp_enabled"] is False


async def test_an_unknown_or_expired_challenge_is_refused(client, clock, monkeypatch):
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    unknown = await verify(client, secrets.token_urlsafe(32), code_at(secret, clock))
    assert (await error_of(unknown, 401))["code"] == "mfa_challenge_invalid"

    monkeypatch.setattr(mfa, "CHALLENGE_TTL_S", 1)
    answer = await login(client, tokens["user"]["username"])
    assert answer["expires_in"] == 1
    await asyncio.sleep(1.2)
    expired = await verify(client, answer["challenge"], code_at(secret, clock))
    assert (await error_of(expired, 401))["code"] == "mfa_challenge_invalid"
    # The code was not spent on the expired challenge.
    assert (await verify(client, await challenge_for(client, tokens), code_at(secret, clock))).status == 200


async def test_a_challenge_dies_after_five_wrong_codes(make_client, config, clock):
    client = await make_client(dataclasses.replace(config, login_failures_before_lockout=100))
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    challenge = await challenge_for(client, tokens)
    left = []
    for _ in range(5):
        left.append((await error_of(await verify(client, challenge, "zzzz-zzzz-zzzz-zzzz"), 401))["details"]["attempts_left"])
    assert left == [4, 3, 2, 1, 0]
    assert (await error_of(await verify(client, challenge, code_at(secret, clock)), 401))["code"] == (
        "mfa_challenge_invalid")


async def test_wrong_codes_lock_the_account_out_and_the_password_does_not_reset_the_count(make_client, config, clock):
    client = await make_client(
        dataclasses.replace(config, login_failures_before_lockout=3, login_failures_per_ip=100, login_lockout_s=30)
    )
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    for _ in range(2):
        await error_of(await verify(client, await challenge_for(client, tokens), "000000"), 401)
    # A fresh challenge (the password again) still counts the earlier wrong codes: this one locks.
    await error_of(await verify(client, await challenge_for(client, tokens), "000000"), 401)

    locked = await client.post("/api/auth/login", json={"login": tokens["user"]["username"], "password": PASSWORD})
    assert (await error_of(locked, 429))["code"] == "login_locked" and int(locked.headers["Retry-After"]) > 0
    reports = await events(client, "auth.lockout.started", tokens["user"]["id"])
    assert [r["stage"] for r in reports] == ["mfa"]


async def test_a_completed_login_keeps_the_device_and_the_cookie_choice(client, clock):
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    challenge = await challenge_for(client, tokens, refresh_token_cookie=True,
                                    device={"id": "browser-7", "platform": "web", "name": "Firefox on Ubuntu"})
    response = await verify(client, challenge, code_at(secret, clock))
    assert response.status == 200
    granted = await response.json()
    assert granted["refresh_token"] is None and response.cookies["nexgate_refresh"].value
    devices = await (await client.get("/api/auth/devices", headers=bearer(granted))).json()
    current = next(d for d in devices["devices"] if d["current"])
    assert (current["platform"], current["name"]) == ("web", "Firefox on Ubuntu")


async def test_enrolling_while_enabled_is_refused(client, clock):
    tokens = await register(client)
    secret, _ = await enable_totp(client, tokens, clock)
    again = await client.post("/api/auth/mfa/totp/enroll", headers=bearer(tokens))
    assert (await error_of(again, 409))["code"] == "mfa_already_enabled"
    confirm = await client.post("/api/auth/mfa/totp/confirm", json={"code": code_at(secret, clock)},
                                headers=bearer(tokens))
    assert (await error_of(confirm, 409))["code"] == "mfa_already_enabled"
    # The app enrolled first still logs in (and the refused confirmation spent nothing).
    assert (await verify(client, await challenge_for(client, tokens), code_at(secret, clock))).status == 200


async def test_confirming_without_enrolling_is_refused(client, clock):
    tokens = await register(client)
    refused = await client.post("/api/auth/mfa/totp/confirm", json={"code": "123456"}, headers=bearer(tokens))
    assert (await error_of(refused, 409))["code"] == "mfa_not_enrolled"


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/auth/mfa"), ("POST", "/api/auth/mfa/totp/enroll"), ("POST", "/api/auth/mfa/totp/confirm"),
    ("POST", "/api/auth/mfa/totp/disable"), ("POST", "/api/auth/mfa/recovery-codes"),
])
async def test_managing_two_step_login_needs_a_token(client, method, path):
    response = await client.request(method, path, json={"code": "123456", "password": PASSWORD})
    assert (await error_of(response, 401))["code"] == "token_missing"


async def test_verify_names_missing_fields(client):
    response = await client.post("/api/auth/mfa/verify", json={})
    assert set((await error_of(response, 422))["details"]["fields"]) == {"challenge", "code"}


async def test_the_openapi_document_shows_both_login_answers(client):
    document = await (await client.get("/api/openapi.json")).json()
    ref = document["paths"]["/api/auth/login"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    login_answer = document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert {"access_token", "mfa_required", "challenge", "methods"} <= set(login_answer["properties"])
    assert "mfa_required" in login_answer["description"]
    assert "/api/auth/mfa/verify" in document["paths"]
