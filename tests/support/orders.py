"""Orders for the tests, placed and paid the short way (the whole road, /api/checkout and a payment
through the provider's sandbox, is tests/test_commerce_orders.py's last test):
a product and a variant of the shop with the order's units reserved (``stock.move``), the order placed through
``orders.place`` with its hold (``payments.holds.open_hold``), the hold funded as a provider's
callback funds it (``holds.fund_hold``, as tests/test_payments_holds.py does), then ``pending_payment``
→ ``paid`` through ``orders.transition`` as checkout's consumer of ``payments.hold.funded`` moves it.
And the REST calls of the buyer's and the seller's apps."""
from __future__ import annotations

import dataclasses
import uuid

from nexgate.domain.commerce import orders
from nexgate.domain.commerce import stock as stock_domain
from nexgate.domain.payments import holds
from nexgate.domain.payments.ledger import Cause
from nexgate.keys import PLATFORM
from tests.support.commerce import address_body, call

ADDRESS = {key: value for key, value in address_body().items()}


@dataclasses.dataclass(frozen=True)
class Placed:
    id: str
    hold_id: uuid.UUID
    variant_id: uuid.UUID
    total: int


async def product(conn, shop_id: uuid.UUID, *, price: int, on_hand: int, committed: int = 0,
                  currency: str = "TZS") -> tuple[uuid.UUID, uuid.UUID]:
    """An active product of the shop with one variant: (product id, variant id)."""
    product_id, variant_id = uuid.uuid4(), uuid.uuid4()
    await conn.execute("INSERT INTO products (id, shop_id, name, currency, state) VALUES ($1, $2, $3, $4, 'active')",
                       product_id, shop_id, "Kitenge cha Kariakoo", currency)
    await conn.execute("INSERT INTO product_variants (id, product_id, shop_id, sku, price, stock_on_hand, stock_committed)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7)", variant_id, product_id, shop_id,
                       f"KT-{uuid.uuid4().hex[:8]}", price, on_hand, committed)
    return product_id, variant_id


async def place(client, buyer_id: str, shop: dict, *, quantity: int = 2, price: int = 150_000,
                delivery_fee: int = 300_000, fulfilment: str = "delivery", on_hand: int = 10, paid: bool = True,
                variant_id: uuid.UUID | None = None) -> Placed:
    """An order of ``quantity`` units of a new product of ``shop`` (or of ``variant_id``) by the
    buyer, its units reserved; paid in full unless ``paid`` is False."""
    buyer = uuid.UUID(buyer_id)
    fee = delivery_fee if fulfilment == "delivery" else 0
    total = quantity * price + fee
    async with client.app[PLATFORM].core.transaction("tests.place_order") as conn:
        if variant_id is None:
            product_id, variant_id = await product(conn, uuid.UUID(shop["id"]), price=price, on_hand=on_hand)
        else:
            product_id = await conn.fetchval("SELECT product_id FROM product_variants WHERE id = $1", variant_id)
        order_id = uuid.uuid4()
        reserved = await stock_domain.move(conn, variant_id=variant_id, committed_delta=quantity, reason="reserved",
                                    actor_id=buyer, order_id=order_id)
        assert reserved is not None, "not enough stock for the test's order"
        hold = await holds.open_hold(conn, payable_kind="commerce.order", payable_id=order_id, currency="TZS",
                                     expected_amount=total, cause=Cause.user(buyer, "checkout"))
        await orders.place(
            conn, order_id=order_id, checkout_id=uuid.uuid4(), buyer_id=buyer, shop_id=uuid.UUID(shop["id"]),
            seller_id=uuid.UUID(shop["owner_id"]), currency="TZS", subtotal=quantity * price, delivery_fee=fee,
            fulfilment=fulfilment, address=ADDRESS if fulfilment == "delivery" else None, hold_id=hold.id,
            items=[orders.NewItem(product_id=product_id, variant_id=variant_id, quantity=quantity, unit_price=price,
                                  product_name="Kitenge cha Kariakoo", sku="KT-1", variant_label="Red")])
    if paid:
        await pay(client, order_id, buyer, total)
    return Placed(str(order_id), hold.id, variant_id, total)


async def pay(client, order_id: uuid.UUID, buyer: uuid.UUID, amount: int) -> None:
    """The buyer's payment reaches the hold (a provider's callback), and the order is paid."""
    txn = f"SEL-{uuid.uuid4().hex[:16]}"
    async with client.app[PLATFORM].core.transaction("tests.pay_order") as conn:
        order = await orders.lock_order(conn, order_id)
        await holds.fund_hold(conn, hold_id=order.hold_id, amount=amount, provider="selcom",
                              provider_transaction_id=txn, payer_id=buyer,
                              cause=Cause.provider_callback("selcom", txn, "payment confirmed"))
        await orders.transition(conn, order, "paid", actor="system", stock_state="allocated", reserved_until=None)


async def order_now(client, order_id) -> orders.Order:
    async with client.app[PLATFORM].core.connection() as conn:
        return await orders.get_order(conn, uuid.UUID(str(order_id)))


async def hold_now(client, hold_id) -> holds.Hold:
    async with client.app[PLATFORM].core.connection() as conn:
        return await holds.get_hold(conn, hold_id=hold_id)


async def stock(client, variant_id) -> tuple[int, int]:
    async with client.app[PLATFORM].core.connection() as conn:
        row = await conn.fetchrow("SELECT stock_on_hand, stock_committed FROM product_variants WHERE id = $1",
                                  variant_id)
    return row["stock_on_hand"], row["stock_committed"]


# the apps' calls

async def get(client, tokens, order_id, *, expect=200) -> dict:
    return await call(client, "GET", f"/api/orders/{order_id}", tokens, expect)


async def act(client, tokens, order_id, action: str, *, expect=200, **body) -> dict:
    return await call(client, "POST", f"/api/orders/{order_id}/{action}", tokens, expect, json=body)


async def resolve(client, tokens, order_id, outcome: str, *, expect=200, reason="Looked at both sides") -> dict:
    return await call(client, "POST", f"/api/admin/orders/{order_id}/resolve", tokens, expect,
                      json={"outcome": outcome, "reason": reason})
