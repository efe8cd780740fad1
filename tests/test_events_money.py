"""An event's money through the real app, its workers and payments: the organizer's cancellation
(every valid ticket revoked, every unpaid order given back, every paid order refunded through
payments in batches by the worker, every holder told, once however often it is asked), the
completion at the last day's end through the scheduled job, the release to the organizer net of
the fee when the feedback window closes, the money held when the window's reviews fall below the
threshold and the operator's decision, each exactly once; the timeline's jobs and reminders."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import uuid

import pytest

from nexgate.domain.events import money, timeline
from nexgate.domain.payments import holds
from nexgate.domain.payments.ledger import Cause
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support import events_after as support
from tests.support.commerce import call, rows
from tests.support.events import published_event
from tests.support.payments_flow import sandboxes  # noqa: F401 (a fixture)
from tests.support.users import user
from tests.test_users_verification import moderator

PAID = (dict(kind="paid", name="Standard", quantity=100, price=500_000),
        dict(kind="vip", name="VIP", quantity=10, price=2_000_000))
WORKERS = ("outbox-relay", "scheduler", "events_timeline")
NOW = datetime.datetime.now


def _now() -> datetime.datetime:
    return NOW(datetime.timezone.utc)


async def _app(make_client, config, workers=WORKERS, **settings):
    return await make_client(dataclasses.replace(config, scheduler_poll_ms=20, bus_prefetch=1, **settings),
                             worker_names=workers)


async def _settled(client, event_id: str, settlement: str) -> bool:
    return (await support.event_row(client, event_id))["settlement"] == settlement


async def _outbox(client, routing_key: str, event_id: str) -> list[dict]:
    found = await rows(client, "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'event_id' = $2"
                               " ORDER BY created_at, id", routing_key, event_id)
    return [row["payload"] for row in found]


async def _ended(client, event: dict) -> None:
    """The event's day is over (moved into the past), its end job made due: the worker completes it."""
    await support.set_times(client, event["id"], starts_at=_now() - datetime.timedelta(hours=4),
                            ends_at=_now() - datetime.timedelta(seconds=1))
    await support.make_due(client, timeline.job_id(uuid.UUID(event["id"]), "end"))
    await eventually(lambda: _state(client, event["id"], "completed"))


async def _state(client, event_id: str, state: str) -> bool:
    return (await support.event_row(client, event_id))["state"] == state


# cancellation

