"""The schemas of the cart and checkout (they are the OpenAPI document too)."""
from __future__ import annotations

import marshmallow as ma

from ...domain.commerce import cart
from ..payments.schemas import PaymentSchema
from .orders_schemas import OrderSchema
from .schemas import ShopNameSchema
from ..routing import PathId

_QUANTITY = {"strict": True, "validate": ma.validate.Range(min=1, max=cart.MAX_QUANTITY),
             "metadata": {"description": f"Units, 1 to {cart.MAX_QUANTITY}", "example": 2}}


class CartItemIn(ma.Schema):
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(required=True, metadata={"description": "A variant of that product"})
    quantity = ma.fields.Integer(load_default=1, **_QUANTITY)


class CartQuantityIn(ma.Schema):
    quantity = ma.fields.Integer(required=True, **_QUANTITY)


class CartNoticeSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={
        "description": "price_changed (old_price, new_price), out_of_stock, insufficient_stock (available), "
                       "unavailable (reason: product_unavailable, shop_closed, own_shop)"})
    message = ma.fields.String(required=True)
    old_price = ma.fields.Integer()
    new_price = ma.fields.Integer()
    available = ma.fields.Integer()
    reason = ma.fields.String()


class CartLineSchema(ma.Schema):
    variant_id = ma.fields.UUID(required=True)
    product_id = ma.fields.UUID(required=True)
    product_name = ma.fields.String(required=True)
    sku = ma.fields.String(required=True)
    options = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    shop = ma.fields.Nested(ShopNameSchema, required=True)
    quantity = ma.fields.Integer(required=True)
    unit_price = ma.fields.Integer(required=True, metadata={
        "description": "Now, for this quantity (a quantity tier's price where one covers it), in minor units"})
    line_total = ma.fields.Integer(required=True)
    currency = ma.fields.String(required=True)
    available = ma.fields.Integer(required=True, metadata={"description": "Units that can be bought now"})
    purchasable = ma.fields.Boolean(required=True, metadata={
        "description": "false: out of stock, fewer left than the quantity, or no longer on sale (see notices)"})
    notices = ma.fields.List(ma.fields.Nested(CartNoticeSchema), required=True, metadata={
        "description": "What changed since you last read the cart, or stops the line from being bought"})


class CartTotalSchema(ma.Schema):
    currency = ma.fields.String(required=True)
    subtotal = ma.fields.Integer(required=True, metadata={"description": "Of the purchasable lines, before delivery"})


class CartSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CartLineSchema), required=True, metadata={"description": "Oldest first"})
    totals = ma.fields.List(ma.fields.Nested(CartTotalSchema), required=True)
    changed = ma.fields.Boolean(required=True, metadata={"description": "Some line carries a notice"})


class BuyNowItemIn(ma.Schema):
    product_id = ma.fields.UUID(required=True)
    variant_id = ma.fields.UUID(required=True)
    quantity = ma.fields.Integer(required=True, **_QUANTITY)
    unit_price = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1), load_default=None, metadata={
        "description": "The unit price you showed the buyer: another price now is 409 price_changed"})


class CheckoutIn(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(BuyNowItemIn), validate=ma.validate.Length(min=1, max=cart.MAX_LINES),
                           load_default=None, metadata={
                               "description": "Buy now: these items instead of the cart (left out: the whole cart)"})
    address_id = ma.fields.UUID(load_default=None, metadata={
        "description": "One of your addresses, for every shop not in pickup_shop_ids"})
    pickup_shop_ids = ma.fields.List(ma.fields.UUID(), load_default=list,
                                     validate=ma.validate.Length(max=cart.MAX_LINES),
                                     metadata={"description": "Shops you collect from instead (where they allow it)"})
    method_id = ma.fields.UUID(load_default=None, metadata={
        "description": "One of your mobile money methods: each order's payment is begun with it"})


VARIANT_ID = PathId("variant_id", lambda raw: cart.cart_item_not_found())


class PaymentErrorSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    details = ma.fields.Dict(required=True)


class CheckoutOrderSchema(OrderSchema):
    """An order a checkout placed, as its page shows it, with the payment begun into its hold."""

    payment = ma.fields.Nested(PaymentSchema, required=True, allow_none=True, metadata={
        "description": "The payment begun into the order's hold (with method_id), else null"})
    payment_error = ma.fields.Nested(PaymentErrorSchema, required=True, allow_none=True, metadata={
        "description": "Why the payment could not begin (the order waits: pay it with POST /api/payments)"})


class CheckoutSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    orders = ma.fields.List(ma.fields.Nested(CheckoutOrderSchema), required=True, metadata={
        "description": "One per shop, in shop id order"})
