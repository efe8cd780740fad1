"""Clients of the events API as an app would call them (docs/events.md).

Each helper takes the acting user's token response (``tests.support.users.user``; None for an
anonymous call) and asserts the expected status (``expect``), returning the decoded body.
``published_event`` makes a whole event through the REST API, step by step, and answers its
organizer view (its days and ticket types with their ids)."""
from __future__ import annotations

import datetime
import itertools
import secrets
import uuid

from nexgate.domain.events import signing, ticket_format
from nexgate.keys import PLATFORM
from tests.support.commerce import call
from tests.support.event_tickets import buy

_numbers = itertools.count(1)
VENUE = {"venue_name": "Diamond Jubilee Hall",
         "venue_address": {"line1": "Ali Hassan Mwinyi Rd", "city": "Dar es Salaam", "region": "Dar es Salaam",
                           "country": "TZ"},
         "latitude": -6.7924, "longitude": 39.2083}
STREAM = "https://meet.example.com/nexgate-live"


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def days_body(days: int = 1, *, start: datetime.datetime | None = None, hours: int = 6) -> list[dict]:
    """``days`` consecutive days, the first starting ``start`` (default: in three days, 15:00Z)."""
    start = start or (datetime.datetime.now(datetime.timezone.utc).replace(hour=15, minute=0, second=0, microsecond=0)
                      + datetime.timedelta(days=3))
    return [{"starts_at": _iso(start + datetime.timedelta(days=n)),
             "ends_at": _iso(start + datetime.timedelta(days=n, hours=hours))} for n in range(days)]


async def category_id(client, slug: str = "music") -> str:
    found = (await call(client, "GET", "/api/events/categories", None, 200))["items"]
    return next(c["id"] for c in found if c["slug"] == slug)


async def draft(client, token: dict, *, expect: int | None = None) -> dict:
    """The caller's draft (a new one: 201; the one they have: 200; ``expect`` None takes either)."""
    response = await client.post("/api/events/drafts", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert response.status in ((201, 200) if expect is None else (expect,)), await response.text()
    return await response.json()


async def step(client, token: dict, event_id: str, name: str, body: dict, *, expect: int = 200) -> dict:
    return await call(client, "PUT", f"/api/events/{event_id}/{name}", token, expect, json=body)


async def publish(client, token: dict, event_id: str, *, expect: int = 200) -> dict:
    return await call(client, "POST", f"/api/events/{event_id}/publish", token, expect)


async def unpublish(client, token: dict, event_id: str, *, expect: int = 200) -> dict:
    return await call(client, "POST", f"/api/events/{event_id}/unpublish", token, expect)


async def event_page(client, token: dict | None, event_id: str, *, expect: int = 200,
                     user_agent: str | None = None) -> dict:
    """The event's page as ``token``'s user (None: anonymous, from the device ``user_agent``) sees it."""
    headers = {"Authorization": f"Bearer {token['access_token']}"} if token else {}
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    response = await client.get(f"/api/events/{event_id}", headers=headers)
    assert response.status == expect, f"GET /api/events/{event_id}: {response.status} {await response.text()}"
    return await response.json()


async def filled_draft(client, token: dict, *, format: str = "in_person", days: int = 1,
                       ticket_types=(dict(kind="free", name="Entry", quantity=100),), **fields) -> dict:
    """A draft with every step saved: ``days`` a number of days (from three days on) or a list of
    day bodies; ``fields`` override a step's field (``title``, ``description``, ``category_id``,
    ``cover_media_id``, ``time_zone``, ``streaming_url``, ``currency``)."""
    made = await draft(client, token)
    if made["state"] != "draft":
        raise AssertionError(made)
    event_id = made["id"]
    basics = {"title": fields.pop("title", f"Tamasha {next(_numbers)}"),
              "description": fields.pop("description", "An evening of music."),
              "category_id": fields.pop("category_id", None) or await category_id(client),
              "cover_media_id": fields.pop("cover_media_id", None)}
    await step(client, token, event_id, "basics", basics)
    schedule = {"time_zone": fields.pop("time_zone", "Africa/Nairobi"),
                "days": days_body(days) if isinstance(days, int) else list(days)}
    await step(client, token, event_id, "schedule", schedule)
    place = {"format": format, **(VENUE if format == "in_person" else {"streaming_url": fields.pop("streaming_url",
                                                                                                    STREAM)})}
    await step(client, token, event_id, "place", place)
    tickets = {"ticket_types": [dict(t) for t in ticket_types]}
    if "currency" in fields:
        tickets["currency"] = fields.pop("currency")
    if fields:
        raise TypeError(f"unknown fields {sorted(fields)}")
    return await step(client, token, event_id, "tickets", tickets)


async def published_event(client, token: dict, *, format: str = "in_person", days: int = 1,
                          ticket_types=(dict(kind="free", name="Entry", quantity=100),), **fields) -> dict:
    """An event made step by step through the REST API and published: its organizer view (with
    its days and ticket types, ids included)."""
    made = await filled_draft(client, token, format=format, days=days, ticket_types=ticket_types, **fields)
    return await publish(client, token, made["id"])


async def ticket_row(client, event: dict, holder_id: str, *, state: str = "valid", ticket_type: int = 0) -> str:
    """A ticket of the event's ``ticket_type``-th type held by ``holder_id``, written straight into
    the tables (a paid-for order of it included, its payload signed by the active key): for the
    tests of who sees what, which do not buy. Its id."""
    platform = client.app[PLATFORM]
    key = await signing.active_key(platform)
    order_id, ticket_id = uuid.uuid4(), uuid.uuid4()
    type_id = uuid.UUID(event["ticket_types"][ticket_type]["id"])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    until = now + datetime.timedelta(days=30)
    payload = ticket_format.encode(ticket_format.Payload(ticket_id, uuid.UUID(event["id"]), type_id, frozenset({1}),
                                                         now, until, key.id))
    signature, = ticket_format.sign(key.id, key.private_key_pem, platform.config.events_key_passphrase, [payload])
    async with platform.core.connection() as conn:
        await conn.execute(
            "INSERT INTO ticket_orders (id, event_id, buyer_id, organizer_id, state, currency, total, idempotency_key,"
            " request_hash, paid_at) VALUES ($1, $2, $3, $4, 'paid', $5, 0, $6, $7, now())",
            order_id, uuid.UUID(event["id"]), uuid.UUID(holder_id), uuid.UUID(event["organizer"]["id"]),
            event["currency"], uuid.uuid4().hex, b"\0" * 32)
        code = "".join(secrets.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))
        await conn.execute(
            "INSERT INTO tickets (id, event_id, ticket_type_id, order_id, holder_id, state, code, price, key_id,"
            " payload, signature, valid_from, valid_until, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8,"
            " $9, $10, $11, $12, CASE WHEN $6 = 'valid' THEN NULL ELSE now() END)",
            ticket_id, uuid.UUID(event["id"]), type_id, order_id, uuid.UUID(holder_id), state,
            f"{code[:4]}-{code[4:]}", key.id, payload, signature, now, until)
    return str(ticket_id)


async def free_tickets(client, token, event, *, quantity=1) -> list[dict]:
    """``quantity`` tickets of the event's first free ticket type bought by ``token``'s user (a
    free checkout is paid at once): each ticket as its holder sees it, with ``qr`` (the QR text)
    and ``code`` (the short code)."""
    free = next(kind for kind in event["ticket_types"] if kind.get("kind", "free") == "free")
    order = await buy(client, token, event, [{"ticket_type_id": free["id"], "quantity": quantity}])
    assert order["state"] == "paid", order
    return order["tickets"]