async def test_a_cancellation_revokes_every_ticket_gives_back_unpaid_orders_and_refunds_every_paid_one(
        make_client, config):
    client = await _app(make_client, config)
    organizer, amina, juma = await user(client), await user(client), await user(client)
    event = await published_event(client, organizer, ticket_types=PAID + (dict(kind="free", name="Guest",
                                                                                quantity=5),))
    standard, vip, guest = event["ticket_types"]
    first = await support.paid_order(client, event, amina, ticket_type=standard, quantity=2)
    second = await support.paid_order(client, event, juma, ticket_type=vip)
    free = await support.paid_order(client, event, juma, ticket_type=guest)  # a free order: nothing to refund
    unpaid_id = await _unpaid_order(client, event, juma, standard, quantity=3)

    stranger = await call(client, "POST", f"/api/events/{event['id']}/cancel", juma, 403, json={"reason": "mine"})
    assert stranger["error"]["code"] == "not_event_organizer"
    done = await support.cancel(client, organizer, event["id"], reason="The venue flooded")
    assert (done["state"], done["reason"], done["tickets_revoked"], done["orders_cancelled"]) == (
        "cancelled", "The venue flooded", 4, 1)

    await eventually(lambda: _settled(client, event["id"], "refunded"))
    for paid in (first, second):
        hold = await support.hold_now(client, paid.hold_id)
        assert (hold.state, hold.refunded_amount, hold.balance) == ("refunded", paid.total, 0)
    orders = {row["id"]: row["state"] for row in await rows(
        client, "SELECT id, state FROM ticket_orders WHERE event_id = $1", uuid.UUID(event["id"]))}
    assert orders == {first.order_id: "refunded", second.order_id: "refunded", unpaid_id: "cancelled",
                      free.order_id: "paid"}
    tickets = await rows(client, "SELECT state, revoked_at FROM tickets WHERE event_id = $1", uuid.UUID(event["id"]))
    assert {row["state"] for row in tickets} == {"cancelled"} and all(row["revoked_at"] for row in tickets)
    committed = await rows(client, "SELECT committed FROM ticket_types WHERE event_id = $1", uuid.UUID(event["id"]))
    assert [row["committed"] for row in committed] == [0, 0, 0]
    for paid in (first, second):
        assert [refund.amount for refund in await support.refunds(client, paid.hold_id)] == [paid.total]

    [cancelled] = await _outbox(client, "events.event.cancelled", event["id"])
    assert cancelled == {"event_id": event["id"], "organizer_id": organizer["id"], "title": event["title"],
                         "reason": "The venue flooded"}
    [told] = await _outbox(client, "events.cancellation.announced", event["id"])
    assert sorted(told["holder_ids"]) == sorted([amina["id"], juma["id"]])
    assert not await rows(client, "SELECT 1 FROM scheduled_jobs WHERE payload->>'event_id' = $1 AND fired_at IS NULL",
                          event["id"])

    again = await support.cancel(client, organizer, event["id"], reason="Again")
    assert (again["reason"], again["tickets_revoked"], again["orders_cancelled"], again["settlement"]) == (
        "The venue flooded", 0, 0, "refunded")
    assert len(await _outbox(client, "events.event.cancelled", event["id"])) == 1


async def test_a_hold_a_dispute_froze_keeps_a_cancelled_events_money_held_until_an_operator_refunds_it(
        make_client, config):
    client = await _app(make_client, config)
    organizer, amina, juma, operator = await user(client), await user(client), await user(client), await moderator(client)
    event = await published_event(client, organizer, ticket_types=PAID[:1])
    clear = await support.paid_order(client, event, amina, quantity=2)
    disputed = await support.paid_order(client, event, juma)
    async with client.app[PLATFORM].core.transaction("tests.dispute") as conn:
        await holds.freeze(conn, hold_id=disputed.hold_id, cause=Cause.user(uuid.UUID(juma["id"]), "a dispute"))

    await support.cancel(client, organizer, event["id"], reason="The artist fell ill")
    await eventually(lambda: _settled(client, event["id"], "held"))  # not "refunded": one order was not
    assert (await support.hold_now(client, clear.hold_id)).state == "refunded"
    assert (await support.hold_now(client, disputed.hold_id)).state == "frozen"
    [settled] = await _outbox(client, "events.event.settled", event["id"])
    assert (settled["settlement"], settled["amount"]) == ("held", disputed.total)
    # every ticket revoked, each told on its own (holders' devices; scanners read the list)
    revoked = await _outbox(client, "events.ticket.revoked", event["id"])
    assert sorted((r["ticket_id"], r["holder_id"], r["order_id"], r["reason"]) for r in revoked) == sorted(
        [(str(t), amina["id"], str(clear.order_id), "cancelled") for t in clear.ticket_ids]
        + [(str(t), juma["id"], str(disputed.order_id), "cancelled") for t in disputed.ticket_ids])
    assert all(r["organizer_id"] == organizer["id"] and r["ticket_type_id"] == event["ticket_types"][0]["id"]
               for r in revoked)
    listed = await client.get(f"/api/events/{event['id']}/revocations")
    assert {item["ticket_id"] for item in (await listed.json())["revoked"]} == {
        str(t) for t in clear.ticket_ids + disputed.ticket_ids}

    [item] = [item for item in (await call(client, "GET", "/api/admin/events/settlements", operator, 200))["items"]
              if item["event_id"] == event["id"]]
    assert (item["state"], item["paid_total"]) == ("cancelled", disputed.total)
    path = f"/api/admin/events/{event['id']}/settlement"
    frozen = await call(client, "POST", path, operator, 409, json={"decision": "refund", "reason": "x"})
    assert (frozen["error"]["code"], frozen["error"]["details"]["order_ids"]) == ("hold_frozen",
                                                                                  [str(disputed.order_id)])
    async with client.app[PLATFORM].core.transaction("tests.dispute_settled") as conn:
        await holds.unfreeze(conn, hold_id=disputed.hold_id, cause=Cause.user(uuid.UUID(juma["id"]), "settled"))
    refused = await call(client, "POST", path, operator, 409, json={"decision": "release", "reason": "x"})
    assert refused["error"]["code"] == "event_cancelled"
    assert await _settled(client, event["id"], "held")
    decided = await call(client, "POST", path, operator, 200, json={"decision": "refund", "reason": "Dispute settled"})
    assert (decided["settlement"], decided["amount"]) == ("refunded", disputed.total)
    hold = await support.hold_now(client, disputed.hold_id)
    assert (hold.state, hold.refunded_amount) == ("refunded", disputed.total)


