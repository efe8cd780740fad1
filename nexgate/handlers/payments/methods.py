"""Payment methods: a user's mobile money numbers (and the cards checkout tokenised)."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.payments import methods
from ...domain.payments.views import method_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import METHOD_ID, MethodCodeSchema, MethodListSchema, MethodSchema, MethodUpdate, MobileMoneyIn

routes = Routes("payments")


def _answer(request: web.Request, method: methods.Method, status: int = 200) -> web.Response:
    return json_response(MethodSchema, method_view(method, request.app[PLATFORM].config), status)


@routes.post("/api/payments/methods", summary="Add a mobile money number", body=MobileMoneyIn, response=MethodSchema,
             status=201, other_statuses=(200,), errors=(409,), idempotent=True)
async def add_method(request: web.Request, *, body: dict) -> web.Response:
    """Idempotent: send an `Idempotency-Key` (docs/rest.md, Idempotency). The operator (and from
    it the wallet, the provider and the currency) comes from the number.
    The first method becomes the default. A number you have already answers 200 with that method,
    unchanged. Refusals: 422 naming `phone` (not a mobile number; `country_unsupported`,
    `operator_unsupported`), 409 `too_many_payment_methods`. Cards are added by the checkout that
    takes them, never here."""
    method, added = await methods.add_mobile_money(request.app[PLATFORM], caller(request), **body)
    return _answer(request, method, 201 if added else 200)


@routes.get("/api/payments/methods", summary="Your payment methods", response=MethodListSchema)
async def list_methods(request: web.Request) -> web.Response:
    found = await methods.methods_of(request.app[PLATFORM], caller(request))
    config = request.app[PLATFORM].config
    return json_response(MethodListSchema, {"items": [method_view(method, config) for method in found]})


@routes.patch("/api/payments/methods/{method_id}", summary="Make a payment method the default, or rename it",
              ids=(METHOD_ID,), body=MethodUpdate, response=MethodSchema)
async def update_method(request: web.Request, *, body: dict, method_id: uuid.UUID) -> web.Response:
    """404 `payment_method_not_found` for a method that is not one of yours."""
    return _answer(request, await methods.update(request.app[PLATFORM], caller(request), method_id, body))


@routes.delete("/api/payments/methods/{method_id}", summary="Remove a payment method", ids=(METHOD_ID,),
               status=204)
async def remove_method(request: web.Request, *, method_id: uuid.UUID) -> web.Response:
    """If it was your default, your newest verified method (else your newest) becomes the default."""
    await methods.remove(request.app[PLATFORM], caller(request), method_id)
    return web.Response(status=204)


@routes.post("/api/payments/methods/{method_id}/verify/send", summary="Text a code to a payment method's number",
             ids=(METHOD_ID,), status=204, errors=(409, 422))
async def send_method_code(request: web.Request, *, method_id: uuid.UUID) -> web.Response:
    """A new code replaces the last; it lives 10 minutes. One number gets at most 5 codes an hour
    (429 `too_many_codes`, counted with the account's own phone codes). 409 `already_verified`;
    422 `not_verifiable` for a card."""
    await methods.send_verification_code(request.app[PLATFORM], caller(request), method_id)
    return web.Response(status=204)


@routes.post("/api/payments/methods/{method_id}/verify", summary="Verify a payment method with the texted code",
             ids=(METHOD_ID,), body=MethodCodeSchema, response=MethodSchema, errors=(409,))
async def verify_method(request: web.Request, *, body: dict, method_id: uuid.UUID) -> web.Response:
    """A code works once. Refusals (422), as for the account's phone: `code_invalid`
    (`details.attempts_left`), `code_attempts_exceeded`, `code_expired`; 409 `already_verified`."""
    method = await methods.verify_with_code(request.app[PLATFORM], caller(request), method_id, body["code"])
    return _answer(request, method)
