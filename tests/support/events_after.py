"""What the tests of an event's life after the doors need beside the REST calls
(tests/support/events.py): paid ticket orders the short way (as tests/support/orders.py makes
commerce's): a hold opened for the order (``payments.holds.open_hold``) and funded as a
provider's callback funds it (``holds.fund_hold``), the order ``paid`` with its tickets issued
(signed by the active key, as tests/support/events.py's ``ticket_row`` signs them; the whole
road through checkout and the payments sandbox is tests/test_events_money.py's last test); the scheduled jobs made due;
the event's days moved so that one's doors are open now; check-ins through the REST route; and the REST calls."""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import random
import uuid

from nexgate.domain.events import signing, ticket_format
from nexgate.domain.payments import holds, ledger
from nexgate.domain.payments.ledger import Cause
from nexgate.keys import PLATFORM
from tests.support.commerce import call

CODE_LETTERS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclasses.dataclass(frozen=True)
class Paid:
    order_id: uuid.UUID
    hold_id: uuid.UUID | None
    total: int
    ticket_ids: list[uuid.UUID]


def _code() -> str:
    letters = "".join(random.choice(CODE_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


async def paid_order(client, event: dict, buyer: dict, *, ticket_type: dict | None = None, quantity: int = 1,
                     provider: str = "selcom") -> Paid:
    """A paid order of ``quantity`` tickets of ``ticket_type`` (the event's first by default) by
    ``buyer``: its hold funded with its total (none for a free type), its tickets valid."""
    kind = ticket_type or event["ticket_types"][0]
    price, buyer_id, event_id = kind["price"], uuid.UUID(buyer["id"]), uuid.UUID(event["id"])
    total, order_id = price * quantity, uuid.uuid4()
    key = uuid.uuid4().hex
    platform = client.app[PLATFORM]
    signer = await signing.active_key(platform)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    ticket_ids = [uuid.uuid4() for _ in range(quantity)]
    payloads = [ticket_format.encode(ticket_format.Payload(
        ticket_id, event_id, uuid.UUID(kind["id"]), frozenset(kind.get("days") or {1}), now,
        now + datetime.timedelta(days=30), signer.id)) for ticket_id in ticket_ids]
    signatures = ticket_format.sign(signer.id, signer.private_key_pem, platform.config.events_key_passphrase, payloads)
    async with platform.core.transaction("tests.paid_ticket_order") as conn:
        hold_id = None
        if total:
            hold = await holds.open_hold(conn, payable_kind="events.ticket_order", payable_id=order_id,
                                         currency=event["currency"], expected_amount=total,
                                         cause=Cause.user(buyer_id, "checkout"))
            hold_id = hold.id
        organizer = await conn.fetchval("SELECT organizer_id FROM events WHERE id = $1", event_id)
        await conn.execute(
            "INSERT INTO ticket_orders (id, event_id, buyer_id, organizer_id, state, currency, total, hold_id,"
            " idempotency_key, request_hash, paid_at) VALUES ($1, $2, $3, $4, 'paid', $5, $6, $7, $8, $9, now())",
            order_id, event_id, buyer_id, organizer, event["currency"], total, hold_id, key,
            hashlib.sha256(key.encode()).digest())
        await conn.execute("INSERT INTO ticket_order_lines (order_id, ticket_type_id, quantity, unit_price, line_total,"
                           " type_name) VALUES ($1, $2, $3, $4, $5, $6)", order_id, uuid.UUID(kind["id"]), quantity,
                           price, total, kind["name"])
        await conn.execute("UPDATE ticket_types SET committed = committed + $2 WHERE id = $1", uuid.UUID(kind["id"]),
                           quantity)
        for ticket_id, payload, signature in zip(ticket_ids, payloads, signatures):
            await conn.execute(
                "INSERT INTO tickets (id, event_id, ticket_type_id, order_id, holder_id, code, price, key_id, payload,"
                " signature, valid_from, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                ticket_id, event_id, uuid.UUID(kind["id"]), order_id, buyer_id, _code(), price, signer.id, payload,
                signature, now, now + datetime.timedelta(days=30))
        if total:
            txn = f"SEL-{uuid.uuid4().hex[:16]}"
            await holds.fund_hold(conn, hold_id=hold_id, amount=total, provider=provider, provider_transaction_id=txn,
                                  payer_id=buyer_id, cause=Cause.provider_callback(provider, txn, "payment confirmed"))
    return Paid(order_id, hold_id, total, ticket_ids)


async def hold_now(client, hold_id) -> holds.Hold:
    async with client.app[PLATFORM].core.connection() as conn:
        return await holds.get_hold(conn, hold_id=hold_id)


async def refunds(client, hold_id) -> list[holds.Refund]:
    async with client.app[PLATFORM].core.connection() as conn:
        return await holds.refunds(conn, hold_id=hold_id)


async def balance(client, user_id: str, currency: str = "TZS") -> int:
    """What the payments ledger owes the user (their payable balance)."""
    async with client.app[PLATFORM].core.connection() as conn:
        account = await ledger.owned_account(conn, kind=ledger.USER_PAYABLE, owner_id=uuid.UUID(user_id),
                                             currency=currency)
        return await ledger.balance(conn, account)


async def event_row(client, event_id) -> dict:
    async with client.app[PLATFORM].core.connection() as conn:
        return dict(await conn.fetchrow("SELECT * FROM events WHERE id = $1", uuid.UUID(str(event_id))))


async def make_due(client, job_id: uuid.UUID) -> None:
    """The scheduled job fires at the scheduler's next poll: its time is now."""
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE scheduled_jobs SET run_at = now() WHERE id = $1 AND fired_at IS NULL", job_id)


async def set_times(client, event_id, *, starts_at, ends_at) -> None:
    """Moves the event's (one) day into the past or near future: what days a REST edit refuses (a
    day that has ended) and the tests of the end need."""
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE event_days SET starts_at = $2, ends_at = $3 WHERE event_id = $1",
                           uuid.UUID(str(event_id)), starts_at, ends_at)
        await conn.execute("UPDATE events SET starts_at = $2, ends_at = $3 WHERE id = $1", uuid.UUID(str(event_id)),
                           starts_at, ends_at)


async def cancel(client, token, event_id, *, expect=200, **body) -> dict:
    return await call(client, "POST", f"/api/events/{event_id}/cancel", token, expect, json=body)


async def review(client, token, event_id, *, expect=201, **body) -> dict:
    return await call(client, "POST", f"/api/events/{event_id}/reviews", token, expect, json=body)


async def doors_open(client, event: dict, day: int = 1) -> None:
    """Moves the event's days (a day apart, six hours each) so that day ``day``'s doors are open
    now (it starts in half an hour, its doors an hour before): a day a REST edit may not put in
    the past, and what a check-in through the REST route needs."""
    event_id = uuid.UUID(str(event["id"]))
    first = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=30, days=1 - day)
    async with client.app[PLATFORM].core.transaction("tests.doors_open") as conn:
        await conn.execute("UPDATE event_days SET starts_at = $2::timestamptz + (number - 1) * interval '1 day',"
                           " ends_at = $2::timestamptz + (number - 1) * interval '1 day' + interval '6 hours',"
                           " doors_open = interval '1 hour' WHERE event_id = $1", event_id, first)
        await conn.execute("UPDATE events e SET starts_at = d.first, ends_at = d.last FROM (SELECT min(starts_at)"
                           " AS first, max(ends_at) AS last FROM event_days WHERE event_id = $1) d WHERE e.id = $1",
                           event_id)


async def check_in(client, event: dict, ticket_id, *, holder: dict, by: dict, gate: str | None = None) -> dict:
    """The ticket admitted through the REST check-in route (``POST /api/events/{id}/checkins``) by
    ``by`` (the organizer or a staff member) scanning the QR code its ``holder``'s app shows,
    on the day whose doors are open now (``doors_open``): the admission as the route answers it."""
    shown = await call(client, "GET", f"/api/tickets/{ticket_id}", holder, 200)
    return await call(client, "POST", f"/api/events/{event['id']}/checkins", by, 201,
                      json={"qr": shown["qr"], "gate": gate})


async def add_staff(client, event: dict, member: dict, role: str) -> None:
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("INSERT INTO event_staff (event_id, user_id, role, state, invited_by, accepted_at)"
                           " SELECT $1, $2, $3, 'active', organizer_id, now() FROM events WHERE id = $1",
                           uuid.UUID(event["id"]), uuid.UUID(member["id"]), role)
