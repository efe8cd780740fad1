"""The address book through the real app: East African addresses with their recipient's phone,
one default per user whatever runs at once, the cap, and someone else's address not found with
nothing changed."""
from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from nexgate.domain.commerce.addresses import MAX_ADDRESSES
from nexgate.keys import PLATFORM
from tests.support.auth import bearer
from tests.support.commerce import add_address, address_body, addresses, call, rows
from tests.support.users import user


async def _defaults(client, user_id: str) -> list[uuid.UUID]:
    found = await rows(client, "SELECT id FROM addresses WHERE user_id = $1 AND is_default", uuid.UUID(user_id))
    return [row["id"] for row in found]


async def test_an_address_is_added_read_changed_and_deleted(client):
    amina = await user(client)
    home = await add_address(client, amina, label="Home", street="  Mbuguni Road ", phone="0712 345 678")
    assert {key: home[key] for key in address_body()} == {
        **address_body(), "phone": "+255712345678"}
    assert (home["label"], home["street"], home["is_default"]) == ("Home", "Mbuguni Road", True)
    assert await call(client, "GET", f"/api/addresses/{home['id']}", amina, 200) == home
    kenya = await add_address(client, amina, country="KE", region="Nairobi", district="Westlands", ward=None,
                              landmark=None, phone="0712345678")
    assert kenya["phone"] == "+254712345678" and kenya["is_default"] is False and kenya["ward"] is None
    assert [item["id"] for item in await addresses(client, amina)] == [home["id"], kenya["id"]]
    changed = await call(client, "PATCH", f"/api/addresses/{kenya['id']}", amina, 200,
                         json={"landmark": "Next to Sarit Centre", "label": "", "recipient_name": "Baraka"})
    assert (changed["landmark"], changed["label"], changed["recipient_name"]) == ("Next to Sarit Centre", None,
                                                                                  "Baraka")
    moved = await call(client, "PATCH", f"/api/addresses/{kenya['id']}", amina, 200, json={"country": "UG"})
    assert moved["phone"] == "+254712345678"  # written with its country code, it stays a Kenyan number
    await call(client, "DELETE", f"/api/addresses/{kenya['id']}", amina, 204)
    assert [item["id"] for item in await addresses(client, amina)] == [home["id"]]
    gone = await call(client, "GET", f"/api/addresses/{kenya['id']}", amina, 404)
    assert gone["error"]["code"] == "address_not_found"
    await call(client, "DELETE", f"/api/addresses/{kenya['id']}", amina, 404)


async def test_one_default_the_first_then_the_one_asked_for_then_the_newest_when_it_is_deleted(client):
    amina = await user(client)
    first = await add_address(client, amina)
    second = await add_address(client, amina, is_default=True, region="Mwanza")
    third = await add_address(client, amina, region="Dodoma")
    listed = await addresses(client, amina)
    assert [(item["id"], item["is_default"]) for item in listed] == [
        (second["id"], True), (third["id"], False), (first["id"], False)]
    made = await call(client, "PATCH", f"/api/addresses/{first['id']}", amina, 200, json={"is_default": True})
    assert made["is_default"] is True
    assert await _defaults(client, amina["id"]) == [uuid.UUID(first["id"])]
    refused = await call(client, "PATCH", f"/api/addresses/{first['id']}", amina, 422, json={"is_default": False})
    assert list(refused["error"]["details"]["fields"]) == ["is_default"]
    await call(client, "DELETE", f"/api/addresses/{first['id']}", amina, 204)
    assert await _defaults(client, amina["id"]) == [uuid.UUID(third["id"])]


async def test_two_make_defaults_at_once_leave_exactly_one(client):
    amina = await user(client)
    made = [await add_address(client, amina, region=f"Region {n}") for n in range(6)]
    for _ in range(3):
        answers = await asyncio.gather(*(
            client.patch(f"/api/addresses/{address['id']}", json={"is_default": True}, headers=bearer(amina))
            for address in made))
        assert [answer.status for answer in answers] == [200] * len(made)
        assert len(await _defaults(client, amina["id"])) == 1
    answers = await asyncio.gather(*(client.post("/api/addresses", json=address_body(is_default=True),
                                                 headers=bearer(amina)) for _ in range(4)))
    assert [answer.status for answer in answers] == [201] * 4
    assert len(await _defaults(client, amina["id"])) == 1


