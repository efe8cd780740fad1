"""The buyer's cart and checkout."""
from __future__ import annotations

import uuid

from aiohttp import web

from ... import idempotency
from ...domain.commerce import cart, checkout
from ...domain.commerce.views import cart_view, checkout_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .checkout_schemas import VARIANT_ID, CartItemIn, CartQuantityIn, CartSchema, CheckoutIn, CheckoutSchema

routes = Routes("commerce")


@routes.get("/api/cart", summary="Your cart, priced and checked now", response=CartSchema)
async def get_cart(request: web.Request) -> web.Response:
    """Every line priced again for its quantity (a quantity tier's price where one covers it) and
    checked: `notices` tell what changed since your last read (`price_changed` with `old_price` and
    `new_price`; `out_of_stock`; `insufficient_stock` with `available`; `unavailable` with its
    `reason`). The prices shown are remembered: checkout charges them or refuses (409 `price_changed`)."""
    lines = await cart.cart_of(request.app[PLATFORM], caller(request))
    return json_response(CartSchema, cart_view(lines))


@routes.post("/api/cart/items", summary="Add to your cart", body=CartItemIn, response=CartSchema,
             errors=(404, 409, 422))
async def add_to_cart(request: web.Request, *, body: dict) -> web.Response:
    """Adds `quantity` units (1 by default) to what the cart holds of the variant. 404
    `product_not_found`, `variant_not_found`; 422 `variant_not_of_product`; 409 `out_of_stock`,
    `insufficient_stock` (`details.available`), `product_unavailable`, `shop_closed`, `own_shop`,
    `cart_full` (50 different items)."""
    lines = await cart.add(request.app[PLATFORM], caller(request), **body)
    return json_response(CartSchema, cart_view(lines))


@routes.patch("/api/cart/items/{variant_id}", summary="Change a quantity in your cart", ids=(VARIANT_ID,),
              body=CartQuantityIn, response=CartSchema, errors=(409,))
async def change_cart_item(request: web.Request, *, body: dict, variant_id: uuid.UUID) -> web.Response:
    """404 `cart_item_not_found` for a variant not in your cart; the same 409s as adding."""
    lines = await cart.change(request.app[PLATFORM], caller(request), variant_id, quantity=body["quantity"])
    return json_response(CartSchema, cart_view(lines))


@routes.delete("/api/cart/items/{variant_id}", summary="Take an item out of your cart", ids=(VARIANT_ID,),
               response=CartSchema)
async def remove_cart_item(request: web.Request, *, variant_id: uuid.UUID) -> web.Response:
    """404 `cart_item_not_found` for a variant not in your cart. Answers the cart."""
    lines = await cart.remove(request.app[PLATFORM], caller(request), variant_id)
    return json_response(CartSchema, cart_view(lines))


@routes.post("/api/checkout", summary="Check out your cart, or buy now", body=CheckoutIn, response=CheckoutSchema,
             status=201, other_statuses=(200,), errors=(404, 409, 422), idempotent=True,
             rate_limit="commerce.checkouts", rush=True)
async def check_out(request: web.Request, *, body: dict) -> web.Response:
    """With an `Idempotency-Key`: a retry gets the first answer, and the orders, holds and payments
    are made once. One order per shop, each `pending_payment` with its stock reserved until
    `reserved_until` (15 minutes): unpaid then, it is cancelled and its stock released. With
    `method_id`, each order's payment is begun for exactly its `total` (the prompt goes to the
    phone; `payment` is the payment, or `payment_error` why it could not begin). 409
    `out_of_stock`, `insufficient_stock`, `price_changed`, `product_unavailable`, `shop_closed`,
    `own_shop`, `cart_empty`; 404 `address_not_found`, `payment_method_not_found`,
    `product_not_found`, `variant_not_found`; 422 `address_required`, `delivery_unavailable`,
    `pickup_unavailable`, `variant_not_of_product`, `currency_mismatch`, `method_not_mobile_money`."""
    platform = request.app[PLATFORM]
    items = body["items"]
    placed = await checkout.place(
        platform, caller(request), key=idempotency.key_of(request), request_hash=await idempotency.fingerprint(request),
        items=None if items is None else [checkout.Wanted(**item) for item in items],
        address_id=body["address_id"], pickup_shop_ids=body["pickup_shop_ids"], method_id=body["method_id"])
    found = await checkout.details(platform, placed)
    return json_response(CheckoutSchema, checkout_view(placed.checkout_id, found), 201 if placed.created else 200)
