"""Shops through the real app: opening one under a $handle, its public page, the staff's edits
and their roles, open/closed/suspended, blocks, the lists, the events and the staff's live frames;
every refusal with nothing written."""
from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from nexgate.domain.commerce import shops as shops_domain
from nexgate.domain.commerce import staff as staff_domain
from nexgate.domain.commerce.shops_repository import DeliveryFee
from nexgate.keys import PLATFORM
from tests.support.commerce import (
    add_manager, call, edit_shop, open_shop, remove_staff, rows, set_state, shop, shop_body, unique_handle,
)
from tests.support.media import jpeg_bytes
from tests.support.media_api import upload
from tests.support.auth import bearer
from tests.support.users import block, user
from tests.test_users_verification import moderator

FULL = {
    "description": "Vitenge, kanga and\nmade-to-measure dresses.",
    "location": {"region": "Dar es Salaam", "city": "Kariakoo"},
    "contact": {"phone": "+255 712 345 678", "email": "Duka@Example.CO.TZ"},
    "pickup": {"note": "Stall 12, Kariakoo market"},
    "delivery": {"default_fee": 500_000, "region_fees": [{"region": "Dar es Salaam", "fee": 200_000},
                                                         {"region": "Arusha", "fee": 0}]},
    "return_policy": "Returns within 7 days, unworn.",
}


async def _count(client, table: str, **where) -> int:
    clause = " AND ".join(f"{name} = ${i}" for i, name in enumerate(where, 1)) or "true"
    return (await rows(client, f"SELECT count(*) AS n FROM {table} WHERE {clause}", *where.values()))[0]["n"]


