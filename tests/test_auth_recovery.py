"""Email verification and password reset, through the bus, the email worker and real SMTP."""
from __future__ import annotations

import asyncio
import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from nexgate.keys import PLATFORM
from tests.support.auth import PASSWORD, bearer, login, me, register

NEW_PASSWORD = "serengeti migration 77"


@pytest.fixture
async def mail_client(make_client, config, smtp_sandbox):
    config = dataclasses.replace(config, smtp_port=smtp_sandbox.port, web_url="https://app.nexgate.example")
    return await make_client(config, worker_names=["outbox-relay", "email"])


def _link(message) -> str:
    return re.search(r"https?://\S+", message.get_body(("plain",)).get_content()).group(0)


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_the_emailed_link_verifies_the_address_once(mail_client, smtp_sandbox):
    tokens = await register(mail_client, username="Imani", email="imani@example.com")
    message = await smtp_sandbox.wait_for("imani@example.com")
    assert message["Subject"] == "Confirm your email address for Nexgate"
    link = _link(message)
    assert link.startswith("http://localhost:8080/api/auth/verify-email?token=")  # NEXGATE_PUBLIC_URL

    response = await mail_client.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert response.status == 200, await response.text()
    assert (await response.json())["email_verified"] is True
    assert (await me(mail_client, tokens))[1]["email_verified"] is True

    again = await mail_client.post("/api/auth/verify-email", json={"token": _token(link)})
    assert again.status == 422 and (await again.json())["error"]["code"] == "token_used"


async def test_a_tampered_verification_token_is_refused(mail_client, smtp_sandbox):
    tokens = await register(mail_client, username="Jabari", email="jabari@example.com")
    token = _token(_link(await smtp_sandbox.wait_for("jabari@example.com")))
    response = await mail_client.post("/api/auth/verify-email", json={"token": token[:-4] + "AAAA"})
    assert response.status == 422 and (await response.json())["error"]["code"] == "token_invalid"
    assert (await me(mail_client, tokens))[1]["email_verified"] is False


async def test_resend_sends_a_new_link_until_verified(mail_client, smtp_sandbox):
    tokens = await register(mail_client, username="Kesi", email="kesi@example.com")
    await smtp_sandbox.wait_for("kesi@example.com")
    response = await mail_client.post("/api/auth/verify-email/resend", headers=bearer(tokens))
    assert response.status == 202
    await _wait_for_count(smtp_sandbox, "kesi@example.com", 2)
    latest = [m for m in smtp_sandbox.messages() if m["To"] == "kesi@example.com"][-1]
    assert (await mail_client.post("/api/auth/verify-email", json={"token": _token(_link(latest))})).status == 200
    response = await mail_client.post("/api/auth/verify-email/resend", headers=bearer(tokens))
    assert response.status == 409 and (await response.json())["error"]["code"] == "already_verified"


async def _wait_for_count(sandbox, to: str, count: int) -> None:
    for _ in range(200):
        if len([m for m in sandbox.messages() if m["To"] == to]) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} messages to {to}")


async def test_forgot_password_answers_the_same_for_unknown_accounts(mail_client, smtp_sandbox):
    await register(mail_client, username="Lulu", email="lulu@example.com")
    known = await mail_client.post("/api/auth/forgot-password", json={"login": "lulu"})
    unknown = await mail_client.post("/api/auth/forgot-password", json={"login": "nobody@example.com"})
    assert known.status == unknown.status == 202
    assert await known.json() == await unknown.json() == {"status": "accepted"}
    await _wait_for_count(smtp_sandbox, "lulu@example.com", 2)  # verification + reset
    async with mail_client.app[PLATFORM].core.connection() as conn:  # each email goes out from its outbox row
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE routing_key = 'notifications.email.requested'"
                                   " AND payload->>'to' = 'nobody@example.com'") == 0
    assert not [m for m in smtp_sandbox.messages() if m["To"] == "nobody@example.com"]


async def test_reset_sets_the_password_once_and_signs_out_everywhere(mail_client, smtp_sandbox):
    tokens = await register(mail_client, username="Mosi", email="mosi@example.com")
    await mail_client.post("/api/auth/forgot-password", json={"login": "MOSI@example.com"})
    await _wait_for_count(smtp_sandbox, "mosi@example.com", 2)
    reset = [m for m in smtp_sandbox.messages() if m["Subject"] == "Reset your Nexgate password"][-1]
    link = _link(reset)
    assert link.startswith("https://app.nexgate.example/reset-password?token=")

    weak = await mail_client.post("/api/auth/reset-password", json={"token": _token(link), "password": "password1"})
    assert weak.status == 422 and "password" in (await weak.json())["error"]["details"]["fields"]
    await login(mail_client, "mosi", PASSWORD)  # still the old password

    response = await mail_client.post("/api/auth/reset-password", json={"token": _token(link), "password": NEW_PASSWORD})
    assert response.status == 204, await response.text()
    assert (await me(mail_client, tokens))[0] == 401
    refreshed = await mail_client.post("/api/auth/refresh-token", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status == 401
    await login(mail_client, "mosi", PASSWORD, expect=401)
    await login(mail_client, "mosi", NEW_PASSWORD)

    again = await mail_client.post("/api/auth/reset-password", json={"token": _token(link), "password": "another fine passphrase 9"})
    assert again.status == 422
    await login(mail_client, "mosi", NEW_PASSWORD)
