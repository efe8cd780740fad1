"""Making an event through the real app: one draft per user, each step saved and checked on its
own, publishing validating the whole (every missing field named), editing a published event,
ticket types and their quantities, unpublishing before any sale; every refusal with nothing written."""
from __future__ import annotations

import datetime

import orjson

from tests.support.commerce import call, rows
from tests.support.events import (STREAM, VENUE, category_id, days_body, draft, event_page, filled_draft, publish,
                                  published_event, step, unpublish)
from tests.support.users import user


async def _outbox(client, routing_key: str, event_id: str) -> list[dict]:
    found = await rows(client, "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'event_id' = $2"
                               " ORDER BY created_at", routing_key, event_id)
    return [orjson.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"] for r in found]


async def test_an_event_is_made_step_by_step_and_published(client):
    amina = await user(client)
    made = await draft(client, amina, expect=201)
    assert made["state"] == "draft" and made["time_zone"] == "Africa/Nairobi"
    assert [s["name"] for s in made["draft"]["steps"]] == ["basics", "schedule", "place", "tickets"]
    assert not made["draft"]["ready"] and all(not s["saved"] for s in made["draft"]["steps"])
    again = await draft(client, amina, expect=200)
    assert again["id"] == made["id"]
    event = await published_event(client, amina, days=2, ticket_types=(
        dict(kind="free", name="Entry", quantity=100),
        dict(kind="vip", name="VIP", price=5_000_000, quantity=20, days=[2])))
    assert event["state"] == "published" and event["kind"] == "multi_day" and len(event["days"]) == 2
    assert event["starts_at"] == event["days"][0]["starts_at"] and event["ends_at"] == event["days"][1]["ends_at"]
    vip = event["ticket_types"][1]
    assert vip["days"] == [2] and vip["day_ids"] == [event["days"][1]["id"]] and vip["available"] == 20
    assert event["ticket_types"][0]["days"] == [1, 2]
    page = await event_page(client, None, event["id"])
    assert page["title"] == event["title"] and page["draft"] is None and page["viewer_role"] is None
    published = await _outbox(client, "events.event.published", event["id"])
    assert published == [{"event_id": event["id"], "organizer_id": amina["id"], "title": event["title"]}]


async def test_publishing_an_incomplete_draft_names_every_missing_field(client):
    amina = await user(client)
    made = await draft(client, amina)
    refused = await publish(client, amina, made["id"], expect=422)
    assert refused["error"]["code"] == "event_incomplete"
    assert set(refused["error"]["details"]["fields"]) == {"title", "description", "category_id", "days", "format",
                                                          "ticket_types"}
    await step(client, amina, made["id"], "basics", {"title": "Jazz night"})
    await step(client, amina, made["id"], "place", {"format": "in_person", "venue_name": "Hall"})
    page = await event_page(client, amina, made["id"])
    basics = next(s for s in page["draft"]["steps"] if s["name"] == "basics")
    assert basics == {"name": "basics", "saved": True, "missing": ["category_id", "description"]}
    refused = await publish(client, amina, made["id"], expect=422)
    assert refused["error"]["details"]["fields"] == {
        "description": ["Missing."], "category_id": ["Missing."], "days": ["Add at least one day."],
        "venue_address": ["Missing."], "latitude": ["Missing."], "longitude": ["Missing."],
        "ticket_types": ["Add at least one ticket type."]}
    assert refused["error"]["details"]["steps"]["place"] == ["latitude", "longitude", "venue_address"]
    assert (await event_page(client, amina, made["id"]))["state"] == "draft"
    assert await _outbox(client, "events.event.published", made["id"]) == []
