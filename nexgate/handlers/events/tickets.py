"""Buying tickets, the buyer's ticket orders, the holder's tickets and their QR codes, resend,
transfer, cancel and refund, and the event's revocation list (docs/events.md, "Buying tickets",
"Your tickets", "The ticket format")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ... import idempotency
from ...domain.events import checkout, ticket_orders, tickets
from ...domain.events.views import ticket_order_view, ticket_view
from ...domain.payments.views import payment_view
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response
from .ticket_schemas import (EVENT_ID, ORDER_ID, TICKET_ID, RevocationListSchema, RevocationsQuery,
                             TicketCheckoutIn, TicketCheckoutSchema, TicketOrderPageSchema, TicketOrderSchema,
                             TicketPageSchema, TicketSchema, TransferIn)

routes = Routes("events")


@routes.post("/api/events/{event_id}/checkout", summary="Buy tickets of an event", ids=(EVENT_ID,),
             body=TicketCheckoutIn, response=TicketCheckoutSchema, status=201, other_statuses=(200,),
             errors=(404, 409, 422), idempotent=True, rush=True)
async def check_out(request: web.Request, *, body: dict, event_id: uuid.UUID) -> web.Response:
    """One ticket order, made once per `Idempotency-Key` (a retry gets the first answer). A free
    order is `paid` at once with its tickets in `tickets`; a paid one is `pending_payment`, its
    tickets held until `reserved_until`, and with `method_id` its payment is begun for exactly
    its `total` (`payment`, or `payment_error` why it could not begin); its tickets are issued
    when the payment lands. 404 `event_not_found`; 409 `event_not_on_sale`, `event_ended`,
    `sales_not_started`, `sales_ended`, `sold_out`, `insufficient_tickets` (`details.available`);
    422 `ticket_type_not_found`, `over_per_order_limit` (`details.per_order_limit`),
    `currency_mismatch`, `method_not_mobile_money`; 404 `payment_method_not_found`."""
    platform = request.app[PLATFORM]
    placed = await checkout.place(
        platform, caller(request), event_id, key=idempotency.key_of(request),
        request_hash=await idempotency.fingerprint(request),
        lines=[checkout.Line(**line) for line in body["lines"]], method_id=body["method_id"])
    async with platform.core.connection() as conn:
        (order, lines, held), = await ticket_orders.details(conn, [placed.order])
    error = placed.payment_error
    view = {**ticket_order_view(order, lines, held),
            "payment": None if placed.payment is None else payment_view(placed.payment),
            "payment_error": None if error is None else {"code": error.code, "message": error.message,
                                                         "details": error.details}}
    return json_response(TicketCheckoutSchema, view, 201 if placed.created else 200)


@routes.get("/api/ticket-orders", summary="Your ticket orders", query=PageQuery, response=TicketOrderPageSchema)
async def my_orders(request: web.Request, *, query: dict) -> web.Response:
    """Newest first, each with its lines and the tickets of it you hold."""
    page = await ticket_orders.orders_of_buyer(request.app[PLATFORM], caller(request), **query)
    return json_response(TicketOrderPageSchema, page.map(lambda found: ticket_order_view(*found)))


@routes.get("/api/ticket-orders/{order_id}", summary="One of your ticket orders", ids=(ORDER_ID,),
            response=TicketOrderSchema)
async def get_order(request: web.Request, *, order_id: uuid.UUID) -> web.Response:
    """Its buyer only; anyone else 404 `ticket_order_not_found`."""
    found = await ticket_orders.order_for(request.app[PLATFORM], caller(request), order_id)
    return json_response(TicketOrderSchema, ticket_order_view(*found))


@routes.get("/api/tickets", summary="Your tickets", query=PageQuery, response=TicketPageSchema)
async def my_tickets(request: web.Request, *, query: dict) -> web.Response:
    """Newest first: those you bought, were given, and gave away (`transferred`)."""
    page = await tickets.my_tickets(request.app[PLATFORM], caller(request), **query)
    return json_response(TicketPageSchema, page.map(ticket_view))


@routes.get("/api/tickets/{ticket_id}", summary="One of your tickets", ids=(TICKET_ID,), response=TicketSchema)
async def get_ticket(request: web.Request, *, ticket_id: uuid.UUID) -> web.Response:
    """Its holder only (anyone else 404 `ticket_not_found`): its QR text and short code, and for an
    online event its streaming link."""
    return json_response(TicketSchema, ticket_view(await tickets.ticket_for_holder(
        request.app[PLATFORM], caller(request), ticket_id)))


@routes.get("/api/tickets/{ticket_id}/qr.png", summary="A ticket's QR code, as a PNG", ids=(TICKET_ID,),
            content_type="image/png")
async def ticket_qr_png(request: web.Request, *, ticket_id: uuid.UUID) -> web.Response:
    """Its holder only. Black on white, 8 pixels a module, a 4-module quiet zone, error correction M."""
    image = await tickets.qr_image(request.app[PLATFORM], caller(request), ticket_id, "png")
    return web.Response(body=image, content_type="image/png", headers={"Cache-Control": "private, no-store"})


@routes.get("/api/tickets/{ticket_id}/qr.svg", summary="A ticket's QR code, as an SVG", ids=(TICKET_ID,),
            content_type="image/svg+xml")
async def ticket_qr_svg(request: web.Request, *, ticket_id: uuid.UUID) -> web.Response:
    """Its holder only."""
    image = await tickets.qr_image(request.app[PLATFORM], caller(request), ticket_id, "svg")
    return web.Response(text=image, content_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@routes.post("/api/tickets/{ticket_id}/resend", summary="Email a ticket to yourself again", ids=(TICKET_ID,),
             response=TicketSchema, errors=(409,))
async def resend(request: web.Request, *, ticket_id: uuid.UUID) -> web.Response:
    """To your account's email address, with its QR code and short code. 409 `ticket_revoked`,
    `email_missing`."""
    return json_response(TicketSchema, ticket_view(await tickets.resend(request.app[PLATFORM], caller(request),
                                                                        ticket_id)))


@routes.post("/api/tickets/{ticket_id}/transfer", summary="Give a ticket to another user", ids=(TICKET_ID,),
             body=TransferIn, response=TicketSchema, status=201, errors=(404, 409, 422))
async def transfer(request: web.Request, *, body: dict, ticket_id: uuid.UUID) -> web.Response:
    """The recipient gets a new ticket (a new signed QR code and short code); yours becomes
    `transferred`, its old code on the event's revocation list. Answers the new ticket (as its
    holder sees it). 404 `user_not_found`; 422 `transfer_to_self`; 409 `ticket_revoked`,
    `event_ended`, `event_not_on_sale`."""
    found = await tickets.transfer(request.app[PLATFORM], caller(request), ticket_id, body["username"])
    return json_response(TicketSchema, ticket_view(found), 201)


@routes.post("/api/tickets/{ticket_id}/cancel", summary="Cancel one ticket and refund it", ids=(TICKET_ID,),
             response=TicketSchema, errors=(403, 409, 422))
async def cancel(request: web.Request, *, ticket_id: uuid.UUID) -> web.Response:
    """The order's buyer, while holding the ticket and before the event starts (403
    `ticket_cancel_forbidden` after), or the event's organizer. A paid ticket's price goes back
    to the phone that paid; the ticket is revoked and put back on sale. 409 `ticket_revoked`,
    `hold_frozen`, `hold_insufficient`."""
    return json_response(TicketSchema, ticket_view(await tickets.cancel(request.app[PLATFORM], caller(request),
                                                                        ticket_id)))


@routes.get("/api/events/{event_id}/revocations", summary="The tickets of an event that no longer admit",
            ids=(EVENT_ID,), query=RevocationsQuery, response=RevocationListSchema, auth=OPTIONAL)
async def revocations(request: web.Request, *, query: dict, event_id: uuid.UUID) -> web.Response:
    """For scanners: every ticket of the event cancelled, refunded or transferred (its id and short
    code), oldest revocation first; with `since` (the last answer's `next_since`) only those
    revoked after it. 404 `event_not_found`."""
    listed, next_since = await tickets.event_revocations(request.app[PLATFORM], event_id, query["since"])
    return json_response(RevocationListSchema, {"event_id": event_id, "revoked": listed, "next_since": next_since})
