"""Clients of the commerce API (shops, staff, addresses) as an app would call them.

Each helper takes the acting user's token response (``tests.support.users.user``; None for an
anonymous call) and asserts the expected status (``expect``), returning the decoded body."""
from __future__ import annotations

import itertools
import uuid

from nexgate.keys import PLATFORM
from tests.support.auth import bearer

_numbers = itertools.count(1)


async def call(client, method: str, path: str, tokens: dict | None, expect: int, **kwargs):
    headers = bearer(tokens) if tokens else {}
    response = await client.request(method, path, headers=headers, **kwargs)
    assert response.status == expect, f"{method} {path}: {response.status} {await response.text()}"
    return None if response.status == 204 else await response.json()


def unique_handle(prefix: str = "duka") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def shop_body(**fields) -> dict:
    return {"handle": unique_handle(), "name": f"Duka {next(_numbers)}", "currency": "TZS", **fields}


async def open_shop(client, tokens: dict, *, expect: int = 201, **fields) -> dict:
    return await call(client, "POST", "/api/shops", tokens, expect, json=shop_body(**fields))


async def shop(client, tokens: dict | None, ref: str, *, expect: int = 200) -> dict:
    return await call(client, "GET", f"/api/shops/{ref}", tokens, expect)


async def edit_shop(client, tokens: dict, shop_id: str, *, expect: int = 200, **fields) -> dict:
    return await call(client, "PATCH", f"/api/shops/{shop_id}", tokens, expect, json=fields)


async def set_state(client, tokens: dict, shop_id: str, state: str, *, expect: int = 200) -> dict:
    return await call(client, "PUT", f"/api/shops/{shop_id}/state", tokens, expect, json={"state": state})


async def add_manager(client, tokens: dict, shop_id: str, user_id: str, *, expect: int = 201) -> dict:
    return await call(client, "POST", f"/api/shops/{shop_id}/staff", tokens, expect, json={"user_id": user_id})


async def remove_staff(client, tokens: dict, shop_id: str, user_id: str, *, expect: int = 204):
    return await call(client, "DELETE", f"/api/shops/{shop_id}/staff/{user_id}", tokens, expect)


def address_body(**fields) -> dict:
    return {"country": "TZ", "region": "Arusha", "district": "Arumeru", "ward": "Usa River",
            "landmark": "Opposite the Total petrol station", "recipient_name": "Amina Juma",
            "phone": "0712345678", **fields}


async def add_address(client, tokens: dict, *, expect: int = 201, **fields) -> dict:
    return await call(client, "POST", "/api/addresses", tokens, expect, json=address_body(**fields))


async def addresses(client, tokens: dict) -> list[dict]:
    return (await call(client, "GET", "/api/addresses", tokens, 200))["items"]


async def rows(client, sql: str, *args) -> list:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetch(sql, *args)


def product_body(**fields) -> dict:
    """A product sold one way (one variant, 10 on hand) unless ``fields`` say otherwise."""
    return {"name": f"Kitenge {next(_numbers)}", "state": "active",
            "variants": [{"sku": f"SKU-{uuid.uuid4().hex[:12]}", "price": 2_500_000, "stock": 10}], **fields}


async def create_product(client, tokens: dict, shop_id: str, *, expect: int = 201, **fields) -> dict:
    return await call(client, "POST", f"/api/shops/{shop_id}/products", tokens, expect, json=product_body(**fields))


async def product(client, tokens: dict | None, product_id: str, *, expect: int = 200) -> dict:
    return await call(client, "GET", f"/api/products/{product_id}", tokens, expect)


async def adjust_stock(client, tokens: dict, product_id: str, variant_id: str, delta: int, reason: str, *,
                       expect: int = 200, **fields) -> dict:
    return await call(client, "POST", f"/api/products/{product_id}/variants/{variant_id}/stock", tokens, expect,
                      json={"delta": delta, "reason": reason, **fields})
