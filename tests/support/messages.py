"""Clients of the direct-message API as an app would call it, on ``NexgateClient``s (the
``users`` fixture), plus a look at what the database holds."""
from __future__ import annotations

import uuid

from nexgate.client import ApiError, NexgateClient
from nexgate.keys import PLATFORM


async def direct(api: NexgateClient, other: NexgateClient) -> dict:
    return await api.request("POST", "/api/conversations", json={"user_ids": [str(other.user_id)]})


async def group(api: NexgateClient, name: str, *others: NexgateClient) -> dict:
    return await api.request("POST", "/api/conversations", json={
        "type": "group", "name": name, "user_ids": [str(o.user_id) for o in others]})


async def send(api: NexgateClient, conversation: dict | str, text: str = "habari", **fields) -> dict:
    cid = conversation["id"] if isinstance(conversation, dict) else conversation
    return await api.request("POST", f"/api/conversations/{cid}/messages", json={"text": text, **fields})


async def history(api: NexgateClient, conversation: dict | str, **params) -> dict:
    cid = conversation["id"] if isinstance(conversation, dict) else conversation
    return await api.request("GET", f"/api/conversations/{cid}/messages", params=params)


async def texts(api: NexgateClient, conversation: dict | str, **params) -> list[str | None]:
    """The texts of the first history page, oldest first."""
    return [m["text"] for m in reversed((await history(api, conversation, limit=100, **params))["items"])]


async def refused(call, status: int, code: str) -> ApiError:
    """Await ``call``; it must fail with ``status`` and ``code``."""
    try:
        await call
    except ApiError as error:
        assert (error.status, error.code) == (status, code), error
        return error
    raise AssertionError(f"expected {status} {code}, the call succeeded")


async def count(client, table: str, **where) -> int:
    """Rows of a messages table matching ``where`` (column = value), straight from the database."""
    conditions = " AND ".join(f"{column} = ${n}" for n, column in enumerate(where, 1)) or "true"
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {conditions}", *where.values())


async def next_event(live, name: str, timeout: float = 5.0) -> dict:
    """The next ``event`` frame called ``name`` (other events on the way are skipped)."""
    while True:
        frame = await live.next_event(timeout)
        if frame.get("event") == name:
            return frame


def new_client_id() -> str:
    return uuid.uuid4().hex


async def product_on_sale(api: NexgateClient, name: str = "Kanga ya Pwani", price: int = 1_500_000) -> dict:
    """A product on sale in a new shop of ``api``'s user: ``{"product": ..., "shop": ...}``, for
    messages about it."""
    shop = await api.request("POST", "/api/shops", json={"handle": f"duka_{uuid.uuid4().hex[:10]}",
                                                         "name": "Duka la Mama", "currency": "TZS"})
    product = await api.request("POST", f"/api/shops/{shop['id']}/products", json={
        "name": name, "state": "active", "variants": [{"sku": f"K-{uuid.uuid4().hex[:10]}", "price": price,
                                                       "stock": 5}]})
    return {"product": product, "shop": shop}
