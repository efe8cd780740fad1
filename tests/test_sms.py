"""SMS: the Africa's Talking client against the sandbox over HTTP, and SMS requested in a
transaction, sent by the sms worker and recorded in the notify database."""
from __future__ import annotations

import dataclasses
import decimal
import json

import aiohttp
import pytest

from nexgate.app import create_app
from nexgate.domain.notifications import sms_repository
from nexgate.domain.notifications.sms import request_sms
from nexgate.errors import Invalid
from nexgate.keys import PLATFORM
from nexgate.platform import DependencyUnavailable
from nexgate.providers.sms import TIMEOUT, SmsClient, SmsError, SmsRefused
from tests import cli
from tests.conftest import eventually

WORKERS = ["outbox-relay", "sms"]
INVALID_NUMBER = "+255000000000"  # E.164 in shape, but no Tanzanian number looks like this


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        yield session


def _client(http, sandbox, **overrides) -> SmsClient:
    settings = {"api_url": sandbox.url, "username": sandbox.username, "api_key": sandbox.api_key, **overrides}
    return SmsClient(http, **settings)


@pytest.fixture
async def sms_client(make_client, config, sms_sandbox):
    return await make_client(dataclasses.replace(config, **sms_sandbox.settings()), worker_names=WORKERS)


# the sandbox speaks Africa's Talking's API

async def test_sandbox_answers_in_the_gateways_shape(http, sms_sandbox):
    response = await http.post(
        f"{sms_sandbox.url}/version1/messaging",
        data={"username": sms_sandbox.username, "to": f"+255712000001,{INVALID_NUMBER}", "message": "Habari"},
        headers={"apiKey": sms_sandbox.api_key, "Accept": "application/json"},
    )
    assert response.status == 201
    body = await response.json()
    assert body["SMSMessageData"]["Message"] == "Sent to 1/2 Total Cost: TZS 20.0000"
    sent, refused = body["SMSMessageData"]["Recipients"]
    assert sent["statusCode"] == 101 and sent["status"] == "Success" and sent["number"] == "+255712000001"
    assert sent["cost"] == "TZS 20.0000" and sent["messageId"].startswith("ATXid_")
    assert refused == {"statusCode": 403, "number": INVALID_NUMBER, "status": "InvalidPhoneNumber", "cost": "0",
                       "messageId": "None"}

    wrong_key = await http.post(f"{sms_sandbox.url}/version1/messaging", headers={"apiKey": "nope"},
                                data={"username": sms_sandbox.username, "to": "+255712000001", "message": "x"})
    assert wrong_key.status == 401 and await wrong_key.text() == "The supplied authentication is invalid"
    no_text = await http.post(f"{sms_sandbox.url}/version1/messaging", headers={"apiKey": sms_sandbox.api_key},
                              data={"username": sms_sandbox.username, "to": "+255712000001"})
    assert no_text.status == 400
    assert [m.to for m in sms_sandbox.messages()] == ["+255712000001"]


async def test_client_sends_and_reads_each_countrys_cost(http, sms_sandbox):
    client = _client(http, sms_sandbox, sender_id="NEXGATE")
    for number, currency, amount in [("+255712000002", "TZS", "20.0000"), ("+254712000002", "KES", "0.8000"),
                                     ("+256772000002", "UGX", "35.0000")]:
        result = await client.send(number, "Karibu Nexgate")
        assert result.accepted and result.status_code == 101 and result.number == number
        assert result.price == (currency, decimal.Decimal(amount))
        message = await sms_sandbox.wait_for(number)
        assert (message.text, message.sender, message.message_id) == ("Karibu Nexgate", "NEXGATE", result.message_id)


async def test_client_raises_on_every_kind_of_refusal(http, sms_sandbox):
    client = _client(http, sms_sandbox)
    with pytest.raises(SmsRefused, match="InvalidPhoneNumber") as refused:
        await client.send(INVALID_NUMBER, "Habari")
    assert refused.value.status_code == 403
    sms_sandbox.blacklist.add("+255712000003")
    with pytest.raises(SmsRefused, match="UserInBlacklist"):
        await client.send("+255712000003", "Habari")
    with pytest.raises(SmsError, match="answered 401: The supplied authentication is invalid"):
        await _client(http, sms_sandbox, api_key="wrong").send("+255712000004", "Habari")
    with pytest.raises(SmsError, match="NEXGATE_SMS_API_KEY"):
        await _client(http, sms_sandbox, api_key="").send("+255712000004", "Habari")
    sms_sandbox.sender_ids = {"NEXGATE"}
    with pytest.raises(SmsError, match="InvalidSenderId"):
        await _client(http, sms_sandbox, sender_id="SPAMMER").send("+255712000004", "Habari")
    with pytest.raises(SmsError, match="unreachable"):
        await _client(http, sms_sandbox, api_url="http://127.0.0.1:1").send("+255712000004", "Habari")
    assert sms_sandbox.messages() == []


# requested in a transaction, sent by the worker

