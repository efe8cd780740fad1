"""Signing an event's tickets again when it moves (docs/events.md, "Your tickets"), for the
``events_tickets`` consumer group.

A ticket's signed payload says the days it admits and that it is valid until a day after its
event ends (``issuing.window``). When the organizer edits a published event's ``schedule`` (a
postponement, a day added) or its ``ticket_types`` (the days a type admits), the payloads of
its valid tickets may no longer say so, and an offline scanner, which trusts only the
signature, would refuse a ticket that is good. On that ``events.event.changed`` the valid
tickets are read ``RENEW_BATCH`` at a time; each whose ``valid_until`` falls short of the new end
+ a day, or whose days mask differs from what its type admits now, gets a new payload (same
ticket id, type, ``valid_from`` and short code; the new window and days; the active key), signed
in the process pool. Each is written only if the ticket is still the one read (valid, payload
unchanged: a transfer or cancellation meanwhile wins), with ``events.ticket.renewed`` (its
holder's devices show the new QR code), and each holder of renewed tickets is emailed them
again (the QR code printed or emailed before stops working at its old ``valid_until``). While
tickets are left, ``events.tickets_renewal.continued`` carries the next batch (its own
delivery, its own transaction), so a large event is renewed in chunks, durably.

A ticket valid longer than needed (an event moved earlier) is left as it is.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections import defaultdict

from ... import bus
from ...bus import Event
from ...platform import Platform
from ..auth import repository as accounts
from ..notifications.email import request_email
from . import issuing, signing, ticket_format, tickets
from . import tickets_repository as repository
from .events import EVENT_CHANGED, TICKET_RENEWED, TICKETS_RENEWAL_CONTINUED

RENEW_BATCH = 200
# What an edit changes that a ticket's payload says: the event's end (valid_until), the days.
RENEWING_CHANGES = ("schedule", "ticket_types")
ROUTING_KEYS = (EVENT_CHANGED, TICKETS_RENEWAL_CONTINUED)
_START = (datetime.datetime.min.replace(tzinfo=datetime.UTC), uuid.UUID(int=0))


def valid_until(event_ends_at: datetime.datetime) -> datetime.datetime:
    """What a ticket of an event ending then is signed valid until (whole seconds)."""
    return (event_ends_at + issuing.VALID_AFTER_END).replace(microsecond=0)


async def handle(platform: Platform, conn, event: Event) -> None:
    payload = event.payload
    if event.type == EVENT_CHANGED:
        if any(name in RENEWING_CHANGES for name in payload["fields"]):
            await renew_batch(platform, conn, uuid.UUID(payload["event_id"]))
    elif event.type == TICKETS_RENEWAL_CONTINUED:
        await renew_batch(platform, conn, uuid.UUID(payload["event_id"]),
                          (datetime.datetime.fromisoformat(payload["after_issued_at"]),
                           uuid.UUID(payload["after_ticket_id"])))


async def renew_batch(platform: Platform, conn, event_id: uuid.UUID,
                      after: tuple[datetime.datetime, uuid.UUID] = _START) -> int:
    """Renew the event's next ``RENEW_BATCH`` valid tickets after ``after`` that need it, in the
    caller's transaction; the next batch as ``events.tickets_renewal.continued``. How many were renewed."""
    sale = await repository.event(conn, event_id)
    if sale is None or sale.state != "published" or sale.ends_at is None:
        return 0
    rows = await repository.tickets_to_renew(conn, event_id, after, RENEW_BATCH + 1)
    batch = rows[:RENEW_BATCH]
    until = valid_until(sale.ends_at)
    admits = await issuing.days_of(conn, event_id, list({row["ticket_type_id"] for row in batch}))
    stale = []
    for row in batch:
        signed = ticket_format.decode(row["payload"])
        days = frozenset(admits[row["ticket_type_id"]])
        if signed.valid_until < until or signed.days != days:
            stale.append((row, dataclasses.replace(signed, days=days, valid_until=max(until, signed.valid_until))))
    renewed = await _renew(platform, conn, sale, stale) if stale else []
    if len(rows) > RENEW_BATCH:
        last = batch[-1]
        await bus.emit(conn, TICKETS_RENEWAL_CONTINUED, {"event_id": str(event_id),
                                                         "after_issued_at": last["issued_at"].isoformat(),
                                                         "after_ticket_id": str(last["id"])})
    await _email_holders(platform, conn, renewed)
    return len(renewed)


async def _renew(platform: Platform, conn, sale, stale) -> list[uuid.UUID]:
    key = await signing.active_key(platform)
    payloads = [ticket_format.encode(dataclasses.replace(new, key_id=key.id)) for _, new in stale]
    signatures = await signing.sign(platform, key, payloads)  # in the process pool; no row is locked
    renewed = []
    for (row, new), payload, signature in zip(stale, payloads, signatures):
        if not await repository.renew_ticket(conn, row["id"], old_payload=row["payload"], key_id=key.id,
                                             payload=payload, signature=signature, valid_until=new.valid_until):
            continue  # revoked, transferred or renewed meanwhile
        await bus.emit(conn, TICKET_RENEWED, {
            **issuing.about(row["id"], sale.id, sale.organizer_id, row["ticket_type_id"], row["order_id"],
                            row["holder_id"]),
            "valid_until": new.valid_until.isoformat(), "previous_valid_until": row["valid_until"].isoformat()})
        renewed.append(row["id"])
    return renewed


async def _email_holders(platform: Platform, conn, ticket_ids: list[uuid.UUID]) -> None:
    """Each holder's renewed tickets emailed to them (those with an email address)."""
    by_holder = defaultdict(list)
    for ticket_id in ticket_ids:
        ticket = await repository.ticket(conn, ticket_id)
        by_holder[ticket.holder_id].append(ticket)
    for holder_id, held in by_holder.items():
        holder = await accounts.user_by_id(conn, holder_id)
        if holder is None or not holder.email:
            continue
        context = {**await tickets.email_context(platform, held), "renewed": True}
        await request_email(conn, to=holder.email, template=tickets.EMAIL_TEMPLATE, context=context,
                            rendered_first=False)