async def _unpaid_order(client, event, buyer, ticket_type, *, quantity: int) -> uuid.UUID:
    """An order waiting for its payment, its tickets reserved (committed), as checkout leaves it."""
    order_id, key, total = uuid.uuid4(), uuid.uuid4().hex, ticket_type["price"] * quantity
    async with client.app[PLATFORM].core.transaction("tests.unpaid_ticket_order") as conn:
        hold = await holds.open_hold(conn, payable_kind="events.ticket_order", payable_id=order_id,
                                     currency=event["currency"], expected_amount=total,
                                     cause=Cause.user(uuid.UUID(buyer["id"]), "checkout"))
        await conn.execute(
            "INSERT INTO ticket_orders (id, event_id, buyer_id, organizer_id, currency, total, hold_id,"
            " idempotency_key, request_hash, reserved_until) SELECT $1, e.id, $3, e.organizer_id, e.currency, $4, $6,"
            " $5, sha256(convert_to($5, 'UTF8')), now() + interval '15 minutes' FROM events e WHERE e.id = $2",
            order_id, uuid.UUID(event["id"]), uuid.UUID(buyer["id"]), total, key, hold.id)
        await conn.execute("UPDATE ticket_types SET committed = committed + $2 WHERE id = $1",
                           uuid.UUID(ticket_type["id"]), quantity)
    return order_id


async def test_a_cancellation_during_checkouts_leaves_no_valid_ticket_behind(make_client, config):
    from tests.support.event_tickets import buy

    client = await _app(make_client, config)
    organizer = await user(client)
    buyers = [await user(client) for _ in range(6)]
    event = await published_event(client, organizer)

    async def checkout(buyer):
        response = await client.post(f"/api/events/{event['id']}/checkout", json={"lines": [
            {"ticket_type_id": event["ticket_types"][0]["id"], "quantity": 1}]}, headers={
            "Authorization": f"Bearer {buyer['access_token']}", "Idempotency-Key": str(uuid.uuid4())})
        return response.status, await response.json()

    answers = await asyncio.gather(*(checkout(buyer) for buyer in buyers[:3]),
                                   support.cancel(client, organizer, event["id"]),
                                   *(checkout(buyer) for buyer in buyers[3:]))
    checkouts = [answer for answer in answers if isinstance(answer, tuple)]
    statuses = [status for status, _ in checkouts]
    assert set(statuses) <= {201, 409}
    assert {body["error"]["code"] for status, body in checkouts if status == 409} <= {"event_not_on_sale"}
    tickets = await rows(client, "SELECT state FROM tickets WHERE event_id = $1", uuid.UUID(event["id"]))
    assert len(tickets) == statuses.count(201) and {row["state"] for row in tickets} <= {"cancelled"}
    assert (await buy(client, buyers[0], event, expect=409))["error"]["code"] == "event_not_on_sale"


