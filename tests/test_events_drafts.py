"""Making an event through the real app: one draft per user, each step saved and checked on its
own, publishing validating the whole (every missing field named), editing a published event,
ticket types and their quantities, unpublishing before any sale; every refusal with nothing written."""
from __future__ import annotations

import asyncio
import datetime
import uuid

import orjson

from tests.support.commerce import call, rows
from tests.support.events import (STREAM, VENUE, category_id, days_body, draft, event_page, filled_draft, publish,
                                  published_event, step, unpublish)
from tests.support.shared_app import module_client
from tests.support.users import user

pytestmark, client = module_client("events_drafts")  # one app for the module's tests


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
    await step(client, amina, made["id"], "place", {"format": "online"})
    refused = await publish(client, amina, made["id"], expect=422)
    assert refused["error"]["details"]["steps"]["place"] == ["streaming_url"]


async def test_a_ticket_type_left_without_a_day_is_named_at_publishing(client):
    amina = await user(client)
    made = await filled_draft(client, amina, days=2, ticket_types=(
        dict(kind="free", name="Entry", quantity=10), dict(kind="vip", name="Day two", price=10, quantity=5, days=[2])))
    shorter = await step(client, amina, made["id"], "schedule", {"days": days_body(1)})
    assert [t["days"] for t in shorter["ticket_types"]] == [[1], []]
    refused = await publish(client, amina, made["id"], expect=422)
    assert refused["error"]["details"]["fields"] == {"ticket_types": {"1": {"days": [
        "Name at least one day this ticket admits."]}}}


async def _committed(client, ticket_type_id: str, n: int) -> None:
    """Tickets sold or reserved, as a purchase (lane B's) records them."""
    async with _conn(client) as conn:
        await conn.execute("UPDATE ticket_types SET committed = $2 WHERE id = $1", uuid.UUID(ticket_type_id), n)


def _conn(client):
    from nexgate.keys import PLATFORM
    return client.app[PLATFORM].core.connection()


async def test_the_schedule_refuses_a_bad_time_zone_and_days_out_of_order_or_overlapping(client):
    amina = await user(client)
    made = await draft(client, amina)
    refused = await step(client, amina, made["id"], "schedule", {"time_zone": "Africa/Atlantis", "days": []},
                         expect=422)
    assert set(refused["error"]["details"]["fields"]) == {"time_zone"}
    refused = await step(client, amina, made["id"], "schedule", {"time_zone": "EAT", "days": []}, expect=422)
    assert set(refused["error"]["details"]["fields"]) == {"time_zone"}
    two = days_body(2)
    refused = await step(client, amina, made["id"], "schedule", {"days": [two[1], two[0]]}, expect=422)
    assert refused["error"]["details"]["fields"] == {"days": {"1": {"starts_at": [
        "Starts before day 1 ends: days are in time order and do not overlap."]}}}
    overlapping = [two[0], {"starts_at": two[0]["starts_at"], "ends_at": two[0]["ends_at"]}]
    refused = await step(client, amina, made["id"], "schedule", {"days": overlapping}, expect=422)
    assert set(refused["error"]["details"]["fields"]["days"]["1"]) == {"starts_at"}
    backwards = [{"starts_at": two[0]["ends_at"], "ends_at": two[0]["starts_at"]}]
    refused = await step(client, amina, made["id"], "schedule", {"days": backwards}, expect=422)
    assert refused["error"]["details"]["fields"] == {"days": {"0": {"ends_at": ["A day ends after it starts."]}}}
    refused = await step(client, amina, made["id"], "schedule", {"days": [{"starts_at": "soon"}]}, expect=422)
    assert set(refused["error"]["details"]["fields"]["days"]["0"]) == {"starts_at", "ends_at"}
    page = await event_page(client, amina, made["id"])
    assert page["days"] == [] and page["time_zone"] == "Africa/Nairobi"
    assert not next(s for s in page["draft"]["steps"] if s["name"] == "schedule")["saved"]


