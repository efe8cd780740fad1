"""Phone verification and phone-based password reset: codes texted through the bus, the sms
worker and the Africa's Talking sandbox, as a client would use them."""
from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets

import pytest

from nexgate import codes
from nexgate.keys import PLATFORM
from tests.support.auth import PASSWORD, bearer, login, me, register

NEW_PASSWORD = "ngorongoro crater 2024"
CODE_TEXT = re.compile(r"^Your Nexgate code is (\d{6})\. It expires in 10 minutes\.$")
RESET_TEXT = re.compile(r"^Your Nexgate password reset code is (\d{6})\. It expires in 10 minutes\. ")


@pytest.fixture
async def phone_client(make_client, config, sms_sandbox, smtp_sandbox):
    config = dataclasses.replace(config, **sms_sandbox.settings(), smtp_port=smtp_sandbox.port)
    return await make_client(config, worker_names=["outbox-relay", "email", "sms"])


def tz_number() -> tuple[str, str]:
    """A fresh Tanzanian mobile number: (as typed, national format; E.164)."""
    digits = f"{secrets.randbelow(10**7):07d}"
    return f"071{digits[0]} {digits[1:4]} {digits[4:]}", f"+25571{digits}"


def number(prefix: str) -> str:
    return prefix + f"{secrets.randbelow(10**7):07d}"


async def code_sent_to(sandbox, phone: str, *, after: int = 0, text: re.Pattern = CODE_TEXT) -> str:
    """The code in the first text to ``phone`` matching ``text`` beyond the first ``after`` such
    texts. Texts of different kinds may arrive in any order: the sms worker sends concurrently."""
    seen = 0
    while True:
        message = await sandbox.wait_for(phone, after=seen)
        seen += 1
        match = text.match(message.text)
        if match and after == 0:
            return match.group(1)
        after -= bool(match)


async def verify(client, tokens, code: str, expect: int) -> dict:
    response = await client.post("/api/auth/verify-phone", json={"code": code}, headers=bearer(tokens))
    assert response.status == expect, await response.text()
    return await response.json()


async def events(client, routing_key: str, user_id: str) -> list[dict]:
    async with client.app[PLATFORM].core.connection() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'user_id' = $2", routing_key, user_id
        )
    return [row["payload"] for row in rows]


async def texts_requested(client, phone: str) -> int:
    """Texts to ``phone`` the sms worker has been asked to send (its outbox events): what can reach
    the sandbox, now or later."""
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE routing_key = 'notifications.sms.requested'"
                                   " AND payload->>'to' = $1", phone)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# verification

@pytest.mark.parametrize("country, prefix", [("Tanzania", "+25571"), ("Kenya", "+25471"), ("Uganda", "+25677")])
async def test_registering_with_a_phone_texts_a_code_that_verifies_it(phone_client, sms_sandbox, country, prefix):
    phone = number(prefix)
    tokens = await register(phone_client, email=None, phone=phone)
    assert tokens["user"]["phone"] == phone and tokens["user"]["phone_verified"] is False

    code = await code_sent_to(sms_sandbox, phone)
    user = await verify(phone_client, tokens, code, 200)
    assert user["phone"] == phone and user["phone_verified"] is True
    assert (await me(phone_client, tokens))[1]["phone_verified"] is True
    assert await events(phone_client, "auth.phone.verified", user["id"]) == [{"user_id": user["id"], "phone": phone}]

    again = await verify(phone_client, tokens, code, 409)
    assert again["error"]["code"] == "already_verified"
    resend = await phone_client.post("/api/auth/verify-phone/send", headers=bearer(tokens))
    assert resend.status == 409


async def test_a_national_number_is_stored_and_texted_as_e164(phone_client, sms_sandbox, smtp_sandbox):
    typed, e164 = tz_number()  # "0712 345 678" → "+255712345678" (NEXGATE_PHONE_REGION=TZ)
    tokens = await register(phone_client, email="national@example.co.tz", phone=typed)
    assert tokens["user"]["phone"] == e164
    await verify(phone_client, tokens, await code_sent_to(sms_sandbox, e164), 200)
    await smtp_sandbox.wait_for("national@example.co.tz")  # with both, the email is verified by link as before