async def test_a_large_cancellation_refunds_in_batches_each_order_once(make_client, config, monkeypatch):
    monkeypatch.setattr(money, "REFUND_BATCH", 2)
    client = await _app(make_client, config)
    organizer = await user(client)
    event = await published_event(client, organizer, ticket_types=PAID[:1])
    buyers = [await user(client) for _ in range(5)]
    paid = [await support.paid_order(client, event, buyer) for buyer in buyers]
    await support.cancel(client, organizer, event["id"])
    await eventually(lambda: _settled(client, event["id"], "refunded"))
    continued = await _outbox(client, "events.refunds.continued", event["id"])
    assert len(continued) == 2  # 5 orders, 2 a batch: three batches
    for order in paid:
        hold = await support.hold_now(client, order.hold_id)
        assert (hold.state, hold.refunded_amount) == ("refunded", order.total)
        assert [refund.amount for refund in await support.refunds(client, order.hold_id)] == [order.total]


async def test_a_draft_or_a_completed_event_cannot_be_cancelled(make_client, config):
    from tests.support.events import draft

    client = await _app(make_client, config)
    organizer = await user(client)
    made = await draft(client, organizer)
    refused = await support.cancel(client, organizer, made["id"], expect=409)
    assert (refused["error"]["code"], refused["error"]["details"]["state"]) == ("event_not_cancellable", "draft")
    event = await published_event(client, organizer)
    await _ended(client, event)
    late = await support.cancel(client, organizer, event["id"], expect=409)
    assert late["error"]["details"]["state"] == "completed"
    await support.cancel(client, organizer, str(uuid.uuid4()), expect=404)


async def test_the_cancellation_tells_every_holder_in_their_language(make_client, config, users):
    from tests.support.notifications import centre, event_ids, handled, person

    client = await _app(make_client, config, workers=("outbox-relay", "notifications", "events_timeline"))
    organizer_api, amina_api, juma_api = [await person(client, users) for _ in range(3)]
    await juma_api.request("PATCH", f"/api/users/{juma_api.user_id}", json={"language": "sw"})
    organizer, amina, juma = [{**api.tokens, "id": str(api.user_id)} for api in (organizer_api, amina_api, juma_api)]
    event = await published_event(client, organizer, ticket_types=PAID[:1], title="Sauti za Busara")
    await support.paid_order(client, event, amina, quantity=2)
    await support.paid_order(client, event, juma)
    await support.cancel(client, organizer, event["id"], reason="Rain")
    await handled(client, await event_ids(client, "events.cancellation.announced", event_id=event["id"]))
    [to_amina] = (await centre(amina_api))["items"]
    assert (to_amina["type"], to_amina["link"], to_amina["text"]) == (
        "event_cancelled", f"nexgate://events/{event['id']}",
        "Sauti za Busara was cancelled by its organizer. Your ticket no longer admits you; anything you paid for it "
        "is on its way back to you")
    [to_juma] = (await centre(juma_api))["items"]
    assert to_juma["text"].startswith("Sauti za Busara imeghairiwa na mwandaaji wake")
    assert (await centre(organizer_api))["items"] == []


# completion and settlement

async def test_the_money_is_released_to_the_organizer_net_of_the_fee_when_the_feedback_window_closes(
        make_client, config):
    client = await _app(make_client, config, events_feedback_window_s=1)
    organizer, amina, juma = await user(client), await user(client), await user(client)
    event = await published_event(client, organizer, ticket_types=PAID)
    standard, vip = event["ticket_types"]
    first = await support.paid_order(client, event, amina, ticket_type=standard, quantity=3)
    second = await support.paid_order(client, event, juma, ticket_type=vip)
    await _ended(client, event)
    completed = await support.event_row(client, event["id"])
    assert completed["settlement"] in ("waiting", "released") and completed["completed_at"] is not None
    assert completed["settle_after"] == completed["completed_at"] + datetime.timedelta(seconds=1)
    [told] = await _outbox(client, "events.event.completed", event["id"])
    assert told == {"event_id": event["id"], "organizer_id": organizer["id"], "title": event["title"]}

    await eventually(lambda: _settled(client, event["id"], "released"))
    gross = first.total + second.total  # 1,500,000 + 2,000,000 TZS minor units, at the 5% fee: 175,000
    for paid in (first, second):
        hold = await support.hold_now(client, paid.hold_id)
        assert (hold.state, hold.released_amount, hold.fee_basis_points) == ("released", paid.total, 500)
    assert await support.balance(client, organizer["id"]) == gross - 175_000
    [settled] = await _outbox(client, "events.event.settled", event["id"])
    assert settled == {"event_id": event["id"], "organizer_id": organizer["id"], "settlement": "released",
                       "amount": gross, "currency": event["currency"]}