async def test_a_time_without_an_offset_is_read_in_the_events_time_zone_and_shown_in_it(client):
    amina = await user(client)
    made = await draft(client, amina)
    year = datetime.date.today().year + 1
    saved = await step(client, amina, made["id"], "schedule", {"time_zone": "Africa/Lagos", "days": [
        {"starts_at": f"{year}-03-10T18:00:00", "ends_at": f"{year}-03-10T23:00:00", "doors_open_minutes": 30}]})
    assert saved["time_zone"] == "Africa/Lagos" and saved["kind"] == "one_time"
    day = saved["days"][0]
    assert day["starts_at"] == f"{year}-03-10T17:00:00+00:00" and day["local"]["starts_at"] == f"{year}-03-10T18:00:00+01:00"
    assert day["doors_open_at"] == f"{year}-03-10T16:30:00+00:00" and day["doors_open_minutes"] == 30
    assert saved["starts_at"] == day["starts_at"] and saved["ends_at"] == f"{year}-03-10T22:00:00+00:00"
    again = await step(client, amina, made["id"], "schedule", {"days": [
        {"starts_at": f"{year}-03-10T18:00:00+03:00", "ends_at": f"{year}-03-10T23:00:00+03:00"},
        {"starts_at": f"{year}-03-11T18:00:00+03:00", "ends_at": f"{year}-03-11T23:00:00+03:00"}]})
    assert again["time_zone"] == "Africa/Nairobi" and again["days"][0]["id"] == day["id"]
    assert again["kind"] == "multi_day" and again["ends_at"] == f"{year}-03-11T20:00:00+00:00"
    stored = await rows(client, "SELECT starts_at, ends_at FROM events WHERE id = $1", uuid.UUID(made["id"]))
    assert stored[0]["starts_at"].isoformat() == f"{year}-03-10T15:00:00+00:00"
    shorter = await step(client, amina, made["id"], "schedule", {"days": again["days"][1:2] and [
        {"starts_at": f"{year}-03-11T18:00:00+03:00", "ends_at": f"{year}-03-11T23:00:00+03:00"}]})
    assert len(shorter["days"]) == 1 and shorter["days"][0]["id"] == day["id"]
    assert shorter["ends_at"] == f"{year}-03-11T20:00:00+00:00"


async def test_the_place_and_tickets_steps_refuse_bad_fields(client):
    amina = await user(client)
    made = await draft(client, amina)
    refused = await step(client, amina, made["id"], "place", {"format": "online", "streaming_url": "http://x.y/z"},
                         expect=422)
    assert set(refused["error"]["details"]["fields"]) == {"streaming_url"}
    refused = await step(client, amina, made["id"], "place", {"format": "in_person", "latitude": 1.0}, expect=422)
    assert set(refused["error"]["details"]["fields"]) == {"longitude"}
    refused = await step(client, amina, made["id"], "place", {"format": "in_person", "venue_address": {
        "line1": "x", "city": "Moshi", "country": "Tanzania"}}, expect=422)
    assert set(refused["error"]["details"]["fields"]["venue_address"]) == {"country"}
    await step(client, amina, made["id"], "schedule", {"days": days_body(2)})
    refused = await step(client, amina, made["id"], "tickets", {"ticket_types": [
        dict(kind="free", name="Free", price=100, quantity=5),
        dict(kind="paid", name="Paid", quantity=5),
        dict(kind="vip", name="VIP", price=10, quantity=5, days=[3]),
        dict(kind="early_bird", name="Early", price=10, quantity=5, sales_start_at="2030-01-02T00:00:00Z",
             sales_end_at="2030-01-01T00:00:00Z"),
        dict(kind="paid", name="Twice", price=10, quantity=5, days=[1, 1]),
        dict(kind="paid", name="Unknown", price=10, quantity=5, id=str(uuid.uuid4()))]}, expect=422)
    assert refused["error"]["details"]["fields"]["ticket_types"] == {
        "0": {"price": ["A free ticket costs 0."]},
        "1": {"price": ["A paid ticket has a price (integer minor units): a free one is kind free."]},
        "2": {"days": ["The event has no day 3 (it has 2)."]},
        "3": {"sales_end_at": ["Sales end after they start."]},
        "4": {"days": ["A day is named twice."]},
        "5": {"id": ["No such ticket type of this event."]}}
    refused = await step(client, amina, made["id"], "tickets", {"ticket_types": [
        dict(kind="gold", name="G", quantity=0, per_order_limit=101)]}, expect=422)
    assert set(refused["error"]["details"]["fields"]["ticket_types"]["0"]) == {"kind", "quantity", "per_order_limit"}
    assert (await event_page(client, amina, made["id"]))["ticket_types"] == []


