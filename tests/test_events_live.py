"""An event's live topic and its change notice through the real app, the outbox relay, RabbitMQ,
the events_live and events_notices groups, Redis and the notification service: availability and
page frames on ``event:<id>`` to whoever may see the page, and "event changed" told to each
holder of a valid ticket, in their language, when its time, place or streaming link changes."""
from __future__ import annotations

import dataclasses

import pytest

from nexgate.client import LiveError
from nexgate.domain.events.live import TOPIC_LIVE
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.commerce import call, rows
from tests.support.events import VENUE, days_body, event_page, filled_draft, published_event, step, ticket_row
from tests.support.notifications import WORKERS, centre, event_ids, handled, person
from tests.support.users import block


def _tokens(api) -> dict:
    return {**api.tokens, "id": str(api.user_id)}


async def _told_live(client, event_id: str) -> None:
    """Wait until the events_live group has handled every topic event of the event so far."""
    async def done():
        found = await rows(client, """
            SELECT count(*) = count(p.event_id) AS all_handled
              FROM outbox o LEFT JOIN processed_events p ON p.event_id = o.id AND p.consumer = 'events_live'
             WHERE o.payload ->> 'event_id' = $1 AND o.routing_key = ANY($2)""", event_id, list(TOPIC_LIVE))
        return found[0]["all_handled"]

    await eventually(done, timeout=20)


async def _frame(device, event: str) -> dict:
    while (frame := await device.next_event(timeout=10))["event"] != event:
        pass
    return frame


@pytest.fixture
async def live_app(make_client, config):
    return await make_client(dataclasses.replace(config, bus_prefetch=1), worker_names=("outbox-relay", "events_live"))


async def test_an_events_topic_carries_its_availability_and_page_to_whoever_may_see_it(live_app, users):
    client = live_app
    organizer, watcher_api, blocked = [await users.new(client.server) for _ in range(3)]
    amina = _tokens(organizer)
    event = await published_event(client, amina, ticket_types=(
        dict(kind="paid", name="Regular", price=1_000_000, quantity=10),
        dict(kind="vip", name="Backstage", price=9_000_000, quantity=2, visibility="hidden")))
    draft = await filled_draft(client, amina)
    await block(client, amina, str(blocked.user_id))
    watcher, snoop = await watcher_api.live(), await blocked.live()
    topic = f"event:{event['id']}"
    await _told_live(client, event["id"])
    await watcher.subscribe(topic)
    for device, refused_topic in ((snoop, topic), (watcher, f"event:{draft['id']}"), (watcher, "event:nope")):
        with pytest.raises(LiveError) as refused:
            await device.subscribe(refused_topic)
        assert refused.value.code in ("event_not_found", "unknown_topic")
    regular, backstage = event["ticket_types"]
    await call(client, "PATCH", f"/api/events/{event['id']}/ticket-types/{regular['id']}", amina, 200,
               json={"quantity": 12})
    frame = await _frame(watcher, "events.availability.changed")
    assert (frame["type"], frame["topic"]) == ("topic", topic)
    public = await event_page(client, None, event["id"])
    assert frame["data"] == {"event_id": event["id"], "ticket_types": public["ticket_types"],
                             "gone_ticket_type_ids": []}
    assert frame["data"]["ticket_types"][0]["available"] == 12
    await call(client, "PATCH", f"/api/events/{event['id']}/ticket-types/{backstage['id']}", amina, 200,
               json={"quantity": 3})
    await step(client, amina, event["id"], "basics", {"title": "Renamed", "description": "New words.",
                                                       "category_id": event["category_id"]})
    seen = []
    while (frame := await watcher.next_event(timeout=10))["data"].get("fields") != ["title", "description"]:
        seen.append(frame)  # the ticket types' edits above
    # the ticket types' edits, each also a page change; a hidden type's availability is shown to no one
    assert [f["data"] for f in seen if f["event"] == "events.availability.changed"] == [
        {"event_id": event["id"], "ticket_types": [], "gone_ticket_type_ids": [backstage["id"]]}]
    assert {tuple(f["data"]["fields"]) for f in seen if f["event"] == "events.event.changed"} == {("ticket_types",)}
    assert frame["data"]["event"] == await event_page(client, None, event["id"])
    assert frame["data"]["event"]["streaming_url"] is None and frame["data"]["event"]["draft"] is None
    for device in (watcher, snoop):
        await device.close()


async def test_ticket_holders_are_told_when_the_time_or_place_changes_in_their_language(make_client, config, users):
    client = await make_client(config, worker_names=[*WORKERS, "events_notices"])
    organizer, holder, holder_sw, refunded, blocked_holder = [await person(client, users) for _ in range(5)]
    await holder_sw.request("PATCH", f"/api/users/{holder_sw.user_id}", json={"language": "sw"})
    amina = _tokens(organizer)
    event = await published_event(client, amina, title="Usiku wa Jazz")
    for api in (holder, holder_sw, blocked_holder):
        await ticket_row(client, event, str(api.user_id))
    await ticket_row(client, event, str(holder.user_id))  # two tickets: told once
    await ticket_row(client, event, str(refunded.user_id), state="cancelled")
    await ticket_row(client, event, str(organizer.user_id))
    await blocked_holder.request("POST", f"/api/users/{organizer.user_id}/block")
    await step(client, amina, event["id"], "basics", {"title": "Usiku wa Jazz", "description": "Other words.",
                                                       "category_id": event["category_id"]})
    await step(client, amina, event["id"], "schedule", {"days": days_body(1, hours=2)})
    ids = await event_ids(client, "events.event.changed", event_id=event["id"])
    assert len(ids) == 2

    async def announced():
        async with client.app[PLATFORM].core.connection() as conn:
            return await conn.fetchval("SELECT count(*) FROM processed_events WHERE consumer = 'events_notices'"
                                       " AND event_id = ANY($1)", ids) == 2

    await eventually(announced, timeout=20)
    [told] = await rows(client, "SELECT id, payload FROM outbox WHERE routing_key = 'events.event_change.announced'"
                                " AND payload->>'event_id' = $1", event["id"])
    assert sorted(told["payload"]["recipient_ids"]) == sorted(
        str(api.user_id) for api in (holder, holder_sw, blocked_holder))
    assert told["payload"]["fields"] == ["schedule"] and told["payload"]["title"] == "Usiku wa Jazz"
    await handled(client, [told["id"]])
    [notice] = (await centre(holder))["items"]
    assert notice["type"] == "event_changed" and notice["category"] == "events"
    assert notice["text"] == "Usiku wa Jazz has changed: check its new date, time or place before you go"
    assert notice["link"] == f"nexgate://events/{event['id']}"
    assert notice["object"] == {"type": "event", "id": event["id"]}
    assert [n["text"] for n in (await centre(holder_sw))["items"]] == [
        "Usiku wa Jazz imebadilika: angalia tarehe, muda au mahali papya kabla ya kwenda"]
    for api in (refunded, organizer, blocked_holder):
        assert (await centre(api))["items"] == []
    await step(client, amina, event["id"], "place", {"format": "in_person", **{**VENUE, "venue_name": "Other hall"}})
    ids = await event_ids(client, "events.event_change.announced", event_id=event["id"])

    async def two():
        return len(await event_ids(client, "events.event_change.announced", event_id=event["id"])) == 2

    await eventually(two, timeout=20)
    ids = await event_ids(client, "events.event_change.announced", event_id=event["id"])
    await handled(client, ids)
    assert len((await centre(holder))["items"]) == 2