async def test_a_wrong_code_is_refused_and_changes_nothing(phone_client, sms_sandbox):
    phone = number("+25571")
    tokens = await register(phone_client, email=None, phone=phone)
    code = await code_sent_to(sms_sandbox, phone)
    refused = await verify(phone_client, tokens, wrong(code), 422)
    assert refused["error"]["code"] == "code_invalid" and refused["error"]["details"] == {"attempts_left": 4}
    assert (await me(phone_client, tokens))[1]["phone_verified"] is False
    assert await events(phone_client, "auth.phone.verified", tokens["user"]["id"]) == []
    await verify(phone_client, tokens, f"{code[:3]} {code[3:]}", 200)  # as a person might type it


async def test_after_five_wrong_codes_even_the_right_one_is_refused(phone_client, sms_sandbox):
    phone = number("+25471")
    tokens = await register(phone_client, email=None, phone=phone)
    code = await code_sent_to(sms_sandbox, phone)
    for left in (4, 3, 2, 1, 0):
        assert (await verify(phone_client, tokens, wrong(code), 422))["error"]["details"]["attempts_left"] == left
    sixth = await verify(phone_client, tokens, code, 422)
    assert sixth["error"]["code"] == "code_attempts_exceeded"
    assert (await me(phone_client, tokens))[1]["phone_verified"] is False

    response = await phone_client.post("/api/auth/verify-phone/send", headers=bearer(tokens))
    assert response.status == 202 and await response.json() == {"status": "accepted"}
    fresh = await code_sent_to(sms_sandbox, phone, after=1)
    await verify(phone_client, tokens, fresh, 200)


async def test_a_code_replaced_by_a_newer_one_or_expired_is_refused(phone_client, sms_sandbox, monkeypatch):
    phone = number("+25677")
    tokens = await register(phone_client, email=None, phone=phone)
    first = await code_sent_to(sms_sandbox, phone)
    assert (await phone_client.post("/api/auth/verify-phone/send", headers=bearer(tokens))).status == 202
    second = await code_sent_to(sms_sandbox, phone, after=1)
    if first != second:
        assert (await verify(phone_client, tokens, first, 422))["error"]["code"] == "code_invalid"

    monkeypatch.setattr(codes, "CODE_TTL_S", 1)  # as if ten minutes went by
    assert (await phone_client.post("/api/auth/verify-phone/send", headers=bearer(tokens))).status == 202
    third = await code_sent_to(sms_sandbox, phone, after=2, text=re.compile(r"^Your Nexgate code is (\d{6})\."))
    await asyncio.sleep(1.5)
    expired = await verify(phone_client, tokens, third, 422)
    assert expired["error"]["code"] == "code_expired"
    assert (await me(phone_client, tokens))[1]["phone_verified"] is False


async def test_sending_codes_needs_a_token_a_phone_and_stays_within_five_an_hour(phone_client, sms_sandbox):
    assert (await phone_client.post("/api/auth/verify-phone/send")).status == 401
    assert (await phone_client.post("/api/auth/verify-phone", json={"code": "123456"})).status == 401
    no_phone = await register(phone_client)
    response = await phone_client.post("/api/auth/verify-phone/send", headers=bearer(no_phone))
    assert response.status == 422 and (await response.json())["error"]["code"] == "no_phone"

    phone = number("+25571")
    tokens = await register(phone_client, email=None, phone=phone)  # the first code
    for _ in range(4):
        assert (await phone_client.post("/api/auth/verify-phone/send", headers=bearer(tokens))).status == 202
    sixth = await phone_client.post("/api/auth/verify-phone/send", headers=bearer(tokens))
    assert sixth.status == 429 and (await sixth.json())["error"]["code"] == "too_many_codes"
    assert (await sixth.json())["error"]["details"]["limit"] == "auth.sms_code"
    assert int(sixth.headers["Retry-After"]) > 0
    await code_sent_to(sms_sandbox, phone, after=4)
    assert await texts_requested(phone_client, phone) == 5  # each text goes out from its outbox row: no sixth is on its way
    assert len(sms_sandbox.messages(phone)) == 5


# password reset by SMS

async def _forgot(client, login: str) -> None:
    response = await client.post("/api/auth/forgot-password", json={"login": login})
    assert response.status == 202 and await response.json() == {"status": "accepted"}


