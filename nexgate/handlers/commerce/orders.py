"""Orders: the buyer's and the shop's lists, an order's page, and each step the buyer, the shop's
staff and the operators take (docs/commerce.md, "Orders")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import orders
from ...domain.commerce.views import order_card, order_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .orders_schemas import (ORDER_ID, DisputeIn, DisputeResolveIn, NoteIn, OperatorOrderListQuery,
                             OrderCardPageSchema, OrderListQuery, OrderSchema, ReasonIn, ShipIn)
from .schemas import SHOP_ID

routes = Routes("commerce")
OPERATORS = ("moderator", "admin")
_STEP_ERRORS = (403, 404, 409)


def _answer(found: orders.OrderDetail) -> web.Response:
    return json_response(OrderSchema, order_view(found))


def _card(found: orders.OrderDetail) -> dict:
    return order_card(found.order, found.items, found.buyer)


@routes.get("/api/orders", summary="Your orders, as a buyer", query=OrderListQuery, response=OrderCardPageSchema)
async def my_orders(request: web.Request, *, query: dict) -> web.Response:
    """Newest first; `state` keeps one state's."""
    page = await orders.orders_of_buyer(request.app[PLATFORM], caller(request), **query)
    return json_response(OrderCardPageSchema, page.map(_card))


@routes.get("/api/shops/{shop_id}/orders", summary="A shop's orders, for its staff", ids=(SHOP_ID,),
            query=OrderListQuery, response=OrderCardPageSchema, errors=(403, 404))
async def shop_orders(request: web.Request, *, query: dict, shop_id: uuid.UUID) -> web.Response:
    """Newest first; `state` keeps one state's (`paid`: the orders waiting to be accepted). Its
    owner and managers only (403 `not_shop_staff`)."""
    page = await orders.orders_of_shop(request.app[PLATFORM], caller(request), shop_id, **query)
    return json_response(OrderCardPageSchema, page.map(_card))


@routes.get("/api/orders/{order_id}", summary="An order, with its timeline", ids=(ORDER_ID,), response=OrderSchema,
            errors=(404,))
async def get_order(request: web.Request, *, order_id: uuid.UUID) -> web.Response:
    """Its buyer and its shop's staff; anyone else 404 `order_not_found`."""
    return _answer(await orders.order_for(request.app[PLATFORM], caller(request), order_id))


@routes.post("/api/orders/{order_id}/accept", summary="Accept a paid order, for the shop's staff", ids=(ORDER_ID,),
             body=NoteIn, body_optional=True, response=OrderSchema, errors=_STEP_ERRORS)
async def accept(request: web.Request, *, body: dict, order_id: uuid.UUID) -> web.Response:
    """`paid` → `accepted`. The buyer is 403 `not_shop_staff`; another state 409 `order_state_invalid`."""
    return _answer(await orders.accept(request.app[PLATFORM], caller(request), order_id, note=body["note"]))


@routes.post("/api/orders/{order_id}/ship", summary="Ship an accepted order, for the shop's staff", ids=(ORDER_ID,),
             body=ShipIn, body_optional=True, response=OrderSchema, errors=(403, 404, 409, 422))
async def ship(request: web.Request, *, body: dict, order_id: uuid.UUID) -> web.Response:
    """`accepted` → `shipped`, with the tracking (required for a delivery: 422 `tracking_required`;
    a pickup is handed over). Its units leave the shop's stock; it completes by itself after the
    configured days unless the buyer disputes it."""
    return _answer(await orders.ship(request.app[PLATFORM], caller(request), order_id, tracking=body.get("tracking"),
                                     note=body.get("note")))


@routes.post("/api/orders/{order_id}/confirm-delivery", summary="Confirm an order arrived, for its buyer",
             ids=(ORDER_ID,), response=OrderSchema, errors=_STEP_ERRORS)
async def confirm_delivery(request: web.Request, *, order_id: uuid.UUID) -> web.Response:
    """`shipped` → `delivered`. The payment goes to the seller after the configured days unless you
    dispute it before. The shop's staff are 403 `not_order_buyer`."""
    return _answer(await orders.confirm_delivery(request.app[PLATFORM], caller(request), order_id))


@routes.post("/api/orders/{order_id}/cancel", summary="Cancel an order before it ships", ids=(ORDER_ID,),
             body=ReasonIn, response=OrderSchema, errors=_STEP_ERRORS)
async def cancel(request: web.Request, *, body: dict, order_id: uuid.UUID) -> web.Response:
    """The buyer while it is `pending_payment` or `paid`; the shop's staff while `paid` or
    `accepted` (403 `order_step_forbidden` otherwise, 409 `order_state_invalid` once shipped).
    Everything paid goes back to the buyer and the stock is released."""
    return _answer(await orders.cancel(request.app[PLATFORM], caller(request), order_id, reason=body["reason"]))


@routes.post("/api/orders/{order_id}/dispute", summary="Dispute a shipped or delivered order, for its buyer",
             ids=(ORDER_ID,), body=DisputeIn, response=OrderSchema, errors=_STEP_ERRORS)
async def dispute(request: web.Request, *, body: dict, order_id: uuid.UUID) -> web.Response:
    """`shipped` or `delivered` → `disputed`: the payment stays in escrow (frozen) until an
    operator decides. The shop's staff are 403 `not_order_buyer`."""
    return _answer(await orders.dispute(request.app[PLATFORM], caller(request), order_id, reason=body["reason"]))


@routes.get("/api/admin/orders", summary="The orders in one state, for operators", query=OperatorOrderListQuery,
            response=OrderCardPageSchema, roles=OPERATORS)
async def operator_orders(request: web.Request, *, query: dict) -> web.Response:
    """Moderator or admin role. Newest first; `state=disputed` is the disputes waiting for a decision."""
    page = await orders.orders_in_state(request.app[PLATFORM], **query)
    return json_response(OrderCardPageSchema, page.map(_card))


@routes.get("/api/admin/orders/{order_id}", summary="Any order, for operators", ids=(ORDER_ID,),
            response=OrderSchema, roles=OPERATORS, errors=(404,))
async def operator_order(request: web.Request, *, order_id: uuid.UUID) -> web.Response:
    """Moderator or admin role."""
    return _answer(await orders.order_for_operator(request.app[PLATFORM], order_id))


@routes.post("/api/admin/orders/{order_id}/resolve", summary="Decide a dispute, for operators", ids=(ORDER_ID,),
             body=DisputeResolveIn, response=OrderSchema, roles=OPERATORS, errors=(404, 409))
async def resolve(request: web.Request, *, body: dict, order_id: uuid.UUID) -> web.Response:
    """Moderator or admin role. `buyer`: the payment goes back to the buyer (`refunded`); `seller`:
    it is released to the seller net of the fee (`completed`). An order not disputed is 409
    `order_state_invalid`."""
    return _answer(await orders.resolve(request.app[PLATFORM], caller(request), order_id, outcome=body["outcome"],
                                        reason=body["reason"]))
