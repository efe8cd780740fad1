"""Event pages and search through the real app: anonymous reads, drafts and unpublished events
seen by their organizer and staff only, blocks hiding an organizer's events, the streaming link
shown to holders of a valid ticket only, unique page views per day, an organizer's lists, and
search by words, dates, place, category, price and format."""
from __future__ import annotations

import datetime
import uuid

from nexgate.keys import PLATFORM
from tests.support.commerce import call, rows
from tests.support.events import VENUE, event_page, filled_draft, published_event, ticket_row, unpublish
from tests.support.shared_app import module_client
from tests.support.users import block, user

pytestmark, client = module_client("events_pages")  # one app for the module's tests


async def test_a_published_event_is_read_without_signing_in_and_a_draft_only_by_its_organizer(client):
    amina, juma = await user(client), await user(client)
    made = await filled_draft(client, amina)
    await event_page(client, None, made["id"], expect=404)
    assert (await event_page(client, juma, made["id"], expect=404))["error"]["code"] == "event_not_found"
    own = await event_page(client, amina, made["id"])
    assert own["viewer_role"] == "organizer" and own["draft"]["ready"]
    event = await call(client, "POST", f"/api/events/{made['id']}/publish", amina, 200)
    page = await event_page(client, None, event["id"])
    assert page["state"] == "published" and page["draft"] is None and page["venue"]["name"] == VENUE["venue_name"]
    assert page["venue"]["latitude"] == VENUE["latitude"] and page["organizer"]["id"] == amina["id"]
    await unpublish(client, amina, event["id"])
    await event_page(client, None, event["id"], expect=404)
    await event_page(client, juma, event["id"], expect=404)
    assert (await event_page(client, amina, event["id"]))["state"] == "unpublished"
    await event_page(client, None, str(uuid.uuid4()), expect=404)
    await call(client, "GET", "/api/events/not-an-id", None, 404)


async def test_an_organizer_who_blocked_you_has_no_event_page_for_you(client):
    amina, juma = await user(client), await user(client)
    event = await published_event(client, amina)
    await event_page(client, juma, event["id"])
    await block(client, amina, juma["id"])
    assert (await event_page(client, juma, event["id"], expect=404))["error"]["code"] == "event_not_found"
    listed = await call(client, "GET", "/api/events/search", juma, 200, params={"q": event["title"]})
    assert listed["items"] == []
    await call(client, "GET", f"/api/users/{amina['id']}/events", juma, 404)


async def test_the_streaming_link_is_shown_to_valid_ticket_holders_and_the_organizer_only(client):
    amina, juma, neema, staff = await user(client), await user(client), await user(client), await user(client)
    event = await published_event(client, amina, format="online", streaming_url="https://live.example.com/x")
    assert event["streaming_url"] == "https://live.example.com/x" and event["venue"] is None
    anonymous = await event_page(client, None, event["id"])
    assert anonymous["streaming_url"] is None and anonymous["has_streaming_link"] is True
    assert (await event_page(client, juma, event["id"]))["streaming_url"] is None
    await ticket_row(client, event, juma["id"])
    await ticket_row(client, event, neema["id"], state="cancelled")
    assert (await event_page(client, juma, event["id"]))["streaming_url"] == "https://live.example.com/x"
    assert (await event_page(client, neema, event["id"]))["streaming_url"] is None
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("INSERT INTO event_staff (event_id, user_id, role, state, invited_by) VALUES"
                           " ($1, $2, 'scanner', 'active', $3)", uuid.UUID(event["id"]), uuid.UUID(staff["id"]),
                           uuid.UUID(amina["id"]))
    seen = await event_page(client, staff, event["id"])
    assert seen["streaming_url"] == "https://live.example.com/x" and seen["viewer_role"] == "scanner"


async def test_each_viewer_is_counted_once_a_day(client):
    amina, juma = await user(client), await user(client)
    event = await published_event(client, amina)
    for _ in range(2):
        await event_page(client, juma, event["id"])
        await event_page(client, None, event["id"], user_agent="phone-a")
    await event_page(client, None, event["id"], user_agent="phone-b")
    await event_page(client, amina, event["id"])
    found = await rows(client, "SELECT viewer_id, day FROM event_views WHERE event_id = $1", uuid.UUID(event["id"]))
    assert len(found) == 3
    assert sorted(str(r["viewer_id"]) for r in found) == sorted([juma["id"], "None", "None"])
    assert {r["day"] for r in found} == {datetime.datetime.now(datetime.timezone.utc).date()}