async def test_the_first_addresses_added_at_once_make_one_default(client):
    amina = await user(client)
    answers = await asyncio.gather(*(client.post("/api/addresses", json=address_body(), headers=bearer(amina))
                                     for _ in range(5)))
    assert [answer.status for answer in answers] == [201] * 5
    assert len(await _defaults(client, amina["id"])) == 1


async def test_someone_elses_address_is_not_found_and_nothing_changes(client):
    amina, baraka = await user(client), await user(client)
    home = await add_address(client, amina)
    await add_address(client, baraka)
    for method, body in (("GET", None), ("PATCH", {"region": "Stolen"}), ("PATCH", {"is_default": True}),
                         ("DELETE", None)):
        refused = await call(client, method, f"/api/addresses/{home['id']}", baraka, 404, json=body)
        assert refused["error"]["code"] == "address_not_found"
    assert await call(client, "GET", f"/api/addresses/{home['id']}", amina, 200) == home
    assert len(await _defaults(client, baraka["id"])) == 1
    for bad in (str(uuid.uuid4()), "home"):
        refused = await call(client, "PATCH", f"/api/addresses/{bad}", amina, 404, json={"region": "x"})
        assert refused["error"]["code"] == "address_not_found"


async def test_bad_input_is_422_naming_every_bad_field_and_writes_nothing(client):
    amina = await user(client)
    bad = {"country": "FR", "region": "", "district": "x" * 101, "ward": "Usa\x00River", "street": 12,
           "landmark": "Opposite\nthe church", "recipient_name": "   ", "phone": "12", "is_default": "maybe",
           "floor": 3}
    refused = await call(client, "POST", "/api/addresses", amina, 422, json=bad)
    assert set(refused["error"]["details"]["fields"]) == {
        "country", "region", "district", "ward", "street", "landmark", "recipient_name", "is_default", "floor"}
    refused = await add_address(client, amina, phone="0612", region="", expect=422)
    assert set(refused["error"]["details"]["fields"]) == {"phone", "region"}
    refused = await add_address(client, amina, country="KE", phone="+1 202", expect=422)
    assert refused["error"]["details"]["fields"] == {"phone": ["Not a valid phone number for its country."]}
    refused = await call(client, "POST", "/api/addresses", amina, 422, json={})
    assert set(refused["error"]["details"]["fields"]) == {"country", "region", "district", "recipient_name", "phone"}
    assert await addresses(client, amina) == []
    home = await add_address(client, amina)
    for change, field in (({"phone": "12345"}, "phone"), ({"country": "KE", "phone": "abc"}, "phone"),
                          ({"region": None}, "region"), ({"recipient_name": ""}, "recipient_name"),
                          ({"country": None}, "country"), ({"phone": None}, "phone"),
                          ({"landmark": "x\x1b"}, "landmark"), ({"id": str(uuid.uuid4())}, "id")):
        refused = await call(client, "PATCH", f"/api/addresses/{home['id']}", amina, 422, json=change)
        assert list(refused["error"]["details"]["fields"]) == [field], change
    assert await call(client, "GET", f"/api/addresses/{home['id']}", amina, 200) == home
    refused = await call(client, "POST", "/api/addresses", None, 401, json=address_body())
    assert refused["error"]["code"] == "token_missing"


async def test_a_user_keeps_at_most_twenty_addresses_even_added_all_at_once(client):
    amina = await user(client)
    answers = await asyncio.gather(*(client.post("/api/addresses", json=address_body(), headers=bearer(amina))
                                     for _ in range(MAX_ADDRESSES + 3)))
    assert sorted(answer.status for answer in answers) == [201] * MAX_ADDRESSES + [409] * 3
    refused = await add_address(client, amina, expect=409)
    assert refused["error"]["code"] == "too_many_addresses" and refused["error"]["details"]["max"] == MAX_ADDRESSES
    assert len(await addresses(client, amina)) == MAX_ADDRESSES
    await call(client, "DELETE", f"/api/addresses/{(await addresses(client, amina))[-1]['id']}", amina, 204)
    await add_address(client, amina)


async def test_the_database_itself_refuses_a_second_default(client):
    amina = await user(client)
    await add_address(client, amina)
    other = await add_address(client, amina, region="Mwanza")
    async with client.app[PLATFORM].core.connection() as conn:
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute("UPDATE addresses SET is_default = true WHERE id = $1", uuid.UUID(other["id"]))
