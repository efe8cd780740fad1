"""The table of named rate limits: each limit takes its own budget, a route cannot name a limit
the table lacks, every 429 names its limit with Retry-After, and docs/rest.md lists the table."""
from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest

from nexgate import limits
from nexgate.config import Config, env_name
from nexgate.handlers.routing import Routes
from tests.cli import ROOT
from tests.support.auth import bearer, login, register
from tests.support.users import follow, unfollow, user


async def _handler(request):  # never called: the declarations below fail first
    raise AssertionError


async def assert_refused(response, limit: str, code: str = "rate_limited") -> dict:
    """A 429 naming ``limit``, whose Retry-After is the wait in its details."""
    assert response.status == 429, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == code
    assert error["details"]["limit"] == limit
    assert int(response.headers["Retry-After"]) == error["details"]["retry_after"] > 0
    return error


async def test_a_route_limit_takes_its_own_budget_not_the_logins(make_client, config):
    setup = await make_client(config)
    amina, *others = [await user(setup) for _ in range(4)]
    # Then, on the same databases: one login a minute per IP, three follows an hour per user.
    client = await make_client(dataclasses.replace(config, auth_rate_per_minute=1, follows_per_hour=3))
    await follow(client, amina, others[0]["id"])
    await follow(client, amina, others[1]["id"])
    await unfollow(client, amina, others[0]["id"])  # unfollows count toward the same budget
    refused = await client.post(f"/api/users/{others[2]['id']}/follow", headers=bearer(amina))
    error = await assert_refused(refused, "users.follows")
    assert "3 per hour per user" in error["message"]
    assert int(refused.headers["Retry-After"]) <= 3600
    # Each user has their own budget, and the login endpoint still has its own.
    await follow(client, others[0], others[2]["id"])
    assert (await client.post("/api/auth/login", json={"login": "nobody", "password": "x" * 10})).status == 401
    await assert_refused(await client.post("/api/auth/login", json={"login": "nobody", "password": "x" * 10}),
                         "auth.login")


async def test_the_1001st_api_request_of_a_user_in_an_hour_is_refused(make_client, config):
    client = await make_client(dataclasses.replace(config, api_requests_per_hour=Config().api_requests_per_hour))
    amina, baraka = await register(client), await register(client)
    gate = asyncio.Semaphore(20)

    async def me() -> int:
        async with gate, client.get("/api/users/me", headers=bearer(amina)) as response:
            return response.status

    statuses = await asyncio.gather(*(me() for _ in range(1000)))
    assert set(statuses) == {200}
    await assert_refused(await client.get("/api/auth/devices", headers=bearer(amina)), "api.requests")
    assert (await client.get("/api/users/me", headers=bearer(baraka))).status == 200


async def test_a_signed_out_sessions_requests_do_not_use_up_the_users_api_budget(make_client, config):
    client = await make_client(dataclasses.replace(config, api_requests_per_hour=3))
    phone = await register(client, username="Tumaini", device={"id": "phone", "platform": "ios"})
    laptop = await login(client, "tumaini", device={"id": "laptop", "platform": "web"})
    assert (await client.post("/api/auth/logout", headers=bearer(phone))).status == 204  # the first of three
    for _ in range(5):  # a stolen or stale token of the signed-out phone, sent again and again
        assert (await client.get("/api/users/me", headers=bearer(phone))).status == 401
    assert (await client.get("/api/users/me", headers=bearer(laptop))).status == 200
    assert (await client.get("/api/users/me", headers=bearer(laptop))).status == 200
    await assert_refused(await client.get("/api/users/me", headers=bearer(laptop)), "api.requests")


def test_a_route_naming_an_unknown_limit_fails_when_declared():
    routes = Routes("test")
    with pytest.raises(limits.UnknownLimit, match="users.folows"):
        routes.post("/api/test", summary="A typo", rate_limit="users.folows")(_handler)
    with pytest.raises(ValueError, match="per user on a route that authenticates"):
        routes.post("/api/test", summary="Per user, anonymous", auth=False, rate_limit="users.follows")(_handler)
    with pytest.raises(ValueError, match="per phone number"):
        routes.post("/api/test", summary="Not a route's scope", rate_limit="auth.sms_code")(_handler)
    assert routes.specs == []


def test_every_limit_counts_a_setting():
    fields = {field.name: field for field in dataclasses.fields(Config)}
    for limit in limits.TABLE.values():
        assert fields[limit.setting].type == "int", limit.name
        assert limit.budget(Config()).count == fields[limit.setting].default


def _rate_limits_section() -> str:
    text = (ROOT / "docs" / "rest.md").read_text()
    return text.split("## Rate limits", 1)[1].split("\n## ", 1)[0]


def test_docs_list_every_limit_with_its_setting_and_default():
    section = _rate_limits_section()
    assert set(re.findall(r"`([a-z_]+\.[a-z_.]+)`", section)) - {"details.limit"} == set(limits.TABLE)
    for limit in limits.TABLE.values():
        setting = env_name(limit.setting)
        assert setting in section, limit.name
        # The default stated beside the setting is the one in force.
        rows = [line for line in section.splitlines() if f"`{limit.name}`" in line]
        stated = rows[0] if rows[0].startswith("|") else section.split(f"`{limit.name}`", 1)[1].split(")", 1)[0]
        assert f"{limit.budget(Config()).count} per" in stated, limit.name


async def test_listing_products_and_checking_out_each_take_their_own_budget(make_client, config):
    from tests.support.checkout import buy_now, check_out, product, seller_shop
    from tests.support.commerce import create_product

    client = await make_client(dataclasses.replace(config, product_listings_per_hour=2, checkouts_per_minute=1))
    seller, buyer = await user(client), await user(client)
    shop = await seller_shop(client, seller)
    await create_product(client, seller, shop["id"])
    await create_product(client, seller, shop["id"])
    refused = await client.post(f"/api/shops/{shop['id']}/products", headers=bearer(seller), json={"name": "x"})
    assert "2 per hour per user" in (await assert_refused(refused, "commerce.products"))["message"]
    kitenge = await product(client, shop)
    await check_out(client, buyer, items=[buy_now(kitenge, 0, 1, unit_price=150_000)], pickup_shop_ids=[shop["id"]])
    error = await check_out(client, buyer, expect=429, items=[buy_now(kitenge, 0, 1, unit_price=150_000)],
                            pickup_shop_ids=[shop["id"]])
    assert error["error"]["details"]["limit"] == "commerce.checkouts"
    # Another user has a budget of their own (the seller reaches the own-shop check, not the limit).
    await check_out(client, seller, expect=409, items=[buy_now(kitenge, 0, 1, unit_price=150_000)],
                    pickup_shop_ids=[shop["id"]])