async def test_reviews_below_the_threshold_hold_the_money_for_an_operator_who_releases_it(make_client, config):
    client = await _app(make_client, config, events_feedback_window_s=1, events_release_min_reviews=2,
                        events_release_min_rating=3.5)
    organizer = await user(client)
    operator = await moderator(client)
    event = await published_event(client, organizer, ticket_types=PAID[:1], format="online")
    reviewers = [await user(client) for _ in range(3)]
    paid = [await support.paid_order(client, event, reviewer) for reviewer in reviewers]
    await support.set_times(client, event["id"], starts_at=_now() - datetime.timedelta(hours=4),
                            ends_at=_now() - datetime.timedelta(seconds=1))
    for reviewer, rating in zip(reviewers, (4, 3, 3)):  # 10 / 3 = 3.33 < 3.5, 3 reviews >= 2
        await support.review(client, reviewer, event["id"], rating=rating)
    await support.make_due(client, timeline.job_id(uuid.UUID(event["id"]), "end"))
    await eventually(lambda: _settled(client, event["id"], "held"))
    for order in paid:
        assert (await support.hold_now(client, order.hold_id)).state == "funded"
    [settled] = await _outbox(client, "events.event.settled", event["id"])
    assert (settled["settlement"], settled["amount"]) == ("held", sum(order.total for order in paid))

    await call(client, "GET", "/api/admin/events/settlements", organizer, 403)
    listed = await call(client, "GET", "/api/admin/events/settlements", operator, 200)
    [item] = [item for item in listed["items"] if item["event_id"] == event["id"]]
    assert (item["window_review_count"], item["window_rating_sum"], item["paid_total"]) == (
        3, 10, sum(order.total for order in paid))
    await call(client, "POST", f"/api/admin/events/{event['id']}/settlement", organizer, 403,
               json={"decision": "release", "reason": "x"})
    decided = await call(client, "POST", f"/api/admin/events/{event['id']}/settlement", operator, 200,
                         json={"decision": "release", "reason": "The complaints were about the weather"})
    assert (decided["settlement"], decided["amount"]) == ("released", sum(order.total for order in paid))
    for order in paid:
        assert (await support.hold_now(client, order.hold_id)).state == "released"
    again = await call(client, "POST", f"/api/admin/events/{event['id']}/settlement", operator, 409,
                       json={"decision": "refund", "reason": "changed my mind"})
    assert (again["error"]["code"], again["error"]["details"]["settlement"]) == ("settlement_not_held", "released")