async def test_requested_sms_arrives_and_its_delivery_is_recorded(sms_client, sms_sandbox):
    platform = sms_client.app[PLATFORM]
    async with platform.core.transaction("tests.setup") as conn:
        event_id = await request_sms(conn, to="+254712000005", text="Your order has shipped", kind="order_update")

    message = await sms_sandbox.wait_for("+254712000005")
    assert message.text == "Your order has shipped" and message.username == "nexgate-test"
    [delivery] = await eventually(lambda: _deliveries(platform, "+254712000005"))
    assert delivery["event_id"] == event_id and delivery["kind"] == "order_update"
    assert delivery["provider"] == "africastalking" and delivery["status"] == "Success"
    assert delivery["message_id"] == message.message_id
    assert (delivery["cost_currency"], delivery["cost_amount"]) == ("KES", decimal.Decimal("0.8000"))


async def _deliveries(platform, recipient):
    async with platform.notify.connection() as conn:
        return await sms_repository.sms_deliveries_to(conn, recipient)


async def test_sms_of_a_rolled_back_transaction_is_never_sent(sms_client, sms_sandbox):
    platform = sms_client.app[PLATFORM]
    with pytest.raises(ZeroDivisionError):
        async with platform.core.transaction("tests.setup") as conn:
            await request_sms(conn, to="+255712000006", text="ghost")
            1 / 0
    async with platform.core.transaction("tests.setup") as conn:
        await request_sms(conn, to="+255712000007", text="real")
    await sms_sandbox.wait_for("+255712000007")
    assert [m.to for m in sms_sandbox.messages()] == ["+255712000007"]


async def test_a_number_or_text_that_could_never_be_sent_is_refused_at_once(client):
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        for to in ("0712000008", "+255 712 000 008", "255712000008", ""):
            with pytest.raises(Invalid, match="not an E.164 phone number"):
                await request_sms(conn, to=to, text="Habari")
        for text in ("", "   ", "x" * 1601):
            with pytest.raises(Invalid, match="1 to 1600 characters"):
                await request_sms(conn, to="+255712000008", text=text)
        assert await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE routing_key = 'notifications.sms.requested' "
            "AND payload->>'to' LIKE '%712000008'") == 0


async def test_sms_to_a_number_the_gateway_refuses_is_dead_lettered_without_a_retry(sms_client, sms_sandbox, config):
    platform = sms_client.app[PLATFORM]
    async with platform.core.transaction("tests.setup") as conn:
        event_id = await request_sms(conn, to=INVALID_NUMBER, text="Habari")

    listing = await cli.dead_letter_listing(config, "sms", event_id)
    assert "sms: 1 dead letter(s)" in listing
    assert "notifications.sms.requested" in listing and "attempts=1" in listing and "InvalidPhoneNumber" in listing
    assert [r["number"] for r in sms_sandbox.refused] == [INVALID_NUMBER]  # asking again would be refused again
    assert sms_sandbox.messages() == [] and await _deliveries(platform, INVALID_NUMBER) == []


async def test_sms_the_gateway_cannot_take_now_is_retried_then_dead_lettered(make_client, config, sms_sandbox,
                                                                            proxy_to):
    gateway, url = await proxy_to(sms_sandbox.url)
    client = await make_client(dataclasses.replace(config, **{**sms_sandbox.settings(), "sms_api_url": url}),
                               worker_names=WORKERS)
    await gateway.stop()
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        event_id = await request_sms(conn, to="+255712000009", text="Habari")

    listing = await cli.dead_letter_listing(config, "sms", event_id)
    assert f"attempts={config.bus_max_attempts}" in listing and "unreachable" in listing
    await gateway.start()
    code, out, err = await cli.run(config, "deadletters", "replay", "--group", "sms")
    assert code == 0 and "replayed 1 message(s)" in out, err
    assert (await sms_sandbox.wait_for("+255712000009")).text == "Habari"


# the sandbox inside the server (NEXGATE_SMS_SANDBOX, as scripts/run sets it)

async def test_server_runs_the_sandbox_in_process_and_keeps_messages_on_disk(make_client, config, tmp_path):
    url = f"http://127.0.0.1:{cli.free_port()}"
    config = dataclasses.replace(config, sms_sandbox=True, sms_api_url=url, sms_sandbox_dir=str(tmp_path / "sms"))
    client = await make_client(config, worker_names=WORKERS)
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        await request_sms(conn, to="+256772000009", text="Offline but delivered")

    def on_disk():
        path = tmp_path / "sms" / "messages.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else None

    [kept] = await eventually(on_disk)
    assert kept["to"] == "+256772000009" and kept["text"] == "Offline but delivered" and kept["cost"] == "UGX 35.0000"
    async with aiohttp.ClientSession() as http:
        listing = await (await http.get(f"{url}/sandbox/messages", params={"to": "+256772000009"})).json()
    assert [m["message_id"] for m in listing["messages"]] == [kept["message_id"]]


async def test_in_process_sandbox_on_a_taken_port_is_a_one_line_start_up_error(aiohttp_client, config, sms_sandbox):
    config = dataclasses.replace(config, sms_sandbox=True, sms_api_url=sms_sandbox.url)
    with pytest.raises(DependencyUnavailable, match=f"SMS sandbox cannot listen on 127.0.0.1:{sms_sandbox.port}"):
        await aiohttp_client(create_app(config))
