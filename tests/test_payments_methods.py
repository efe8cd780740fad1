"""Payment methods through the real app: adding mobile money numbers (the operator, provider
and currency from the number), the default, removal, verification by a texted code or by a
first payment, and cards as the checkout flow stores them."""
from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid

import asyncpg
import pytest

from nexgate.config import Config, ConfigError
from nexgate.domain.payments import methods
from nexgate.keys import PLATFORM
from tests.support.auth import bearer, register
from tests.support.payment_methods import METHODS, add, call, events, listing, number

CODE_TEXT = re.compile(r"^Your Nexgate code to use this number for payments is (\d{6})\. It expires in 10 minutes\.$")


@pytest.fixture
async def sms_client(make_client, config, sms_sandbox):
    return await make_client(dataclasses.replace(config, **sms_sandbox.settings()), worker_names=["outbox-relay", "sms"])


async def code_texted(sandbox, phone: str, *, after: int = 0) -> str:
    return CODE_TEXT.match((await sandbox.wait_for(phone, after=after)).text).group(1)


# adding numbers

async def test_a_number_typed_nationally_is_added_in_e164_with_its_wallet_and_becomes_the_default(client):
    amina = await register(client)
    digits = number("+25575")[6:]
    method = await add(client, amina, f"075{digits[0]} {digits[1:4]} {digits[4:]}", label="Duka")
    assert method == {
        "id": method["id"], "kind": "mobile_money", "phone": f"+25575{digits}", "operator": "vodacom",
        "channel": "M-Pesa", "provider": "selcom", "country": "TZ", "currency": "TZS", "card": None,
        "label": "Duka", "is_default": True, "verified": False, "verified_at": None, "verified_by": None,
        "created_at": method["created_at"],
    }
    assert await listing(client, amina) == [method]
    assert await events(client, "payments.method.added", method_id=method["id"]) == [{
        "method_id": method["id"], "user_id": amina["user"]["id"], "kind": "mobile_money", "operator": "vodacom",
        "currency": "TZS"}]


@pytest.mark.parametrize("prefix, operator, channel, provider, currency", [
    ("+25471", "safaricom", "M-Pesa", "daraja", "KES"),
    ("+254110", "safaricom", "M-Pesa", "daraja", "KES"),
    ("+25571", "tigo", "Mixx by Yas", "tembo", "TZS"),
    ("+25568", "airtel", "Airtel Money", "tembo", "TZS"),
    ("+25562", "halotel", "HaloPesa", "tembo", "TZS"),
])
async def test_the_number_names_its_operator_wallet_provider_and_currency(client, prefix, operator, channel, provider,
                                                                          currency):
    phone = number(prefix)
    method = await add(client, await register(client), phone)
    assert (method["phone"], method["operator"], method["channel"], method["provider"], method["currency"]) == (
        phone, operator, channel, provider, currency)


async def test_the_tanzanian_routing_table_is_a_setting_read_when_a_method_is_shown(make_client, config):
    client = await make_client(dataclasses.replace(
        config, payments_tz_routing=("vodacom:selcom", "tigo:selcom", "airtel:tembo", "halotel:selcom")))
    amina = await register(client)
    assert (await add(client, amina, number("+25571")))["provider"] == "selcom"
    assert (await add(client, amina, number("+25568")))["provider"] == "tembo"


@pytest.mark.parametrize("routing, problem", [
    ("vodacom:tembo,tigo:tembo,airtel:tembo,halotel:tembo", "vodacom is collected by selcom"),
    ("vodacom:selcom,tigo:tembo,airtel:tembo", "no provider for halotel"),
    ("vodacom:selcom,tigo:mpesa,airtel:tembo,halotel:tembo", "tigo is collected by selcom or tembo"),
    ("vodacom:selcom,vodacom:selcom,tigo:tembo,airtel:tembo,halotel:tembo", "once"),
])
def test_a_routing_table_that_cannot_collect_from_every_wallet_stops_start_up(routing, problem):
    with pytest.raises(ConfigError, match="NEXGATE_PAYMENTS_TZ_ROUTING") as raised:
        Config.from_env({"NEXGATE_PAYMENTS_TZ_ROUTING": routing})
    assert problem in str(raised.value)


@pytest.mark.parametrize("phone, code", [
    ("+256772123456", "country_unsupported"),  # Uganda: MTN Mobile Money is not collected yet
    ("+254733123456", "operator_unsupported"),  # Airtel Kenya
    ("+255732123456", "operator_unsupported"),  # TTCL (T-Pesa)
    ("+255222123456", "not_mobile"),  # a Dar es Salaam landline
    ("+25575", "invalid"),
    ("mpesa", "invalid"),
])
async def test_a_number_nexgate_cannot_collect_from_is_refused_naming_it_and_nothing_is_added(client, phone, code):
    amina = await register(client)
    refused = await add(client, amina, phone, expect=422)
    assert refused["error"]["code"] == code and list(refused["error"]["details"]["fields"]) == ["phone"]
    assert await listing(client, amina) == []
    assert await events(client, "payments.method.added", user_id=amina["user"]["id"]) == []