async def _events(client, routing_key: str, shop_id: str) -> list[dict]:
    found = await rows(client, "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'shop_id' = $2"
                               " ORDER BY created_at", routing_key, shop_id)
    return [orjson.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"] for row in found]


def _as_media_user(tokens: dict) -> dict:
    return {**tokens, "headers": bearer(tokens)}


async def _image(client, tokens: dict, purpose: str) -> dict:
    status, body = await upload(client, _as_media_user(tokens), purpose, [("logo.jpg", jpeg_bytes(300, 300))])
    assert status == 201, body
    return body["media"][0]


# opening and reading

async def test_a_shop_is_opened_and_its_page_read_by_id_or_handle_in_any_case_without_signing_in(client):
    amina = await user(client)
    handle = unique_handle("Duka_la_Amina")
    made = await open_shop(client, amina, handle=handle, name="  Duka la Amina ", **FULL)
    assert made["handle"] == handle and made["name"] == "Duka la Amina" and made["state"] == "open"
    assert made["owner_id"] == amina["id"] and made["currency"] == "TZS"
    assert made["location"] == {"region": "Dar es Salaam", "city": "Kariakoo"}
    assert made["contact"] == {"phone": "+255712345678", "email": "Duka@example.co.tz"}
    assert made["pickup"] == {"note": "Stall 12, Kariakoo market"}
    assert made["delivery"] == FULL["delivery"]
    assert made["description"] == FULL["description"] and made["return_policy"] == FULL["return_policy"]
    assert made["owner"] == {"id": amina["id"], "username": amina["username"],
                             "display_name": amina["user"]["display_name"], "avatar_media_id": None,
                             "is_verified": False, "trust": {"score": None, "level": "new"}}
    assert made["logo"] is None and made["suspended_reason"] is None
    for ref in (made["id"], handle, handle.upper(), f"${handle.lower()}"):
        assert await shop(client, None, ref) == made
    baraka = await user(client)
    assert await shop(client, baraka, handle.swapcase()) == made
    assert await _count(client, "shop_staff", shop_id=uuid.UUID(made["id"]), role="owner") == 1
    assert await _events(client, "commerce.shop.created", made["id"]) == [
        {"shop_id": made["id"], "owner_id": amina["id"], "handle": handle}]
    for ref in ("no_such_shop_here", str(uuid.uuid4()), "$", "a b", "x" * 31):
        missing = await shop(client, None, ref, expect=404)
        assert missing["error"]["code"] == "shop_not_found"


async def test_the_page_shows_the_owners_verified_badge_and_trust_score_from_the_users_area(client):
    amina, mod = await user(client), await moderator(client)
    made = await open_shop(client, amina)
    await call(client, "POST", f"/api/users/{amina['id']}/verification", mod, 200)
    async with client.app[PLATFORM].core.connection() as conn:  # as the trust worker scores her
        await conn.execute("UPDATE users SET trust_score = 83 WHERE id = $1", uuid.UUID(amina["id"]))
    owner = (await shop(client, None, made["id"]))["owner"]
    assert owner["is_verified"] is True and owner["trust"] == {"score": 83, "level": "excellent"}


async def test_a_handle_taken_in_another_case_is_409_and_a_reserved_or_malformed_one_422_with_nothing_written(client):
    amina, baraka = await user(client), await user(client)
    handle = unique_handle("Mama_Ntilie")
    await open_shop(client, amina, handle=handle)
    taken = await open_shop(client, baraka, handle=handle.swapcase(), expect=409)
    assert taken["error"]["code"] == "shop_handle_taken"
    assert list(taken["error"]["details"]["fields"]) == ["handle"]
    for reserved in ("admin", "Nexgate", "CHECKOUT", "shops", "addresses", "mine", "support", "orders", "cart"):
        refused = await open_shop(client, baraka, handle=reserved, expect=422)
        assert refused["error"]["details"]["fields"] == {"handle": ["This handle is reserved."]}, reserved
    for malformed in ("ab", "x" * 31, "duka la", "duka-la", "dúka", "duka$", "", "duka\x00x"):
        refused = await open_shop(client, baraka, handle=malformed, expect=422)
        assert list(refused["error"]["details"]["fields"]) == ["handle"], malformed
    assert await _count(client, "shops", owner_id=uuid.UUID(baraka["id"])) == 0


async def test_two_shops_opened_at_once_under_one_handle_in_two_cases_make_one(client):
    amina, baraka = await user(client), await user(client)
    handle = unique_handle("Soko")
    answers = await asyncio.gather(
        client.post("/api/shops", json=shop_body(handle=handle.lower()), headers=bearer(amina)),
        client.post("/api/shops", json=shop_body(handle=handle.upper()), headers=bearer(baraka)))
    assert sorted(answer.status for answer in answers) == [201, 409]
    assert len(await rows(client, "SELECT id FROM shops WHERE lower(handle) = lower($1)", handle)) == 1


async def test_bad_input_is_422_naming_every_bad_field_and_writes_nothing(client):
    amina = await user(client)
    bad = {
        "handle": unique_handle(), "name": "   ", "currency": "EUR", "description": "ok\x00",
        "location": {"region": "x" * 101, "city": "Arusha\x07"},
        "contact": {"phone": "0712345678", "email": "not-an-email"},
        "pickup": {"note": 12},
        "delivery": {"default_fee": -1, "region_fees": [{"region": "Arusha", "fee": 1.5},
                                                        {"region": "Moshi", "fee": "100"}, {"fee": 3}]},
        "return_policy": "y" * 2001, "colour": "red",
    }
    refused = await call(client, "POST", "/api/shops", amina, 422, json=bad)
    fields = refused["error"]["details"]["fields"]
    assert set(fields) == {"name", "currency", "description", "location", "contact", "pickup", "delivery",
                           "return_policy", "colour"}
    assert set(fields["location"]) == {"region", "city"} and set(fields["contact"]) == {"phone", "email"}
    assert set(fields["delivery"]) == {"default_fee", "region_fees"}
    assert set(fields["delivery"]["region_fees"]) == {"0", "1", "2"}
    twice = {"delivery": {"region_fees": [{"region": "Arusha", "fee": 1}, {"region": " ARUSHA ", "fee": 2}]}}
    refused = await open_shop(client, amina, expect=422, **twice)
    assert refused["error"]["details"]["fields"] == {"delivery": {"region_fees": {"1": {
        "region": ["This region is named twice."]}}}}
    neither = await open_shop(client, amina, expect=422, delivery={"region_fees": []})
    assert neither["error"]["details"]["fields"] == {"delivery": {"default_fee": [
        "Give a default fee, or a fee for some region."]}}
    missing = await call(client, "POST", "/api/shops", amina, 422, json={})
    assert set(missing["error"]["details"]["fields"]) == {"handle", "name", "currency"}
    assert await _count(client, "shops", owner_id=uuid.UUID(amina["id"])) == 0


async def test_a_logo_and_cover_must_be_your_own_ready_images_uploaded_for_them(client):
    amina, baraka = await user(client), await user(client)
    mine, cover = await _image(client, amina, "avatar"), await _image(client, amina, "cover")
    theirs, a_post = await _image(client, baraka, "avatar"), await _image(client, amina, "post")
    refused = await open_shop(client, amina, logo_media_id=theirs["id"], expect=403)
    assert refused["error"]["code"] == "media_not_owned" and "logo_media_id" in refused["error"]["details"]["fields"]
    refused = await open_shop(client, amina, logo_media_id=a_post["id"], expect=422)
    assert refused["error"]["code"] == "media_purpose_mismatch"
    refused = await open_shop(client, amina, cover_media_id=mine["id"], expect=422)
    assert refused["error"]["code"] == "media_purpose_mismatch"
    refused = await open_shop(client, amina, logo_media_id=str(uuid.uuid4()), expect=404)
    assert refused["error"]["code"] == "media_not_found"
    async with client.app[PLATFORM].core.connection() as conn:  # as while the worker makes its variants
        await conn.execute("UPDATE media SET status = 'processing' WHERE id = $1", uuid.UUID(cover["id"]))
    refused = await open_shop(client, amina, cover_media_id=cover["id"], expect=409)
    assert refused["error"]["code"] == "media_not_ready" and "cover_media_id" in refused["error"]["details"]["fields"]
    assert await _count(client, "shops", owner_id=uuid.UUID(amina["id"])) == 0
    made = await open_shop(client, amina, logo_media_id=mine["id"])
    assert made["logo_media_id"] == mine["id"] and made["logo"]["id"] == mine["id"]
    assert made["logo"]["variants"] and made["cover"] is None
    cleared = await edit_shop(client, amina, made["id"], logo_media_id=None)
    assert cleared["logo_media_id"] is None and cleared["logo"] is None


async def test_a_user_opens_at_most_ten_shops_even_all_at_once(client):
    amina = await user(client)
    answers = await asyncio.gather(*(client.post("/api/shops", json=shop_body(), headers=bearer(amina))
                                     for _ in range(shops_domain.MAX_SHOPS + 2)))
    statuses = sorted(answer.status for answer in answers)
    assert statuses == [201] * shops_domain.MAX_SHOPS + [409, 409]
    refused = await open_shop(client, amina, expect=409)
    assert refused["error"]["code"] == "too_many_shops"
    assert await _count(client, "shops", owner_id=uuid.UUID(amina["id"])) == shops_domain.MAX_SHOPS


# editing, staff and roles

async def test_the_owner_and_managers_edit_a_shop_but_only_the_owner_its_handle_state_and_staff(client):
    amina, baraka, chausiku, stranger = [await user(client) for _ in range(4)]
    made = await open_shop(client, amina, **FULL)
    shop_id = made["id"]
    refused = await edit_shop(client, stranger, shop_id, name="Mine now", expect=403)
    assert refused["error"]["code"] == "not_shop_staff"
    added = await add_manager(client, amina, shop_id, baraka["id"])
    assert (added["user_id"], added["role"], added["added_by"]) == (baraka["id"], "manager", amina["id"])
    again = await add_manager(client, amina, shop_id, baraka["id"], expect=200)
    assert again == added
    edited = await edit_shop(client, baraka, shop_id, name="Duka Jipya", delivery=None,
                             location={"region": "Mwanza"})
    assert edited["name"] == "Duka Jipya" and edited["delivery"] is None
    assert edited["location"] == {"region": "Mwanza", "city": None}
    assert edited["contact"] == made["contact"] and edited["pickup"] == made["pickup"]
    assert (await _events(client, "commerce.shop.updated", shop_id))[-1] == {
        "shop_id": shop_id, "handle": made["handle"], "actor_id": baraka["id"],
        "fields": ["name", "region", "city", "delivery", "delivery_default_fee", "delivery_fees"]}
    assert await _count(client, "shop_delivery_fees", shop_id=uuid.UUID(shop_id)) == 0
    for refused in (await edit_shop(client, baraka, shop_id, handle=unique_handle(), expect=403),
                    await set_state(client, baraka, shop_id, "closed", expect=403),
                    await add_manager(client, baraka, shop_id, chausiku["id"], expect=403),
                    await remove_staff(client, baraka, shop_id, amina["id"], expect=403)):
        assert refused["error"]["code"] == "not_shop_owner"
    await add_manager(client, amina, shop_id, chausiku["id"])
    refused = await remove_staff(client, baraka, shop_id, chausiku["id"], expect=403)
    assert refused["error"]["code"] == "not_shop_owner"
    staff = await call(client, "GET", f"/api/shops/{shop_id}/staff", baraka, 200)
    assert [(m["user_id"], m["role"]) for m in staff["items"]] == [
        (amina["id"], "owner"), (baraka["id"], "manager"), (chausiku["id"], "manager")]
    refused = await call(client, "GET", f"/api/shops/{shop_id}/staff", stranger, 403)
    assert refused["error"]["code"] == "not_shop_staff"
    refused = await remove_staff(client, amina, shop_id, amina["id"], expect=422)
    assert refused["error"]["code"] == "owner_not_removable"
    await remove_staff(client, baraka, shop_id, baraka["id"])  # a manager leaves
    await remove_staff(client, amina, shop_id, chausiku["id"])
    missing = await remove_staff(client, amina, shop_id, chausiku["id"], expect=404)
    assert missing["error"]["code"] == "staff_not_found"
    refused = await edit_shop(client, baraka, shop_id, name="Still mine?", expect=403)
    assert refused["error"]["code"] == "not_shop_staff"
    assert [e["user_id"] for e in await _events(client, "commerce.staff.removed", shop_id)] == [
        baraka["id"], chausiku["id"]]
    renamed = unique_handle("Amina_Fashions")
    assert (await edit_shop(client, amina, shop_id, handle=renamed))["handle"] == renamed
    assert (await shop(client, None, f"${renamed.lower()}"))["id"] == shop_id
    await shop(client, None, made["handle"], expect=404)


async def test_a_manager_cannot_be_someone_blocked_either_way_and_a_bad_id_changes_nothing(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    shop_id = (await open_shop(client, amina))["id"]
    await block(client, baraka, amina["id"])
    refused = await add_manager(client, amina, shop_id, baraka["id"], expect=404)
    assert refused["error"]["code"] == "user_not_found" and list(refused["error"]["details"]["fields"]) == ["user_id"]
    await block(client, amina, chausiku["id"])
    refused = await add_manager(client, amina, shop_id, chausiku["id"], expect=403)
    assert refused["error"]["code"] == "user_blocked"
    refused = await add_manager(client, amina, shop_id, str(uuid.uuid4()), expect=404)
    assert refused["error"]["code"] == "user_not_found"
    refused = await call(client, "POST", f"/api/shops/{shop_id}/staff", amina, 422, json={"user_id": "baraka"})
    assert list(refused["error"]["details"]["fields"]) == ["user_id"]
    assert await _count(client, "shop_staff", shop_id=uuid.UUID(shop_id)) == 1
    unknown = await edit_shop(client, amina, str(uuid.uuid4()), name="x", expect=404)
    assert unknown["error"]["code"] == "shop_not_found"
    not_an_id = await call(client, "PATCH", "/api/shops/not-an-id", amina, 404, json={})
    assert not_an_id["error"]["code"] == "shop_not_found"


async def test_a_shop_has_at_most_its_cap_of_managers(client, monkeypatch):
    monkeypatch.setattr(staff_domain, "MAX_MANAGERS", 2)
    amina, *others = [await user(client) for _ in range(4)]
    shop_id = (await open_shop(client, amina))["id"]
    for other in others[:2]:
        await add_manager(client, amina, shop_id, other["id"])
    refused = await add_manager(client, amina, shop_id, others[2]["id"], expect=409)
    assert refused["error"]["code"] == "too_many_managers" and refused["error"]["details"]["max"] == 2
    assert await add_manager(client, amina, shop_id, others[0]["id"], expect=200)  # on the staff already
    assert await _count(client, "shop_staff", shop_id=uuid.UUID(shop_id)) == 3


# state

async def test_the_owner_opens_and_closes_an_operator_suspends_and_only_an_operator_reinstates(client):
    amina, baraka, viewer = await user(client), await user(client), await user(client)
    mod = await moderator(client)
    made = await open_shop(client, amina)
    shop_id = made["id"]
    await add_manager(client, amina, shop_id, baraka["id"])
    closed = await set_state(client, amina, shop_id, "closed")
    assert closed["state"] == "closed" and (await shop(client, None, shop_id))["state"] == "closed"
    assert (await set_state(client, amina, shop_id, "closed"))["state"] == "closed"  # no change, no event
    refused = await call(client, "PUT", f"/api/shops/{shop_id}/state", amina, 422, json={"state": "suspended"})
    assert list(refused["error"]["details"]["fields"]) == ["state"]
    assert (await set_state(client, amina, shop_id, "open"))["state"] == "open"
    refused = await call(client, "POST", f"/api/admin/shops/{shop_id}/suspend", amina, 403,
                         json={"reason": "I suspend myself"})
    assert refused["error"]["code"] == "role_required"
    suspended = await call(client, "POST", f"/api/admin/shops/{shop_id}/suspend", mod, 200,
                           json={"reason": "Counterfeit goods reported"})
    assert suspended["state"] == "suspended" and suspended["suspended_reason"] == "Counterfeit goods reported"
    for who in (None, viewer):
        assert (await shop(client, who, shop_id, expect=404))["error"]["code"] == "shop_not_found"
        assert (await shop(client, who, made["handle"], expect=404))["error"]["code"] == "shop_not_found"
    assert (await shop(client, baraka, shop_id))["state"] == "suspended"  # its staff still see it
    refused = await set_state(client, amina, shop_id, "open", expect=409)
    assert refused["error"]["code"] == "shop_suspended"
    again = await call(client, "POST", f"/api/admin/shops/{shop_id}/suspend", mod, 409, json={"reason": "again"})
    assert again["error"]["code"] == "shop_suspended"
    assert (await edit_shop(client, baraka, shop_id, name="Fixed it"))["state"] == "suspended"
    others = await call(client, "GET", f"/api/users/{amina['id']}/shops", viewer, 200)
    assert others["items"] == []
    own = await call(client, "GET", f"/api/users/{amina['id']}/shops", amina, 200)
    assert [item["id"] for item in own["items"]] == []  # suspended shops are listed in GET /api/shops
    mine = await call(client, "GET", "/api/shops", amina, 200)
    assert [(item["id"], item["state"]) for item in mine["items"]] == [(shop_id, "suspended")]
    reinstated = await call(client, "POST", f"/api/admin/shops/{shop_id}/reinstate", mod, 200,
                            json={"reason": "Appeal accepted"})
    assert reinstated["state"] == "closed" and reinstated["suspended_reason"] is None
    refused = await call(client, "POST", f"/api/admin/shops/{shop_id}/reinstate", mod, 409, json={"reason": "x"})
    assert refused["error"]["code"] == "shop_not_suspended" and refused["error"]["details"]["state"] == "closed"
    assert (await shop(client, viewer, shop_id))["state"] == "closed"
    changes = await _events(client, "commerce.shop_state.changed", shop_id)
    assert [(e["previous_state"], e["state"], e["reason"], e["actor_id"]) for e in changes] == [
        ("open", "closed", None, amina["id"]), ("closed", "open", None, amina["id"]),
        ("open", "suspended", "Counterfeit goods reported", mod["id"]),
        ("suspended", "closed", "Appeal accepted", mod["id"])]


# blocks and lists

async def test_a_shop_of_someone_blocked_either_way_is_not_found_and_neither_is_their_list(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    made = await open_shop(client, amina)
    await block(client, amina, baraka["id"])  # the owner blocked baraka
    await block(client, chausiku, amina["id"])  # chausiku blocked the owner
    for who in (baraka, chausiku):
        for ref in (made["id"], made["handle"]):
            assert (await shop(client, who, ref, expect=404))["error"]["code"] == "shop_not_found"
        listed = await call(client, "GET", f"/api/users/{amina['id']}/shops", who, 404)
        assert listed["error"]["code"] == "user_not_found"
        resolved = await shops_domain.resolve_handles(client.app[PLATFORM], uuid.UUID(who["id"]), [made["handle"]])
        assert resolved == {}
    assert (await shop(client, None, made["id"]))["id"] == made["id"]
    resolved = await shops_domain.resolve_handles(client.app[PLATFORM], None, [made["handle"].upper(), "no_such"])
    assert list(resolved) == [made["handle"].lower()]


async def test_my_shops_and_a_users_shops_page_newest_first(client):
    amina, baraka = await user(client), await user(client)
    opened = [(await open_shop(client, amina))["id"] for _ in range(3)]
    theirs = (await open_shop(client, baraka))["id"]
    await add_manager(client, baraka, theirs, amina["id"])
    first = await call(client, "GET", "/api/shops", amina, 200, params={"limit": 2})
    rest = await call(client, "GET", "/api/shops", amina, 200, params={"limit": 2, "cursor": first["next_cursor"]})
    assert rest["next_cursor"] is None
    listed = [(item["id"], item["role"]) for item in first["items"] + rest["items"]]
    assert listed == [(theirs, "manager"), *((shop_id, "owner") for shop_id in reversed(opened))]
    public = await call(client, "GET", f"/api/users/{amina['id']}/shops", None, 200, params={"limit": 2})
    more = await call(client, "GET", f"/api/users/{amina['id']}/shops", None, 200,
                      params={"limit": 2, "cursor": public["next_cursor"]})
    assert [item["id"] for item in public["items"] + more["items"]] == list(reversed(opened))
    assert set(public["items"][0]) == {"id", "handle", "name", "owner_id", "logo_media_id", "location", "state",
                                       "created_at"}
    missing = await call(client, "GET", f"/api/users/{uuid.uuid4()}/shops", None, 404)
    assert missing["error"]["code"] == "user_not_found"
    refused = await call(client, "GET", "/api/shops", None, 401)
    assert refused["error"]["code"] == "token_missing"


# live

@pytest.fixture
async def live_app(make_client, config):
    return await make_client(config, worker_names=("outbox-relay", "commerce_live"))


async def test_the_staff_are_told_live_of_edits_state_and_staff_changes_with_the_shop_as_rest_shows_it(live_app, users):
    client = live_app
    owner, manager = await users.new(client.server), await users.new(client.server)
    owner_tokens, manager_tokens = owner.tokens, manager.tokens
    owner_tokens["id"], manager_tokens["id"] = str(owner.user_id), str(manager.user_id)
    made = await open_shop(client, owner_tokens)
    owner_live = await owner.live()
    await add_manager(client, owner_tokens, made["id"], manager_tokens["id"])
    added = await owner_live.next_event(timeout=10)
    assert added["event"] == "commerce.staff.added" and added["data"]["user_id"] == manager_tokens["id"]
    manager_live = await manager.live()
    edited = await edit_shop(client, manager_tokens, made["id"], name="Duka la Wote")
    for live in (owner_live, manager_live):
        event = await live.next_event(timeout=10)
        assert event["event"] == "commerce.shop.updated"
        assert event["data"]["shop"] == edited
    await set_state(client, owner_tokens, made["id"], "closed")
    for live in (owner_live, manager_live):
        event = await live.next_event(timeout=10)
        assert event["event"] == "commerce.shop_state.changed" and event["data"]["shop"]["state"] == "closed"
    await remove_staff(client, owner_tokens, made["id"], manager_tokens["id"])
    for live in (owner_live, manager_live):
        event = await live.next_event(timeout=10)
        assert event["event"] == "commerce.staff.removed" and event["data"]["user_id"] == manager_tokens["id"]


# what checkout will ask

def test_the_delivery_fee_is_the_regions_in_any_case_else_the_default_else_none():
    shop = shops_domain.Shop(**{**{name: None for name in shops_domain.Shop.__dataclass_fields__},
                                "currency": "TZS", "delivery": True, "delivery_default_fee": 500_000})
    fees = [DeliveryFee("Dar es Salaam", 200_000), DeliveryFee("Arusha", 0)]
    assert shops_domain.delivery_fee(shop, fees, "  dar ES   salaam ") == 200_000
    assert shops_domain.delivery_fee(shop, fees, "ARUSHA") == 0
    assert shops_domain.delivery_fee(shop, fees, "Mwanza") == 500_000
    only_listed = shops_domain.Shop(**{**shop.__dict__, "delivery_default_fee": None})
    assert shops_domain.delivery_fee(only_listed, fees, "Mwanza") is None
    no_delivery = shops_domain.Shop(**{**shop.__dict__, "delivery": False})
    assert shops_domain.delivery_fee(no_delivery, fees, "Arusha") is None


def test_mentions_are_a_dollar_and_a_handle_not_inside_a_word_or_a_price():
    from nexgate.domain.commerce.handles import mentioned

    text = "Bei nzuri $Duka_la_Amina na $duka_la_amina, pia ($Soko_Kuu). Bei $5 au US$100, email a$bcd, $ab"
    assert mentioned(text) == ["duka_la_amina", "soko_kuu"]
    assert mentioned("$" + "x" * 31) == [] and mentioned("$$duka") == []