async def test_a_sale_ends_before_the_last_day_it_admits_and_publish_refuses_a_begun_event(client):
    amina = await user(client)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    made = await filled_draft(client, amina, days=[{"starts_at": past.isoformat(),
                                                    "ends_at": (past + datetime.timedelta(hours=5)).isoformat()}])
    await step(client, amina, made["id"], "tickets", {"ticket_types": [dict(
        kind="free", name="Entry", quantity=5, sales_end_at=(past + datetime.timedelta(days=1)).isoformat())]})
    refused = await publish(client, amina, made["id"], expect=422)
    assert refused["error"]["details"]["fields"] == {
        "days": {"0": {"starts_at": ["This day has begun already: an event is published before it starts."]}},
        "ticket_types": {"0": {"sales_end_at": ["Sales end after the last day this ticket admits ends."]}}}


async def test_a_published_event_is_edited_and_its_changes_named(client):
    amina = await user(client)
    event = await published_event(client, amina, format="online")
    await step(client, amina, event["id"], "basics", {"title": "New title", "description": event["description"],
                                                       "category_id": event["category_id"]})
    await step(client, amina, event["id"], "place", {"format": "online", "streaming_url": "https://other.example/x"})
    await step(client, amina, event["id"], "schedule", {"days": days_body(1, hours=3)})
    await step(client, amina, event["id"], "place", {"format": "in_person", **VENUE})
    same = await step(client, amina, event["id"], "place", {"format": "in_person", **VENUE})
    assert same["venue"]["name"] == VENUE["venue_name"] and same["streaming_url"] is None
    changed = await _outbox(client, "events.event.changed", event["id"])
    assert [c["fields"] for c in changed] == [["title"], ["streaming_link"], ["schedule"],
                                              ["place", "streaming_link"]]  # the place saved again: no change
    assert changed[0]["title"] == "New title" and changed[0]["organizer_id"] == amina["id"]
    longer = await step(client, amina, event["id"], "schedule", {"days": days_body(2, hours=3)})
    assert longer["ticket_types"][0]["days"] == [1, 2]  # it admitted every day: it admits the new one
    refused = await step(client, amina, event["id"], "basics", {"title": "Only a title"}, expect=422)
    assert refused["error"]["code"] == "event_incomplete"
    assert set(refused["error"]["details"]["fields"]) == {"description", "category_id"}
    refused = await step(client, amina, event["id"], "tickets", {"ticket_types": []}, expect=422)
    assert set(refused["error"]["details"]["fields"]) == {"ticket_types"}
    assert (await event_page(client, None, event["id"]))["title"] == "New title"
    assert len(await _outbox(client, "events.event.changed", event["id"])) == 5
    await _committed(client, event["ticket_types"][0]["id"], 1)
    refused = await step(client, amina, event["id"], "schedule", {"days": days_body(1)}, expect=409)
    assert refused["error"]["code"] == "event_days_sold"
    assert len((await event_page(client, None, event["id"]))["days"]) == 2
    juma = await user(client)
    refused = await step(client, juma, event["id"], "basics", {"title": "Mine"}, expect=403)
    assert refused["error"]["code"] == "not_event_organizer"