async def _reset(client, expect: int, **body) -> dict | None:
    response = await client.post("/api/auth/reset-password", json=body)
    assert response.status == expect, await response.text()
    return None if expect == 204 else await response.json()


async def test_phone_only_account_resets_its_password_with_a_texted_code(phone_client, sms_sandbox):
    typed, phone = tz_number()
    tokens = await register(phone_client, email=None, phone=typed)
    await code_sent_to(sms_sandbox, phone)  # the verification code
    await _forgot(phone_client, typed)
    code = await code_sent_to(sms_sandbox, phone, text=RESET_TEXT)
    assert await events(phone_client, "auth.password_reset.requested", tokens["user"]["id"]) == [
        {"user_id": tokens["user"]["id"], "channel": "sms"}]

    wrong_code = await _reset(phone_client, 422, login=phone, code=wrong(code), password=NEW_PASSWORD)
    assert wrong_code["error"]["code"] == "code_invalid"
    weak = await _reset(phone_client, 422, login=phone, code=code, password="password1")
    assert "password" in weak["error"]["details"]["fields"]
    await login(phone_client, phone, PASSWORD)  # still the old password

    await _reset(phone_client, 204, login=typed, code=code, password=NEW_PASSWORD)
    assert (await me(phone_client, tokens))[0] == 401
    refreshed = await phone_client.post("/api/auth/refresh-token", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 401
    await login(phone_client, phone, PASSWORD, expect=401)
    await login(phone_client, phone, NEW_PASSWORD)

    used = await _reset(phone_client, 422, login=phone, code=code, password="another fine passphrase 9")
    assert used["error"]["code"] == "code_invalid"
    await login(phone_client, phone, NEW_PASSWORD)


async def test_forgot_password_by_phone_answers_the_same_and_texts_only_real_accounts(phone_client, sms_sandbox):
    _, unknown = tz_number()
    await _forgot(phone_client, unknown)
    with_email, phone = tz_number()
    await register(phone_client, email="both@example.co.tz", phone=with_email)
    await code_sent_to(sms_sandbox, phone)
    await _forgot(phone_client, with_email)  # an account with an email address gets the emailed link
    async with phone_client.app[PLATFORM].core.connection() as conn:
        assert await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE routing_key = 'notifications.email.requested' "
            "AND payload->>'to' = 'both@example.co.tz' AND payload->>'template' = 'password_reset'") == 1
    assert await texts_requested(phone_client, unknown) == 0 and await texts_requested(phone_client, phone) == 1
    assert sms_sandbox.messages(unknown) == [] and len(sms_sandbox.messages(phone)) == 1


async def test_every_refusal_of_a_reset_code_reads_the_same(phone_client, sms_sandbox):
    _, unknown = tz_number()
    _, phone = tz_number()
    await register(phone_client, email=None, phone=phone)
    nothing_sent = await _reset(phone_client, 422, login=phone, code="123456", password=NEW_PASSWORD)
    nobody = await _reset(phone_client, 422, login=unknown, code="123456", password=NEW_PASSWORD)
    assert nothing_sent == nobody and nobody["error"]["code"] == "code_invalid"

    await _forgot(phone_client, phone)
    code = await code_sent_to(sms_sandbox, phone, text=RESET_TEXT)
    for _ in range(5):
        assert await _reset(phone_client, 422, login=phone, code=wrong(code), password=NEW_PASSWORD) == nobody
    assert await _reset(phone_client, 422, login=phone, code=code, password=NEW_PASSWORD) == nobody  # 6th attempt
    await login(phone_client, phone, PASSWORD)


async def test_reset_takes_a_token_or_a_login_and_code(phone_client):
    neither = await _reset(phone_client, 422, password=NEW_PASSWORD)
    assert set(neither["error"]["details"]["fields"]) == {"token", "login", "code"}
    half = await _reset(phone_client, 422, login="+255712000000", password=NEW_PASSWORD)
    assert set(half["error"]["details"]["fields"]) == {"code"}
    both = await _reset(phone_client, 422, token="abc", code="123456", password=NEW_PASSWORD)
    assert set(both["error"]["details"]["fields"]) == {"code"}
