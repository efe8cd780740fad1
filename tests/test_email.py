"""Email: requested in a transaction, sent by the email worker over real SMTP."""
from __future__ import annotations

import dataclasses

import pytest

from nexgate.domain.notifications import repository
from nexgate.domain.notifications.email import request_email
from nexgate.errors import Invalid
from nexgate.keys import PLATFORM
from tests import cli
from tests.conftest import eventually

WELCOME = {"display_name": "Amina <b>Juma</b>", "username": "amina", "profile_url": "https://nexgate.example/@amina"}


@pytest.fixture
async def mail_client(make_client, config, smtp_sandbox):
    config = dataclasses.replace(config, smtp_port=smtp_sandbox.port)
    return await make_client(config, worker_names=["outbox-relay", "email"])


async def test_requested_email_arrives_with_subject_and_bodies(mail_client, smtp_sandbox):
    platform = mail_client.app[PLATFORM]
    async with platform.core.transaction("tests.setup") as conn:
        event_id = await request_email(conn, to="amina@example.co.tz", template="welcome", context=WELCOME)

    message = await smtp_sandbox.wait_for("amina@example.co.tz")
    assert message["Subject"] == "Welcome to Nexgate, Amina <b>Juma</b>"
    assert message["From"] == platform.config.email_from
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Your username is @amina." in text and "https://nexgate.example/@amina" in text
    assert "Amina &lt;b&gt;Juma&lt;/b&gt;" in html and "<b>Juma</b>" not in html  # user text is escaped

    deliveries = await eventually(lambda: _deliveries(platform, "amina@example.co.tz"))
    assert [(d["event_id"], d["template"], d["message_id"]) for d in deliveries] == [
        (event_id, "welcome", message["Message-ID"])
    ]


async def _deliveries(platform, recipient):
    async with platform.notify.connection() as conn:
        return await repository.email_deliveries_to(conn, recipient)


async def test_email_of_a_rolled_back_transaction_is_never_sent(mail_client, smtp_sandbox):
    platform = mail_client.app[PLATFORM]
    with pytest.raises(ZeroDivisionError):
        async with platform.core.transaction("tests.setup") as conn:
            await request_email(conn, to="ghost@example.com", template="welcome", context=WELCOME)
            1 / 0
    async with platform.core.transaction("tests.setup") as conn:
        await request_email(conn, to="real@example.com", template="welcome", context=WELCOME)
    await smtp_sandbox.wait_for("real@example.com")
    assert [m["To"] for m in smtp_sandbox.messages()] == ["real@example.com"]


async def test_unknown_template_or_missing_context_is_refused_at_once(client):
    core = client.app[PLATFORM].core
    async with core.transaction("tests.setup") as conn:
        with pytest.raises(Invalid, match="No email template"):
            await request_email(conn, to="a@example.com", template="nope", context={})
        with pytest.raises(Invalid, match="needs more context"):
            await request_email(conn, to="a@example.com", template="welcome", context={"username": "a"})
        with pytest.raises(Invalid, match="not an email address"):
            await request_email(conn, to="not an address", template="welcome", context=WELCOME)
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE routing_key = 'notifications.email.requested' AND payload->>'to' = 'a@example.com'") == 0


async def test_email_to_a_mailbox_the_server_refuses_is_dead_lettered_without_a_retry(mail_client, smtp_sandbox, config):
    async with mail_client.app[PLATFORM].core.transaction("tests.setup") as conn:
        event_id = await request_email(conn, to="bounce@example.com", template="welcome", context=WELCOME)

    listing = await cli.dead_letter_listing(config, "email", event_id)
    assert "attempts=1" in listing and "550 5.1.1 No such mailbox" in listing, listing
    assert smtp_sandbox.messages() == []


async def test_email_that_cannot_be_sent_is_dead_lettered_and_replayed_by_the_cli(
    make_client, config, smtp_sandbox, proxy_to
):
    smtp, _ = await proxy_to(f"smtp://127.0.0.1:{smtp_sandbox.port}")
    config = dataclasses.replace(config, smtp_port=smtp.port)
    client = await make_client(config, worker_names=["outbox-relay", "email"])
    await smtp.stop()  # the mail relay is down
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        event_id = await request_email(conn, to="late@example.com", template="welcome", context=WELCOME)

    listing = await cli.dead_letter_listing(config, "email", event_id)
    assert "email: 1 dead letter(s)" in listing
    assert "notifications.email.requested" in listing and "attempts=3" in listing

    await smtp.start()
    code, out, err = await cli.run(config, "deadletters", "replay", "--group", "email")
    assert code == 0, err
    assert f"replayed 1 message(s)\n  {event_id}" in out
    message = await smtp_sandbox.wait_for("late@example.com")
    assert message["Subject"].startswith("Welcome to Nexgate")
    # Replayed once (above) and no longer a dead letter: no other copy is left to arrive.
    code, out, _ = await cli.run(config, "deadletters", "list", "--group", "email")
    assert code == 0 and out.strip() == "email: 0 dead letter(s)"
    assert len(smtp_sandbox.messages()) == 1