async def test_the_operator_may_refund_held_money_to_the_buyers_and_just_above_the_threshold_it_is_released(
        make_client, config):
    client = await _app(make_client, config, events_feedback_window_s=1, events_release_min_reviews=1,
                        events_release_min_rating=3)
    organizer, operator = await user(client), await moderator(client)
    low = await published_event(client, organizer, ticket_types=PAID[:1], format="online")
    fair = await published_event(client, organizer, ticket_types=PAID[:1], format="online")
    buyer = await user(client)
    low_paid, fair_paid = await support.paid_order(client, low, buyer), await support.paid_order(client, fair, buyer)
    for event, rating in ((low, 2), (fair, 3)):  # 2 < 3 holds; exactly 3 is not below it
        await support.set_times(client, event["id"], starts_at=_now() - datetime.timedelta(hours=4),
                                ends_at=_now() - datetime.timedelta(seconds=1))
        await support.review(client, buyer, event["id"], rating=rating)
        await support.make_due(client, timeline.job_id(uuid.UUID(event["id"]), "end"))
    await eventually(lambda: _settled(client, low["id"], "held"))
    await eventually(lambda: _settled(client, fair["id"], "released"))
    assert (await support.hold_now(client, fair_paid.hold_id)).state == "released"
    decided = await call(client, "POST", f"/api/admin/events/{low['id']}/settlement", operator, 200,
                         json={"decision": "refund", "reason": "The event was not as described"})
    assert (decided["settlement"], decided["amount"]) == ("refunded", low_paid.total)
    hold = await support.hold_now(client, low_paid.hold_id)
    assert (hold.state, hold.refunded_amount) == ("refunded", low_paid.total)
    [state] = await rows(client, "SELECT state FROM ticket_orders WHERE id = $1", low_paid.order_id)
    assert state["state"] == "refunded"


async def test_the_settlement_happens_once_when_the_window_closes_twice_at_once(make_client, config):
    client = await _app(make_client, config, workers=("outbox-relay", "scheduler", "events_timeline"),
                        events_feedback_window_s=3600, events_release_min_reviews=1)
    organizer, buyer = await user(client), await user(client)
    event = await published_event(client, organizer, ticket_types=PAID[:1], format="online")
    paid = await support.paid_order(client, event, buyer, quantity=2)
    await _ended(client, event)
    early = await _settle_directly(client, event["id"])
    assert early is None  # the window is still open
    async with client.app[PLATFORM].core.connection() as conn:  # the window closed a moment ago
        await conn.execute("UPDATE events SET settle_after = now() WHERE id = $1", uuid.UUID(event["id"]))
    await support.review(client, buyer, event["id"], rating=1)  # too late to hold the money
    outcomes = await asyncio.gather(*(_settle_directly(client, event["id"]) for _ in range(4)))
    assert sorted(outcomes, key=lambda outcome: outcome is None) == ["released", None, None, None]
    hold = await support.hold_now(client, paid.hold_id)
    assert (hold.state, hold.released_amount) == ("released", paid.total)
    assert len(await _outbox(client, "events.event.settled", event["id"])) == 1


async def _settle_directly(client, event_id: str):
    """What the worker does when the feedback window's job fires, in a transaction of its own."""
    platform = client.app[PLATFORM]
    async with platform.core.transaction("tests.settle") as conn:
        return await money.settle_when_due(platform, conn, uuid.UUID(event_id))


# the timeline

async def test_publishing_schedules_the_end_and_each_days_reminders_and_a_stale_job_does_nothing(
        make_client, config):
    client = await _app(make_client, config)
    organizer, holder = await user(client), await user(client)
    event = await published_event(client, organizer, days=2, ticket_types=PAID[:1])
    event_id = uuid.UUID(event["id"])
    jobs = {row["id"]: row for row in await rows(
        client, "SELECT id, routing_key, run_at, payload FROM scheduled_jobs WHERE payload->>'event_id' = $1",
        event["id"])}
    days = event["days"]
    end = jobs[timeline.job_id(event_id, "end")]
    assert end["run_at"] == datetime.datetime.fromisoformat(days[-1]["ends_at"])
    for day in days:
        starts = datetime.datetime.fromisoformat(day["starts_at"])
        for before, ahead in timeline.REMINDERS.items():
            job = jobs[timeline.job_id(event_id, before, uuid.UUID(day["id"]))]
            assert (job["routing_key"], job["run_at"], job["payload"]) == (
                "events.reminder_time.reached", starts - ahead,
                {"event_id": event["id"], "day_id": day["id"], "before": before})
    assert len(jobs) == 1 + 3 * len(days)

    await support.make_due(client, timeline.job_id(event_id, "end"))  # fired before the end: nothing happens
    await eventually(lambda: _handled(client, timeline.job_id(event_id, "end")))
    assert (await support.event_row(client, event["id"]))["state"] == "published"

    paid = await support.paid_order(client, event, holder)
    first = uuid.UUID(days[0]["id"])
    await support.set_times(client, event["id"], starts_at=_now() + datetime.timedelta(minutes=30),
                            ends_at=_now() + datetime.timedelta(hours=2))
    await support.make_due(client, timeline.job_id(event_id, "1h", first))
    await eventually(lambda: _outbox(client, "events.holders.reminded", event["id"]))
    [reminded] = await _outbox(client, "events.holders.reminded", event["id"])
    assert (reminded["before"], reminded["holder_ids"], reminded["day_id"]) == ("1h", [holder["id"]], str(first))
    # the 24h reminder of a day starting in half an hour is stale: nobody is told "tomorrow"
    await support.make_due(client, timeline.job_id(event_id, "24h", first))
    await eventually(lambda: _fired(client, timeline.job_id(event_id, "24h", first)))
    await eventually(lambda: _handled(client, timeline.job_id(event_id, "24h", first)))
    assert len(await _outbox(client, "events.holders.reminded", event["id"])) == 1
    assert paid.ticket_ids


