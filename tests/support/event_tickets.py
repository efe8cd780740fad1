"""Buying tickets as an app does it, and the events it buys them for.

``sale_event`` writes a published event with its days and ticket types straight into the
events tables, as the organizer's publishing leaves them (the tickets tests do not depend on
the drafts' REST flow); ``tests/support/events.py`` has the REST-made ones."""
from __future__ import annotations

import datetime
import uuid

import orjson

from nexgate.keys import PLATFORM
from tests.support.auth import bearer
from tests.support.payment_methods import call

NOW = datetime.datetime.now(datetime.UTC)


def _at(hours: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)


async def sale_event(client, organizer: dict, *, format: str = "in_person", days: int = 1,
                     ticket_types=(dict(kind="free", name="Entry", quantity=100),), state: str = "published",
                     currency: str = "TZS", starts_in_h: float = 48) -> dict:
    """A published event of ``organizer`` starting in ``starts_in_h`` hours, each day 8 hours long
    a day apart; each ticket type a dict of ticket_types' columns (``days``: the day numbers it
    admits, all by default). ``{"id", "organizer_id", "days": [{id, number}], "ticket_types": [{id, ...}]}``."""
    event_id = uuid.uuid4()
    starts = _at(starts_in_h)
    async with client.app[PLATFORM].core.transaction("tests.sale_event") as conn:
        await conn.execute(
            "INSERT INTO events (id, organizer_id, state, title, description, format, currency, venue_name,"
            " streaming_url, starts_at, ends_at, published_at, steps_done)"
            " VALUES ($1, $2, $3, $4, 'A test event', $5, $6, $7, $8, $9, $10, now(), '{basics,schedule,place,tickets}')",
            event_id, uuid.UUID(organizer["id"]), state, "Kilimanjaro Jazz Night", format, currency,
            "Mlimani City Hall" if format == "in_person" else None,
            "https://stream.example.co.tz/live/kjn" if format == "online" else None,
            starts, starts + datetime.timedelta(days=days - 1, hours=8))
        day_rows = []
        for number in range(1, days + 1):
            day_id = uuid.uuid4()
            day_start = starts + datetime.timedelta(days=number - 1)
            await conn.execute("INSERT INTO event_days (id, event_id, number, starts_at, ends_at) VALUES ($1, $2, $3,"
                               " $4, $5)", day_id, event_id, number, day_start, day_start + datetime.timedelta(hours=8))
            day_rows.append({"id": str(day_id), "number": number})
        types = []
        for position, fields in enumerate(ticket_types):
            fields = dict(fields)
            admits = fields.pop("days", None)
            type_id = uuid.uuid4()
            columns = {"kind": "free", "name": "Entry", "quantity": 100, "price": 0, **fields}
            if columns["kind"] != "free" and "price" not in fields:
                columns["price"] = 500_000
            names = ", ".join(columns)
            values = ", ".join(f"${n}" for n in range(4, 4 + len(columns)))
            await conn.execute(f"INSERT INTO ticket_types (id, event_id, position, {names}) VALUES ($1, $2, $3, {values})",
                               type_id, event_id, position, *columns.values())
            for number in admits or ():
                await conn.execute("INSERT INTO ticket_type_days (ticket_type_id, day_id) VALUES ($1, $2)", type_id,
                                   uuid.UUID(day_rows[number - 1]["id"]))
            types.append({"id": str(type_id), **columns})
    return {"id": str(event_id), "organizer_id": organizer["id"], "format": format, "days": day_rows,
            "ticket_types": types, "currency": currency}


async def buy(client, tokens: dict, event: dict, lines: list[dict] | None = None, *, quantity: int = 1,
              expect: int | None = 201, key: str | None = None, **body) -> dict:
    """``POST /api/events/{id}/checkout`` as an app sends it (the event's first ticket type unless
    ``lines`` says), with a new Idempotency-Key unless given one."""
    if lines is None:
        lines = [{"ticket_type_id": event["ticket_types"][0]["id"], "quantity": quantity}]
    path = f"/api/events/{event['id']}/checkout"
    data = orjson.dumps({"lines": lines, **body}, default=str)
    headers = {"Idempotency-Key": key or str(uuid.uuid4()), "Content-Type": "application/json"}
    if expect is None:  # whatever it answers: (status, body)
        response = await client.post(path, data=data, headers={**headers, **bearer(tokens)})
        return response.status, await response.json()
    return await call(client, "POST", path, tokens, expect, data=data, headers=headers)


async def committed(client, ticket_type_id: str) -> int:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("SELECT committed FROM ticket_types WHERE id = $1", uuid.UUID(ticket_type_id))


async def value(client, sql: str, *args):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval(sql, *args)