async def test_ticket_types_are_added_and_raised_but_never_below_what_is_committed(client):
    amina = await user(client)
    event = await published_event(client, amina, ticket_types=(dict(kind="paid", name="Regular", price=1_000_000,
                                                                    quantity=10),))
    regular = event["ticket_types"][0]
    await _committed(client, regular["id"], 7)
    path = f"/api/events/{event['id']}/ticket-types/{regular['id']}"
    refused = await call(client, "PATCH", path, amina, 409, json={"quantity": 6})
    assert refused["error"]["code"] == "quantity_below_committed" and refused["error"]["details"]["committed"] == 7
    refused = await call(client, "PATCH", path, amina, 409, json={"price": 900_000})
    assert refused["error"]["code"] == "ticket_type_sold"
    raised = await call(client, "PATCH", path, amina, 200, json={"quantity": 25, "name": "Standard"})
    assert raised["ticket_types"][0]["quantity"] == 25 and raised["ticket_types"][0]["available"] == 18
    lowered = await call(client, "PATCH", path, amina, 200, json={"quantity": 7})
    assert lowered["ticket_types"][0]["available"] == 0 and lowered["ticket_types"][0]["sales_state"] == "sold_out"
    refused = await step(client, amina, event["id"], "tickets", {"ticket_types": [
        dict(kind="free", name="Other", quantity=5)]}, expect=409)
    assert refused["error"]["code"] == "ticket_type_sold"
    refused = await step(client, amina, event["id"], "tickets", {"ticket_types": [
        dict(id=regular["id"], kind="paid", name="Standard", price=1_000_000, quantity=3)]}, expect=409)
    assert refused["error"]["code"] == "quantity_below_committed"
    refused = await step(client, amina, event["id"], "tickets", {"currency": "KES", "ticket_types": [
        dict(id=regular["id"], kind="paid", name="Standard", price=1_000_000, quantity=7)]}, expect=409)
    assert refused["error"]["code"] == "currency_locked"
    added = await call(client, "POST", f"/api/events/{event['id']}/ticket-types", amina, 201,
                       json=dict(kind="vip", name="VIP", price=5_000_000, quantity=5, visibility="hidden"))
    vip = added["ticket_types"][1]
    assert vip["visibility"] == "hidden" and vip["days"] == [1]
    assert [t["name"] for t in (await event_page(client, None, event["id"]))["ticket_types"]] == ["Standard"]
    await call(client, "PATCH", f"/api/events/{event['id']}/ticket-types/{uuid.uuid4()}", amina, 404,
               json={"quantity": 5})
    availability = await _outbox(client, "events.availability.changed", event["id"])
    assert [a["ticket_type_ids"] for a in availability] == [[regular["id"]], [regular["id"]], [vip["id"]]]
    assert (await rows(client, "SELECT quantity, committed FROM ticket_types WHERE id = $1",
                       uuid.UUID(regular["id"])))[0] == (7, 7)


async def test_unpublished_before_any_sale_and_published_again_but_not_after_one(client):
    amina = await user(client)
    event = await published_event(client, amina)
    down = await unpublish(client, amina, event["id"])
    assert down["state"] == "unpublished"
    assert (await unpublish(client, amina, event["id"]))["state"] == "unpublished"
    edited = await step(client, amina, event["id"], "basics", {"title": "Renamed", "description": "d",
                                                                "category_id": event["category_id"]})
    assert edited["title"] == "Renamed"
    assert await _outbox(client, "events.event.changed", event["id"]) == []
    again = await publish(client, amina, event["id"])
    assert again["state"] == "published"
    await _committed(client, event["ticket_types"][0]["id"], 1)
    refused = await unpublish(client, amina, event["id"], expect=409)
    assert refused["error"]["code"] == "event_has_sales"
    assert (await event_page(client, None, event["id"]))["state"] == "published"
    assert [e["event_id"] for e in await _outbox(client, "events.event.unpublished", event["id"])] == [event["id"]]
    refused = await call(client, "DELETE", f"/api/events/{event['id']}", amina, 409)
    assert refused["error"]["code"] == "event_not_draft"


async def test_a_draft_is_thrown_away_and_a_new_one_started(client):
    amina, juma = await user(client), await user(client)
    made = await draft(client, amina, expect=201)
    await call(client, "DELETE", f"/api/events/{made['id']}", juma, 404)
    await call(client, "DELETE", f"/api/events/{made['id']}", amina, 204)
    await event_page(client, amina, made["id"], expect=404)
    assert (await draft(client, amina, expect=201))["id"] != made["id"]


async def test_two_drafts_asked_for_at_once_are_one(client):
    amina = await user(client)
    made = await asyncio.gather(*(draft(client, amina) for _ in range(4)))
    assert len({m["id"] for m in made}) == 1
    assert (await rows(client, "SELECT count(*) AS n FROM events WHERE organizer_id = $1",
                       uuid.UUID(amina["id"])))[0]["n"] == 1