async def test_a_reminder_is_told_to_each_holder_of_the_day_in_their_language(make_client, config, users):
    from tests.support.events import free_tickets
    from tests.support.notifications import centre, event_ids, handled, person

    client = await _app(make_client, config, workers=("outbox-relay", "scheduler", "notifications",
                                                      "events_timeline"))
    organizer_api, amina_api, juma_api, gone_api = [await person(client, users) for _ in range(4)]
    await juma_api.request("PATCH", f"/api/users/{juma_api.user_id}", json={"language": "sw"})
    organizer, amina, juma, gone = [{**api.tokens, "id": str(api.user_id)}
                                    for api in (organizer_api, amina_api, juma_api, gone_api)]
    event = await published_event(client, organizer, title="Usiku wa Taarab")
    for holder in (amina, juma, gone):
        await free_tickets(client, holder, event)
    async with client.app[PLATFORM].core.connection() as conn:  # gone's ticket was refunded since
        await conn.execute("UPDATE tickets SET state = 'cancelled', revoked_at = now() WHERE holder_id = $1",
                           uuid.UUID(gone["id"]))
    await support.set_times(client, event["id"], starts_at=_now() + datetime.timedelta(minutes=59),
                            ends_at=_now() + datetime.timedelta(hours=3))
    day_id = uuid.UUID(event["days"][0]["id"])
    await support.make_due(client, timeline.job_id(uuid.UUID(event["id"]), "1h", day_id))
    await eventually(lambda: _outbox(client, "events.holders.reminded", event["id"]))
    await handled(client, await event_ids(client, "events.holders.reminded", event_id=event["id"]))
    async def reminders(api) -> list[dict]:  # (their tickets' purchase was told too)
        return [item for item in (await centre(api))["items"] if item["type"].startswith("event_")]

    [to_amina] = await reminders(amina_api)
    assert (to_amina["type"], to_amina["text"], to_amina["link"]) == (
        "event_reminder_1h", "Usiku wa Taarab starts in an hour. Have your ticket ready",
        f"nexgate://events/{event['id']}")
    [to_juma] = await reminders(juma_api)
    assert to_juma["text"] == "Usiku wa Taarab inaanza baada ya saa moja. Andaa tiketi yako"
    assert await reminders(gone_api) == [] and await reminders(organizer_api) == []


async def _fired(client, job_id) -> bool:
    return bool(await rows(client, "SELECT 1 FROM scheduled_jobs WHERE id = $1 AND fired_at IS NOT NULL", job_id))


async def _handled(client, job_id) -> bool:
    return bool(await rows(client, "SELECT 1 FROM scheduled_jobs j JOIN processed_events p ON p.event_id = j.event_id"
                                   " WHERE j.id = $1 AND p.consumer = 'events_timeline'", job_id))


