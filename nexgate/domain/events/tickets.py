"""The tickets after they are issued (docs/events.md, "Your tickets", "The ticket format"): the
holder's list and page, the QR code as PNG or SVG, resending it by email, giving it to another
user, cancelling and refunding one ticket, and the revocation list scanners download.

- **Transfer**: the holder gives a valid ticket to another user by username, before the event
  ends: a new ticket (new id, new signature, new short code) is issued to them, and the old one
  becomes ``transferred`` (revoked, ``replaced_by`` the new one), in one transaction; the new
  payload was signed before it began.
- **Cancel and refund one ticket**: the order's buyer, while they still hold the ticket and
  before the event starts; or the event's organizer, until the event's money is released. A paid
  ticket's price goes back to the buyer (a partial refund of its order's hold,
  ``payments.holds.refund(amount=price)``); its type's count is given back; the ticket is
  revoked. The last valid ticket of a paid order refunded makes the order ``refunded``.
- **Revocations**: every ticket of the event that no longer admits (cancelled, refunded,
  transferred), in the order they stopped; ``since`` gives only those revoked after it.
"""
from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

import qrcode
import qrcode.image.svg

from ... import bus, cpu
from ...errors import Conflict, Forbidden, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth import repository as accounts
from ..auth.caller import Caller
from ..notifications.email import request_email
from ..payments import holds
from ..payments.ledger import Cause
from ..users import profiles
from . import issuing, ticket_format
from . import tickets_repository as repository
from .events import AVAILABILITY_CHANGED, TICKET_REFUNDED, TICKET_REVOKED, TICKET_TRANSFERRED
from .tickets_repository import TicketRow

EMAIL_TEMPLATE = "event_tickets"
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_BOX = 8  # pixels per module of the PNG
QR_BORDER = 4  # modules of quiet zone, as the standard asks


def ticket_not_found() -> NotFound:
    return NotFound("No such ticket", code="ticket_not_found")


def qr_text(ticket: TicketRow) -> str:
    return ticket_format.qr_text(ticket.payload, ticket.signature)


# reading

async def ticket_for_holder(platform: Platform, caller: Caller, ticket_id: uuid.UUID) -> TicketRow:
    """One of the caller's tickets (a ticket they gave away included, shown as transferred); anyone
    else's is not found, as an unknown one."""
    async with platform.core.connection() as conn:
        ticket = await repository.ticket(conn, ticket_id)
    if ticket is None or ticket.holder_id != caller.user_id:
        raise ticket_not_found()
    return ticket


async def my_tickets(platform: Platform, caller: Caller, *, limit: int, cursor: str | None) -> Page[TicketRow]:
    """The caller's tickets, newest first."""
    async with platform.core.connection() as conn:
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.tickets_of_holder_page(conn, caller.user_id, before, n),
                           TicketRow.position)


def qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a PNG (black on white): CPU work, for the process pool."""
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, box_size=QR_BOX, border=QR_BORDER)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG path: CPU work, for the process pool."""
    code = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, border=QR_BORDER,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(text)
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")


async def qr_image(platform: Platform, caller: Caller, ticket_id: uuid.UUID, kind: str) -> bytes | str:
    ticket = await ticket_for_holder(platform, caller, ticket_id)
    return await cpu.run(platform.cpu_pool, qr_png if kind == "png" else qr_svg, qr_text(ticket))


# email

async def email_context(platform: Platform, tickets: list[TicketRow]) -> dict[str, Any]:
    """What the tickets email shows: each ticket's code, QR text and QR code (an SVG, made in the
    process pool), and the event's name, time, place or streaming link."""
    first = tickets[0]
    svgs = [_inline(await cpu.run(platform.cpu_pool, qr_svg, qr_text(ticket))) for ticket in tickets]
    zone = _zone(first.event_time_zone)
    starts = first.event_starts_at.astimezone(zone).strftime("%d %B %Y, %H:%M") if first.event_starts_at else ""
    return {"title": first.event_title or "", "starts": starts, "time_zone": first.event_time_zone,
            "venue": first.event_venue_name,
            "streaming_url": first.event_streaming_url if first.event_format == "online" else None,
            "link": f"nexgate://tickets/{first.id}" if len(tickets) == 1 else f"nexgate://ticket-orders/{first.order_id}",
            "renewed": False,
            "tickets": [{"code": t.code, "type_name": t.type_name, "qr_text": qr_text(t), "qr_svg": svg}
                        for t, svg in zip(tickets, svgs)]}


