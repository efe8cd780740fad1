"""Balances, payouts and refunds to phones (docs/payments.md, "Refunds and payouts")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.payments import disbursements
from ...domain.payments.views import balance_view, disbursement_detail_view, disbursement_view, schedule_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import (
    DISBURSEMENT_ID, BalanceListSchema, CurrencyQuery, DisbursementDetailSchema, DisbursementPageSchema,
    DisbursementQuery, DisbursementSchema, PayoutIn, ScheduleIn, ScheduleSchema,
)

routes = Routes("payments")


@routes.get("/api/payments/balances", summary="Your balances: what you may pay out", response=BalanceListSchema)
async def list_balances(request: web.Request) -> web.Response:
    """What releases of holds paid you (net of the platform fee), per currency, less what you paid
    out; what is on its way to your phone; the payout minimum and your standing order."""
    found = await disbursements.balances(request.app[PLATFORM], caller(request))
    return json_response(BalanceListSchema, {"items": [balance_view(balance) for balance in found]})


@routes.post("/api/payments/payouts", summary="Pay out your balance to your phone", body=PayoutIn,
             response=DisbursementSchema, status=202, errors=(404, 409, 422), rate_limit="payments.attempts",
             idempotent=True)
async def request_payout(request: web.Request, *, body: dict) -> web.Response:
    """With an `Idempotency-Key` (a retry with it gets the first answer, and the money moves once).
    The amount leaves your balance at once and is `pending` until the provider pays it out; the
    live `payments.payout.sent` (or `.failed`, the amount back in your balance) follows. The
    provider's fee comes out of the amount (`sent_amount` reaches the phone). 404
    `payment_method_not_found`; 409 `balance_insufficient` (`details.available`); 422 names the
    field: `invalid_amount`, `payout_below_minimum`, `amount_too_large`, `method_not_verified`,
    `method_not_mobile_money`, `currency_mismatch`, `unpayable_amount`, `provider_unavailable`.
    Counted with payments: 5 a minute per user."""
    payout = await disbursements.request_payout(request.app[PLATFORM], caller(request), **body)
    return json_response(DisbursementSchema, disbursement_view(payout), status=202)


@routes.put("/api/payments/payout-schedule", summary="Pay out your whole balance every day or week",
            body=ScheduleIn, response=ScheduleSchema, errors=(404, 422))
async def set_payout_schedule(request: web.Request, *, body: dict) -> web.Response:
    """A standing order per currency (a second PUT replaces it): at each run your whole balance in
    that currency, when it is at least the payout minimum, is paid out to the number, as
    `POST /api/payments/payouts` would. 422 as that route's for the number."""
    schedule = await disbursements.set_schedule(request.app[PLATFORM], caller(request), **body)
    return json_response(ScheduleSchema, schedule_view(schedule))


@routes.delete("/api/payments/payout-schedule", summary="Stop a standing payout order", query=CurrencyQuery,
               status=204, errors=(404,))
async def remove_payout_schedule(request: web.Request, *, query: dict) -> web.Response:
    """404 `payout_schedule_not_found` when there is none in that currency."""
    await disbursements.remove_schedule(request.app[PLATFORM], caller(request), **query)
    return web.Response(status=204)


@routes.get("/api/payments/disbursements", summary="Refunds and payouts to your phone, newest first",
            query=DisbursementQuery, response=DisbursementPageSchema)
async def list_disbursements(request: web.Request, *, query: dict) -> web.Response:
    page = await disbursements.disbursements_of(request.app[PLATFORM], caller(request), **query)
    return json_response(DisbursementPageSchema, page.map(disbursement_view))


@routes.get("/api/payments/disbursements/{disbursement_id}", summary="A refund or payout, with its timeline",
            ids=(DISBURSEMENT_ID,), response=DisbursementDetailSchema)
async def get_disbursement(request: web.Request, *, disbursement_id: uuid.UUID) -> web.Response:
    """Another user's is 404 `disbursement_not_found`, as an unknown one."""
    found, timeline = await disbursements.disbursement_of(request.app[PLATFORM], caller(request), disbursement_id)
    return json_response(DisbursementDetailSchema, disbursement_detail_view(found, timeline))
