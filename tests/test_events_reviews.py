"""Reviews of the organizer through the real app: only by someone who attended (checked in on
some day, or a valid ticket to an online event), only once the event has ended, once each
(also when sent twice at once); the organizer's rating exact (count and sum); the public lists
of an event's and an organizer's reviews; the event the trust worker reads."""
from __future__ import annotations

import asyncio
import datetime
import uuid

from tests.support import events_after as support
from tests.support.commerce import call, rows
from tests.support.events import free_tickets, published_event
from tests.support.shared_app import module_client
from tests.support.users import user

pytestmark, client = module_client("events_reviews")  # one app for the module's tests

FREE = (dict(kind="free", name="Entry", quantity=100),)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


async def _end(client, event: dict) -> None:
    await support.set_times(client, event["id"], starts_at=_now() - datetime.timedelta(hours=4),
                            ends_at=_now() - datetime.timedelta(seconds=1))


async def _rating(client, organizer_id: str) -> tuple:
    found = await call(client, "GET", f"/api/organizers/{organizer_id}/rating", None, 200)
    return found["count"], found["sum"], found["average"]


async def test_only_an_attendee_reviews_only_after_the_end_and_only_once(client):
    organizer, amina, juma, stranger = [await user(client) for _ in range(4)]
    event = await published_event(client, organizer, ticket_types=FREE)
    [attended] = await free_tickets(client, amina, event)  # bought through checkout
    await free_tickets(client, juma, event)  # holds a ticket, never checked in
    await support.doors_open(client, event)
    await support.check_in(client, event, attended["id"], holder=amina, by=organizer)  # as the door does

    early = await support.review(client, amina, event["id"], rating=5, expect=409)
    assert (early["error"]["code"], early["error"]["details"]["state"]) == ("event_not_ended", "published")
    await _end(client, event)
    for outsider in (juma, stranger, organizer):
        refused = await support.review(client, outsider, event["id"], rating=1, expect=403)
        assert refused["error"]["code"] == "not_attended"
    bad = await support.review(client, amina, event["id"], rating=6, expect=422)
    assert "rating" in bad["error"]["details"]["fields"]

    made = await support.review(client, amina, event["id"], rating=4, text='Great sound, "Mama Afrika" sang, twice')
    assert (made["rating"], made["text"], made["event_id"], made["organizer_id"], made["reviewer"]["id"]) == (
        4, 'Great sound, "Mama Afrika" sang, twice', event["id"], organizer["id"], amina["id"])
    twice = await support.review(client, amina, event["id"], rating=1, expect=409)
    assert twice["error"]["code"] == "already_reviewed"
    assert await _rating(client, organizer["id"]) == (1, 4, 4.0)
    [told] = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'events.review.created'"
                                " AND payload->>'event_id' = $1", event["id"])
    assert told["payload"] == {"review_id": made["id"], "event_id": event["id"], "organizer_id": organizer["id"],
                               "reviewer_id": amina["id"], "rating": 4}
    await support.review(client, amina, "00000000-0000-0000-0000-000000000000", rating=4, expect=404)


async def test_a_cancelled_event_is_never_reviewed(client):
    organizer, amina = await user(client), await user(client)
    event = await published_event(client, organizer, ticket_types=FREE, format="online")
    await support.paid_order(client, event, amina)
    await support.cancel(client, organizer, event["id"])
    refused = await support.review(client, amina, event["id"], rating=5, expect=409)
    assert (refused["error"]["code"], refused["error"]["details"]["state"]) == ("event_not_ended", "cancelled")


async def test_holders_of_an_online_event_review_it_and_the_rating_is_exact_over_events(client):
    organizer = await user(client)
    holders = [await user(client) for _ in range(3)]
    talk = await published_event(client, organizer, ticket_types=FREE, format="online", title="Webinar ya Biashara")
    other = await published_event(client, organizer, ticket_types=FREE, format="online")
    for event in (talk, other):
        for holder in holders:
            await free_tickets(client, holder, event)
        await _end(client, event)
    for holder, rating in zip(holders, (5, 4, 4)):
        await support.review(client, holder, talk["id"], rating=rating)
    await support.review(client, holders[0], other["id"], rating=1)
    assert await _rating(client, organizer["id"]) == (4, 14, 3.5)

    anonymous = await call(client, "GET", f"/api/events/{talk['id']}/reviews", None, 200, params={"limit": 2})
    assert [item["reviewer"]["id"] for item in anonymous["items"]] == [holders[2]["id"], holders[1]["id"]]
    rest = await call(client, "GET", f"/api/events/{talk['id']}/reviews", None, 200,
                      params={"cursor": anonymous["next_cursor"]})
    assert [item["reviewer"]["id"] for item in rest["items"]] == [holders[0]["id"]] and rest["next_cursor"] is None
    everything = await call(client, "GET", f"/api/organizers/{organizer['id']}/reviews", None, 200)
    assert [(item["event_title"], item["rating"]) for item in everything["items"]] == [
        (other["title"], 1), ("Webinar ya Biashara", 4), ("Webinar ya Biashara", 4), ("Webinar ya Biashara", 5)]
    await call(client, "POST", f"/api/users/{holders[0]['id']}/block", organizer, 204)
    seen = await call(client, "GET", f"/api/organizers/{organizer['id']}/reviews", organizer, 200)
    assert holders[0]["id"] not in {item["reviewer"]["id"] for item in seen["items"]} and len(seen["items"]) == 2
    await call(client, "GET", "/api/organizers/00000000-0000-0000-0000-000000000000/rating", None, 404)


async def test_a_review_sent_twice_at_once_counts_once(client):
    organizer, amina = await user(client), await user(client)
    event = await published_event(client, organizer, ticket_types=FREE, format="online")
    await support.paid_order(client, event, amina)
    await _end(client, event)
    answers = await asyncio.gather(*(client.post(f"/api/events/{event['id']}/reviews", json={"rating": 3},
                                                 headers={"Authorization": f"Bearer {amina['access_token']}"})
                                     for _ in range(3)))
    assert sorted(answer.status for answer in answers) == [201, 409, 409]
    assert await _rating(client, organizer["id"]) == (1, 3, 3.0)