def _inline(svg: str) -> str:
    """An SVG document as an element of an HTML page (without its XML declaration)."""
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg


def _zone(name: str):
    import zoneinfo
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


async def email_order_tickets(platform: Platform, conn, order_id: uuid.UUID) -> bool:
    """For the consumer of ``events.ticket_order.paid``, in its transaction: the order's valid
    tickets emailed to its buyer (if they have an email address). False when there was nothing to send."""
    order = await repository.order_by_id(conn, order_id)
    if order is None:
        return False
    tickets = [t for t in await repository.tickets_of_orders(conn, [order_id])
               if t.state == "valid" and t.holder_id == order.buyer_id]
    buyer = await accounts.user_by_id(conn, order.buyer_id)
    if not tickets or buyer is None or not buyer.email:
        return False
    await request_email(conn, to=buyer.email, template=EMAIL_TEMPLATE, context=await email_context(platform, tickets),
                        rendered_first=False)
    return True


async def resend(platform: Platform, caller: Caller, ticket_id: uuid.UUID) -> TicketRow:
    """The ticket emailed again to its holder: 409 ``ticket_revoked`` for one that no longer
    admits, 409 ``email_missing`` for a holder with no email address."""
    ticket = await ticket_for_holder(platform, caller, ticket_id)
    if ticket.state != "valid":
        raise _revoked(ticket)
    context = await email_context(platform, [ticket])
    async with platform.core.transaction("events.ticket_resend") as conn:
        holder = await accounts.user_by_id(conn, caller.user_id)
        if holder is None or not holder.email:
            raise Conflict("Add an email address to your account to get your tickets by email",
                           code="email_missing")
        await request_email(conn, to=holder.email, template=EMAIL_TEMPLATE, context=context)
    return ticket


def _revoked(ticket: TicketRow) -> Conflict:
    return Conflict(f"The ticket is {ticket.state}: it no longer admits", code="ticket_revoked",
                    details={"state": ticket.state, "reason": ticket.revoke_reason})


# transferring

async def transfer(platform: Platform, caller: Caller, ticket_id: uuid.UUID, username: str) -> TicketRow:
    """Give one of the caller's valid tickets to the user ``username``: their new ticket. 404
    ``ticket_not_found``, ``user_not_found``; 422 ``transfer_to_self``; 409 ``ticket_revoked``,
    ``event_ended``."""
    ticket = await ticket_for_holder(platform, caller, ticket_id)
    async with platform.core.connection() as conn:
        recipient = await profiles.find(conn, username) if not _is_uuid(username) else None
        if recipient is None:
            raise NotFound("No such user", code="user_not_found")
        days = (await issuing.days_of(conn, ticket.event_id, [ticket.ticket_type_id]))[ticket.ticket_type_id]
    if recipient.id == caller.user_id:
        raise Invalid.fields("body", {"username": "The ticket is yours already."}, code="transfer_to_self")
    _check_transferable(ticket)
    prepared = await issuing.prepare(platform, event_id=ticket.event_id, event_ends_at=ticket.event_ends_at, wanted=[
        issuing.Wanted(ticket.ticket_type_id, days, ticket.price, recipient.id, replaces=ticket.id)])
    async with platform.core.transaction("events.ticket_transfer") as conn:
        locked = await repository.lock_ticket(conn, ticket.id)
        if locked["state"] != "valid" or locked["holder_id"] != caller.user_id:
            raise _revoked(await repository.ticket(conn, ticket.id))
        new_id, = await issuing.write(conn, prepared, event_id=ticket.event_id, organizer_id=ticket.organizer_id,
                                      order_id=ticket.order_id)
        await repository.revoke(conn, ticket.id, state="transferred", reason="transferred", replaced_by=new_id)
        fields = issuing.about(ticket.id, ticket.event_id, ticket.organizer_id, ticket.ticket_type_id,
                               ticket.order_id, ticket.holder_id)
        await bus.emit(conn, TICKET_TRANSFERRED, {**fields, "new_ticket_id": str(new_id),
                                                  "new_holder_id": str(recipient.id)})
        await bus.emit(conn, TICKET_REVOKED, {**fields, "reason": "transferred"})
        return await repository.ticket(conn, new_id)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _check_transferable(ticket: TicketRow) -> None:
    if ticket.state != "valid":
        raise _revoked(ticket)
    if ticket.event_state != "published":
        raise Conflict(f"The event is {ticket.event_state}", code="event_not_on_sale",
                       details={"state": ticket.event_state})
    if ticket.event_ends_at is not None and ticket.event_ends_at <= datetime.datetime.now(datetime.UTC):
        raise Conflict("The event has ended", code="event_ended")