@pytest.mark.parametrize("rating, threshold, count, minimum, held", [
    (10, 3.34, 3, 3, True), (10, 3.33, 3, 3, False), (10, 3.34, 3, 4, False), (0, 5, 0, 1, False)])
def test_the_threshold_is_compared_exactly(rating, threshold, count, minimum, held):
    settings = dataclasses.make_dataclass("S", [("events_release_min_rating", float),
                                                ("events_release_min_reviews", int)])(threshold, minimum)
    assert money._below(settings, count, rating) is held


async def test_unpublishing_removes_the_jobs_and_a_schedule_edit_moves_them(make_client, config):
    from tests.support.events import days_body, publish, step, unpublish

    client = await _app(make_client, config, workers=())
    organizer = await user(client)
    event = await published_event(client, organizer)
    event_id = uuid.UUID(event["id"])

    async def unfired() -> dict:
        return {row["id"]: row["run_at"] for row in await rows(
            client, "SELECT id, run_at FROM scheduled_jobs WHERE payload->>'event_id' = $1 AND fired_at IS NULL",
            event["id"])}

    assert len(await unfired()) == 4
    await unpublish(client, organizer, event["id"])
    assert await unfired() == {}
    await publish(client, organizer, event["id"])
    assert len(await unfired()) == 4
    later = _now().replace(microsecond=0) + datetime.timedelta(days=5)
    await step(client, organizer, event["id"], "schedule", {"time_zone": "Africa/Nairobi",
                                                            "days": days_body(1, start=later)})
    jobs = await unfired()
    day_id = uuid.UUID(event["days"][0]["id"])
    assert jobs[timeline.job_id(event_id, "end")] == later + datetime.timedelta(hours=6)
    assert jobs[timeline.job_id(event_id, "24h", day_id)] == later - datetime.timedelta(hours=24)
    assert jobs[timeline.job_id(event_id, "starting", day_id)] == later


# the whole road: checkout, the payment through the provider's sandbox, the cancellation's refund to the phone

async def test_tickets_bought_through_checkout_and_the_sandbox_are_refunded_to_the_phone_when_cancelled(
        make_client, config, sandboxes):
    from nexgate.domain.payments import disbursements
    from tests.support.event_tickets import buy
    from tests.support.payments_flow import SELCOM_PAYER, method, start_app

    client = await start_app(make_client, config, sandboxes, scheduler_poll_ms=50,
                             workers=("outbox-relay", "scheduler", "events_checkout", "payments_live",
                                      "events_timeline"))
    organizer, buyer = await user(client), await user(client)
    event = await published_event(client, organizer, ticket_types=PAID[:1])
    wallet = await method(client, buyer, "00", prefix=SELCOM_PAYER)
    placed = await buy(client, buyer, event, quantity=2, method_id=wallet["id"])
    order_path = f"/api/ticket-orders/{placed['id']}"

    async def order_in(state):
        shown = await call(client, "GET", order_path, buyer, 200)
        return shown if shown["state"] == state else None

    paid = await eventually(lambda: order_in("paid"), timeout=20)
    assert paid["total"] == 1_000_000 and len(paid["tickets"]) == 2
    await support.cancel(client, organizer, event["id"], reason="The artist is ill")
    await eventually(lambda: order_in("refunded"), timeout=20)
    assert await _settled(client, event["id"], "refunded")
    tickets = await call(client, "GET", "/api/tickets", buyer, 200)
    assert {ticket["state"] for ticket in tickets["items"] if ticket["event"]["id"] == event["id"]} == {"cancelled"}

    async def refunded_to_phone():
        await disbursements.disburse_due(client.app[PLATFORM])
        found = await call(client, "GET", "/api/payments/disbursements", buyer, 200, params={"kind": "refund"})
        return [item for item in found["items"] if item["status"] == "succeeded"]

    [refund] = await eventually(refunded_to_phone, timeout=20)
    assert (refund["amount"], refund["currency"]) == (1_000_000, "TZS")
