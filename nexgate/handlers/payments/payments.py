"""Paying into a hold, the caller's payments, and the providers' callbacks."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.payments import callbacks, payments
from ...domain.payments.views import payment_detail_view, payment_view, transaction_view
from ...keys import PLATFORM
from ..routing import Routes, caller, client_ip, json_response
from .schemas import PAYMENT_ID, PaymentDetailSchema, PaymentIn, PaymentPageSchema, PaymentQuery, PaymentSchema

routes = Routes("payments")


@routes.post("/api/payments", summary="Pay into a hold with a mobile money method", body=PaymentIn,
             response=PaymentSchema, status=202, errors=(404, 409, 422), rate_limit="payments.attempts",
             idempotent=True)
async def start_payment(request: web.Request, *, body: dict) -> web.Response:
    """With an `Idempotency-Key` (a retry with it gets the first answer, and the prompt is pushed
    once). Pushes the payment prompt to the method's phone and answers at once, `pending` (or `failed`
    when the provider refused the prompt): show "check your phone" and wait for the live
    `payments.payment.*` event or poll `GET /api/payments/{payment_id}`. `prompt` is `unconfirmed`
    when the provider did not answer in time: the prompt may still reach the phone, and the payment
    settles by reconciliation. 404 `hold_not_found` (also for a hold you may not pay into),
    `payment_method_not_found`; 409 `hold_not_payable`; 422 names the field: `invalid_amount`,
    `amount_too_large`, `amount_exceeds_hold`, `currency_mismatch`, `currency_not_supported`,
    `unpayable_amount`, `method_not_mobile_money`, `provider_unavailable`. 5 a minute per user
    (429 `rate_limited`, `details.limit` `payments.attempts`). By card: `checkout` `card` instead
    of `method_id` (TZS holds, through Selcom's hosted page; Nexgate never sees the card): the
    answer's `checkout_url` is the page to open in a browser; 422 `method_or_checkout` (neither
    or both), `phone_required` (the page asks for the payer's phone: add one to the account)."""
    payment = await payments.start(request.app[PLATFORM], caller(request), **body)
    return json_response(PaymentSchema, payment_view(payment), status=202)


@routes.get("/api/payments", summary="Your payments, refunds and payouts, newest first", query=PaymentQuery,
            response=PaymentPageSchema)
async def list_payments(request: web.Request, *, query: dict) -> web.Response:
    """Everything that moved your money: the payments you made (`kind` `collection`) and the
    refunds and payouts sent to your phone (`refund`, `payout`; each also in
    `GET /api/payments/disbursements/{disbursement_id}`). Filter by `kind` and `status`."""
    page = await payments.transactions_of(request.app[PLATFORM], caller(request), **query)
    return json_response(PaymentPageSchema, page.map(transaction_view))


@routes.get("/api/payments/{payment_id}", summary="One of your payments, with its status timeline",
            ids=(PAYMENT_ID,), response=PaymentDetailSchema)
async def get_payment(request: web.Request, *, payment_id: uuid.UUID) -> web.Response:
    """Another user's payment is 404 `payment_not_found`, as an unknown one."""
    payment, timeline = await payments.payment_of(request.app[PLATFORM], caller(request), payment_id)
    return json_response(PaymentDetailSchema, payment_detail_view(payment, timeline))


@routes.get("/api/payments/{payment_id}/checkout/{outcome}", summary="Where the card page sends the browser back",
            ids=(PAYMENT_ID,), auth=False, in_openapi=False)
async def checkout_return(request: web.Request, *, payment_id: uuid.UUID) -> web.Response:
    """For browsers coming back from Selcom's card page: a page that opens the app on the payment."""
    outcome = request.match_info["outcome"]
    if outcome not in ("done", "cancelled"):
        raise payments.not_found()
    return web.Response(text=payments.checkout_return_page(payment_id, outcome), content_type="text/html")


@routes.post("/api/payments/callbacks/{provider}/{secret}/{kind}", summary="A payment provider's callback",
             auth=False, errors=(404, 422), in_openapi=False)
async def provider_callback(request: web.Request) -> web.Response:
    """For the providers only (docs/payments.md, "Callbacks and reconciliation"): answered as the
    provider expects, duplicates included; a wrong provider, secret or kind is 404."""
    info = request.match_info
    answer = await callbacks.receive(
        request.app[PLATFORM], provider=info["provider"], secret=info["secret"], kind=info["kind"],
        headers=request.headers, body=await request.read(), sender=client_ip(request))
    return web.Response(status=answer.status, body=answer.body, content_type=answer.content_type)