async def test_an_organizers_own_and_public_lists(client):
    amina = await user(client)
    first = await published_event(client, amina)
    second = await filled_draft(client, amina)
    mine = await call(client, "GET", "/api/events/mine", amina, 200)
    assert [e["id"] for e in mine["items"]] == [second["id"], first["id"]]
    drafts = await call(client, "GET", "/api/events/mine", amina, 200, params={"state": "draft"})
    assert [e["id"] for e in drafts["items"]] == [second["id"]]
    public = await call(client, "GET", f"/api/users/{amina['id']}/events", None, 200)
    assert [e["id"] for e in public["items"]] == [first["id"]]
    assert public["items"][0]["price_from"] == 0 and public["items"][0]["city"] == "Dar es Salaam"
    page = await call(client, "GET", "/api/events/mine", amina, 200, params={"limit": 1})
    assert page["next_cursor"] and len(page["items"]) == 1
    await call(client, "GET", "/api/events/mine", None, 401)


async def test_search_by_words_dates_place_category_price_and_format(client):
    amina = await user(client)
    word = f"zeze{uuid.uuid4().hex[:6]}"
    soon = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=2)
    concert = await published_event(client, amina, title=f"Usiku wa {word} jazz", days=[
        {"starts_at": soon.isoformat(), "ends_at": (soon + datetime.timedelta(hours=4)).isoformat()}],
        ticket_types=(dict(kind="paid", name="Regular", price=2_000_000, quantity=50),))
    bob = await user(client)
    later = soon + datetime.timedelta(days=20)
    online = await published_event(client, bob, title=f"{word} online workshop", format="online", days=[
        {"starts_at": later.isoformat(), "ends_at": (later + datetime.timedelta(hours=2)).isoformat()}])
    hidden = await user(client)
    await filled_draft(client, hidden, title=f"{word} draft only")

    async def ids(**params):
        found = await call(client, "GET", "/api/events/search", None, 200, params={"q": word, **params})
        return [e["id"] for e in found["items"]]

    assert await ids() == [concert["id"], online["id"]]
    assert await ids(q=f"{word[:5]} jaz") == [concert["id"]]
    assert await ids(to=(soon + datetime.timedelta(days=5)).isoformat()) == [concert["id"]]
    assert await ids(**{"from": (soon + datetime.timedelta(days=5)).isoformat()}) == [online["id"]]
    assert await ids(city="dar es salaam") == [concert["id"]]
    assert await ids(country="TZ", region="Dar es Salaam") == [concert["id"]]
    assert await ids(city="Arusha") == []
    assert await ids(lat=-6.80, lng=39.21, radius_km=5) == [concert["id"]]
    assert await ids(lat=-3.37, lng=36.68, radius_km=50) == []
    assert await ids(lat=-6.80, lng=35.00, radius_km=50) == []  # the same latitude, 460 km west
    assert await ids(format="online") == [online["id"]]
    assert await ids(free="true") == [online["id"]]
    assert await ids(max_price=2_000_000, currency="TZS") == [concert["id"], online["id"]]
    assert await ids(max_price=1_999_999, currency="TZS") == [online["id"]]
    assert await ids(category="music") == [concert["id"], online["id"]]
    assert await ids(category="sports") == []
    page = await call(client, "GET", "/api/events/search", None, 200, params={"q": word, "limit": 1})
    assert [e["id"] for e in page["items"]] == [concert["id"]] and page["next_cursor"]
    rest = await call(client, "GET", "/api/events/search", None, 200,
                      params={"q": word, "limit": 1, "cursor": page["next_cursor"]})
    assert [e["id"] for e in rest["items"]] == [online["id"]] and rest["next_cursor"] is None


async def test_search_refuses_half_given_filters(client):
    refused = await call(client, "GET", "/api/events/search", None, 422, params={"lat": 1})
    assert set(refused["error"]["details"]["fields"]) == {"lng"}
    refused = await call(client, "GET", "/api/events/search", None, 422, params={"max_price": 5, "free": "true"})
    assert set(refused["error"]["details"]["fields"]) == {"max_price", "currency"}
    refused = await call(client, "GET", "/api/events/search", None, 422, params={"category": "nope"})
    assert set(refused["error"]["details"]["fields"]) == {"category"}
    refused = await call(client, "GET", "/api/events/search", None, 422, params={"q": "!!!"})
    assert set(refused["error"]["details"]["fields"]) == {"q"}
    refused = await call(client, "GET", "/api/events/search", None, 422, params={"format": "hybrid"})
    assert set(refused["error"]["details"]["fields"]) == {"format"}