async def test_adding_a_number_again_answers_the_method_unchanged_and_another_user_may_add_it_too(client):
    amina, baraka = await register(client), await register(client)
    phone = number("+25575")
    first = await add(client, amina, phone, label="Duka")
    again = await add(client, amina, "0" + phone[4:], label="Nyumbani", expect=200)
    assert again == first
    assert await listing(client, amina) == [first]
    assert len(await events(client, "payments.method.added", user_id=amina["user"]["id"])) == 1
    theirs = await add(client, baraka, phone)
    assert theirs["id"] != first["id"] and theirs["is_default"] is True


async def test_simultaneous_first_numbers_make_exactly_one_default(client):
    amina = await register(client)
    added = await asyncio.gather(*(add(client, amina, number("+25575")) for _ in range(6)))
    assert sum(method["is_default"] for method in added) == 1
    assert sum(method["is_default"] for method in await listing(client, amina)) == 1


async def test_the_same_number_added_simultaneously_is_one_method(client):
    amina, phone = await register(client), number("+25571")
    responses = await asyncio.gather(*(_post(client, amina, phone) for _ in range(5)))
    assert sorted(status for status, _ in responses) == [200, 200, 200, 200, 201]
    assert len({body["id"] for _, body in responses}) == 1


async def _post(client, tokens, phone):
    response = await client.post(METHODS, json={"phone": phone},
                                 headers={**bearer(tokens), "Idempotency-Key": str(uuid.uuid4())})
    return response.status, await response.json()


async def test_at_most_ten_methods(client):
    amina = await register(client)
    for _ in range(methods.MAX_METHODS):
        await add(client, amina, number("+25575"))
    refused = await add(client, amina, number("+25575"), expect=409)
    assert refused["error"]["code"] == "too_many_payment_methods"
    assert len(await listing(client, amina)) == methods.MAX_METHODS


# the default, labels, removal

async def test_the_default_moves_to_the_method_chosen_and_stays_the_only_one(client):
    amina = await register(client)
    first, second = await add(client, amina, number("+25575")), await add(client, amina, number("+25471"))
    assert (first["is_default"], second["is_default"]) == (True, False)
    chosen = await call(client, "PATCH", f"{METHODS}/{second['id']}", amina, 200, json={"is_default": True})
    assert chosen["is_default"] is True
    assert [(m["id"], m["is_default"]) for m in await listing(client, amina)] == [(second["id"], True),
                                                                                 (first["id"], False)]
    refused = await call(client, "PATCH", f"{METHODS}/{second['id']}", amina, 422, json={"is_default": False})
    assert list(refused["error"]["details"]["fields"]) == ["is_default"]


async def test_a_label_is_set_and_cleared_and_nothing_else_changes(client):
    amina = await register(client)
    method = await add(client, amina, number("+25575"))
    named = await call(client, "PATCH", f"{METHODS}/{method['id']}", amina, 200, json={"label": " Biashara "})
    assert named == {**method, "label": "Biashara"}
    assert await call(client, "PATCH", f"{METHODS}/{method['id']}", amina, 200, json={"label": None}) == method


async def test_removing_the_default_promotes_a_verified_method_before_a_newer_one_then_none(client):
    amina = await register(client)
    default, verified, newest = [await add(client, amina, number(p)) for p in ("+25575", "+25571", "+25568")]
    async with client.app[PLATFORM].core.transaction("test.verify") as conn:
        assert await methods.mark_verified_by_payment(conn, uuid.UUID(verified["id"]))
    await call(client, "DELETE", f"{METHODS}/{default['id']}", amina, 204)
    left = await listing(client, amina)
    assert [(m["id"], m["is_default"]) for m in left] == [(verified["id"], True), (newest["id"], False)]
    assert await events(client, "payments.method.removed", method_id=default["id"]) == [{
        "method_id": default["id"], "user_id": amina["user"]["id"], "promoted_method_id": verified["id"]}]

    await call(client, "DELETE", f"{METHODS}/{newest['id']}", amina, 204)  # not the default: no promotion
    assert (await events(client, "payments.method.removed", method_id=newest["id"]))[0]["promoted_method_id"] is None
    await call(client, "DELETE", f"{METHODS}/{verified['id']}", amina, 204)
    assert await listing(client, amina) == []
    await call(client, "DELETE", f"{METHODS}/{verified['id']}", amina, 404)


