"""The cart and checkout as a buyer's app drives them, and the catalogue and stock they buy from.

Products are written as the catalogue leaves them (an active product of a shop with its
variants, stock and price tiers); each helper asserts the expected status (``expect``) and
returns the decoded body."""
from __future__ import annotations

import uuid

import orjson

from nexgate.keys import PLATFORM
from tests.support.commerce import call, open_shop
from tests.support.payment_methods import call as call_with_headers

CART = "/api/cart"
CHECKOUT = "/api/checkout"
DELIVERY = {"default_fee": 500_000, "region_fees": [{"region": "Arusha", "fee": 300_000}]}


async def seller_shop(client, seller: dict, **fields) -> dict:
    """An open shop in TZS that delivers (TZS 3,000 to Arusha, 5,000 elsewhere) and, unless told
    otherwise, offers pickup."""
    shop = await open_shop(client, seller, **{"delivery": DELIVERY, "pickup": {"note": "Stall 12"}, **fields})
    return shop


async def product(client, shop: dict, *, prices=(150_000,), on_hand=10, state="active", tiers=(),
                  name="Kitenge cha Kariakoo") -> dict:
    """A product of ``shop`` with one variant per price (options Size S, M, ...), each with
    ``on_hand`` units; ``tiers``: (min, max, unit price) of the product's quantity tiers."""
    sizes = ["S", "M", "L", "XL", "XXL"][:len(prices)]
    product_id = uuid.uuid4()
    variants = []
    async with client.app[PLATFORM].core.transaction("tests.product") as conn:
        await conn.execute("INSERT INTO products (id, shop_id, name, currency, state, options) "
                           "VALUES ($1, $2, $3, 'TZS', $4, $5)", product_id, uuid.UUID(shop["id"]), name, state,
                           [{"name": "Size", "values": sizes}])
        for position, (size, price) in enumerate(zip(sizes, prices)):
            variant_id = uuid.uuid4()
            await conn.execute(
                "INSERT INTO product_variants (id, product_id, shop_id, sku, options, price, stock_on_hand, position)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", variant_id, product_id, uuid.UUID(shop["id"]),
                f"KT-{uuid.uuid4().hex[:8]}-{size}", {"Size": size}, price, on_hand, position)
            variants.append(str(variant_id))
        for low, high, unit in tiers:
            await conn.execute("INSERT INTO product_price_tiers (id, product_id, min_quantity, max_quantity,"
                               " unit_price)"
                               " VALUES ($1, $2, $3, $4, $5)", uuid.uuid4(), product_id, low, high, unit)
    return {"id": str(product_id), "variants": variants}


async def execute(client, sql: str, *args):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.execute(sql, *args)


async def value(client, sql: str, *args):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval(sql, *args)


async def stock(client, variant_id: str) -> tuple[int, int]:
    async with client.app[PLATFORM].core.connection() as conn:
        row = await conn.fetchrow("SELECT stock_on_hand, stock_committed FROM product_variants WHERE id = $1",
                                  uuid.UUID(variant_id))
    return row["stock_on_hand"], row["stock_committed"]


async def cart(client, tokens: dict, expect: int = 200) -> dict:
    return await call(client, "GET", CART, tokens, expect)


async def add(client, tokens: dict, item: dict, variant: int = 0, *, quantity: int | None = 1,
              expect: int = 200) -> dict:
    body = {"product_id": item["id"], "variant_id": item["variants"][variant]}
    if quantity is not None:
        body["quantity"] = quantity
    return await call(client, "POST", f"{CART}/items", tokens, expect, json=body)


async def check_out(client, tokens: dict, *, expect: int = 201, key: str | None = None, **body) -> dict:
    """``POST /api/checkout`` as an app sends it, with a new Idempotency-Key unless given one."""
    return await call_with_headers(client, "POST", CHECKOUT, tokens, expect, data=orjson.dumps(body, default=str),
                      headers={"Idempotency-Key": key or str(uuid.uuid4()), "Content-Type": "application/json"})


def buy_now(item: dict, variant: int = 0, quantity: int = 1, **fields) -> dict:
    return {"product_id": item["id"], "variant_id": item["variants"][variant], "quantity": quantity, **fields}


async def written(client, buyer: dict, *products: dict) -> dict[str, int]:
    """What a buyer's checkouts left: their checkouts and orders, all holds, and the stock
    committed of the products' variants."""
    variant_ids = [uuid.UUID(v) for item in products for v in item["variants"]]
    async with client.app[PLATFORM].core.connection() as conn:
        buyer_id = uuid.UUID(buyer["id"])
        return {
            "checkouts": await conn.fetchval("SELECT count(*) FROM checkouts WHERE buyer_id = $1", buyer_id),
            "orders": await conn.fetchval("SELECT count(*) FROM orders WHERE buyer_id = $1", buyer_id),
            "holds": await conn.fetchval("SELECT count(*) FROM payment_holds"),
            "committed": await conn.fetchval("SELECT coalesce(sum(stock_committed), 0) FROM product_variants"
                                             " WHERE id = ANY ($1::uuid[])", variant_ids),
        }