# cancelling and refunding one ticket

async def cancel(platform: Platform, caller: Caller, ticket_id: uuid.UUID) -> TicketRow:
    """Cancel one ticket and refund its price to its buyer (the rule in the module's docstring):
    403 ``ticket_cancel_forbidden`` for anyone else or too late; 409 ``ticket_revoked`` for a
    ticket no longer valid; the hold's own 409s (``hold_frozen``, ``hold_insufficient``)."""
    async with platform.core.transaction("events.ticket_cancel") as conn:
        locked = await repository.lock_ticket(conn, ticket_id)
        ticket = None if locked is None else await repository.ticket(conn, ticket_id)
        order = None if ticket is None else await repository.lock_order(conn, ticket.order_id)
        if ticket is None or caller.user_id not in (ticket.holder_id, ticket.organizer_id):
            raise ticket_not_found()
        now = datetime.datetime.now(datetime.UTC)
        organizer = caller.user_id == ticket.organizer_id
        if not organizer:
            if caller.user_id != order.buyer_id:
                raise Forbidden("Only the ticket's buyer or the event's organizer can cancel it",
                                code="ticket_cancel_forbidden")
            if ticket.event_starts_at is not None and ticket.event_starts_at <= now:
                raise Forbidden("The event has started: ask the organizer to cancel the ticket",
                                code="ticket_cancel_forbidden", details={"starts_at": ticket.event_starts_at.isoformat()})
        if ticket.state != "valid":
            raise _revoked(ticket)
        fields = issuing.about(ticket.id, ticket.event_id, ticket.organizer_id, ticket.ticket_type_id,
                               ticket.order_id, ticket.holder_id)
        refunded = ticket.price > 0 and order.hold_id is not None
        if refunded:
            who = Cause.user(caller.user_id, "organizer cancelled a ticket" if organizer else "buyer cancelled a ticket")
            await holds.refund(conn, hold_id=order.hold_id, amount=ticket.price, cause=who)
        await repository.revoke(conn, ticket.id, state="cancelled", reason="refunded" if refunded else "cancelled")
        await repository.release(conn, ticket.ticket_type_id, 1)
        await bus.emit(conn, AVAILABILITY_CHANGED, {"event_id": str(ticket.event_id),
                                                    "ticket_type_ids": [str(ticket.ticket_type_id)]})
        await bus.emit(conn, TICKET_REVOKED, {**fields, "reason": "refunded" if refunded else "cancelled"})
        if refunded:
            await bus.emit(conn, TICKET_REFUNDED, {**fields, "amount": ticket.price, "currency": ticket.currency})
        if order.state == "paid" and order.total > 0 and await repository.valid_count_of_order(conn, order.id) == 0:
            await repository.close_order(conn, order.id, from_state="paid", state="refunded",
                                         reason="Every ticket of the order was refunded")
        return await repository.ticket(conn, ticket.id)


# the revocation list

async def revocations(conn, event_id: uuid.UUID, since: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """The event's tickets that no longer admit, oldest revocation first: ``{ticket_id, code,
    state, reason, revoked_at}`` (``since``: only those revoked after it). Check-in's offline
    bundle reuses it."""
    return [{"ticket_id": row["id"], "code": row["code"], "state": row["state"], "reason": row["revoke_reason"],
             "revoked_at": row["revoked_at"]} for row in await repository.revocations(conn, event_id, since)]


REVOCATIONS_OVERLAP = datetime.timedelta(minutes=1)


async def event_revocations(platform: Platform, event_id: uuid.UUID,
                            since: datetime.datetime | None) -> tuple[list[dict[str, Any]], datetime.datetime]:
    """The revocation list of an event that is not a draft, and the ``since`` to ask with next
    time: a minute before now, so a revocation whose transaction began earlier but committed
    later is not missed (the list is read by ticket id: one seen twice is the same)."""
    async with platform.core.connection() as conn:
        event = await repository.event(conn, event_id)
        if event is None or event.state == "draft":
            raise NotFound("No such event", code="event_not_found")
        listed = await revocations(conn, event_id, since)
    return listed, datetime.datetime.now(datetime.UTC) - REVOCATIONS_OVERLAP