async def test_a_removed_number_added_again_is_a_new_unverified_method(client):
    amina, phone = await register(client), number("+25575")
    old = await add(client, amina, phone)
    await call(client, "DELETE", f"{METHODS}/{old['id']}", amina, 204)
    new = await add(client, amina, phone)
    assert new["id"] != old["id"] and new["is_default"] is True and new["verified"] is False


async def test_another_users_method_is_not_found_whatever_the_route(client):
    amina, baraka = await register(client), await register(client)
    method = await add(client, amina, number("+25575"))
    for verb, path, body in (("PATCH", "", {"is_default": True}), ("DELETE", "", None),
                             ("POST", "/verify/send", None), ("POST", "/verify", {"code": "123456"})):
        for method_id in (method["id"], str(uuid.uuid4()), "not-a-uuid"):
            refused = await call(client, verb, f"{METHODS}/{method_id}{path}", baraka, 404, json=body)
            assert refused["error"]["code"] == "payment_method_not_found"
    assert await listing(client, baraka) == []
    assert await listing(client, amina) == [method]


# verification

async def test_a_code_texted_to_the_number_verifies_it_once(sms_client, sms_sandbox):
    amina = await register(sms_client)
    method = await add(sms_client, amina, number("+25575"))
    other = await add(sms_client, amina, number("+25575"))
    await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify/send", amina, 204)
    code = await code_texted(sms_sandbox, method["phone"])

    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify", amina, 422, json={"code": wrong})
    assert refused["error"]["code"] == "code_invalid" and refused["error"]["details"] == {"attempts_left": 4}
    not_its = await call(sms_client, "POST", f"{METHODS}/{other['id']}/verify", amina, 422, json={"code": code})
    assert not_its["error"]["code"] == "code_expired"  # no code was sent for that one

    verified = await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify", amina, 200,
                          json={"code": f"{code[:3]}-{code[3:]}"})
    assert verified["verified"] is True and verified["verified_by"] == "sms_code" and verified["verified_at"]
    assert await events(sms_client, "payments.method.verified", method_id=method["id"]) == [{
        "method_id": method["id"], "user_id": amina["user"]["id"], "verified_by": "sms_code"}]
    again = await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify", amina, 409, json={"code": code})
    assert again["error"]["code"] == "already_verified"
    resend = await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify/send", amina, 409)
    assert resend["error"]["code"] == "already_verified"


async def test_codes_to_a_number_count_toward_its_five_an_hour(sms_client, sms_sandbox):
    amina = await register(sms_client)
    method = await add(sms_client, amina, number("+25471"))
    for _ in range(5):
        await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify/send", amina, 204)
    sixth = await call(sms_client, "POST", f"{METHODS}/{method['id']}/verify/send", amina, 429)
    assert sixth["error"]["code"] == "too_many_codes" and sixth["error"]["details"]["limit"] == "auth.sms_code"


async def test_a_first_payment_verifies_a_method_once(client):
    amina = await register(client)
    method = await add(client, amina, number("+25568"))
    for first in (True, False):
        async with client.app[PLATFORM].core.transaction("test.payment") as conn:
            assert await methods.mark_verified_by_payment(conn, uuid.UUID(method["id"])) is first
    shown = (await listing(client, amina))[0]
    assert shown["verified"] is True and shown["verified_by"] == "payment"
    assert len(await events(client, "payments.method.verified", method_id=method["id"])) == 1


# cards

async def test_a_card_from_checkout_shows_its_brand_and_last_four_never_its_token(client):
    amina = await register(client)
    card_id = uuid.uuid4()
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute(
            "INSERT INTO payment_methods (id, user_id, kind, country, currency, card_token, card_brand, card_last4,"
            " verified_at, verified_by) VALUES ($1, $2, 'card', 'TZ', 'TZS', 'tok_selcom_8f2a', 'VISA', '4242',"
            " now(), 'checkout')", card_id, uuid.UUID(amina["user"]["id"]))
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO payment_methods (id, user_id, kind, country, currency, card_token, card_brand, card_last4)"
                " VALUES ($1, $2, 'card', 'TZ', 'TZS', 'tok', 'VISA', '4242424242424242')",
                uuid.uuid4(), uuid.UUID(amina["user"]["id"]))
    [card] = await listing(client, amina)
    assert card["kind"] == "card" and card["card"] == {"brand": "VISA", "last4": "4242"}
    assert card["provider"] == "selcom" and card["phone"] is None and card["verified_by"] == "checkout"
    assert "tok_selcom_8f2a" not in str(card)
    refused = await call(client, "POST", f"{METHODS}/{card['id']}/verify/send", amina, 422)
    assert refused["error"]["code"] == "not_verifiable"
