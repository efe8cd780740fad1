"""Trust scores: commerce and events report through the bus, the trust worker records each
report once and recomputes the score that profiles show."""
from __future__ import annotations

import datetime
import logging
import uuid

from nexgate import bus
from nexgate.bus.deadletters import list_dead_letters
from nexgate.domain.users import trust
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.users import events, profile, user

WORKERS = ["outbox-relay", "trust"]


def expected(*outcomes: tuple[str, float]) -> int:
    """The documented formula (docs/trust.md), computed independently of the SQL."""
    weights = {"order_completed": 1, "order_refunded": 1, "dispute_lost": 4, "review": 2, "event_completed": 3,
               "event_cancelled": 5}
    earned = sum(weights[kind] * outcome for kind, outcome in outcomes)
    total = sum(weights[kind] for kind, _ in outcomes)
    return round(100 * (10 * 0.5 + earned) / (10 + total))


async def _emit(client, routing_key: str, payload: dict) -> uuid.UUID:
    """An event of commerce or events as their producers will write it. Those areas do not exist
    yet, so nothing declares their events and ``bus.emit`` would refuse them: the outbox row is
    written directly, malformed reports included."""
    event_id = uuid.uuid4()
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("INSERT INTO outbox (id, routing_key, payload) VALUES ($1, $2, $3)",
                           event_id, routing_key, payload)
    return event_id


async def _trust_rows(client, user_id: str) -> list:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetch("SELECT kind, rating, source_event_id FROM trust_events WHERE user_id = $1 "
                                "ORDER BY recorded_at", uuid.UUID(user_id))


async def _score_becomes(client, viewer: dict, subject: dict, score: int) -> dict:
    async def check():
        shown = (await profile(client, viewer, subject["id"]))["trust"]
        return shown if shown["score"] == score else None

    return await eventually(check, timeout=15)


async def test_seller_score_builds_with_orders_and_drops_with_disputes(make_client, config):
    client = await make_client(config, worker_names=WORKERS)
    seller, buyer = await user(client), await user(client)
    assert (await profile(client, buyer, seller["id"]))["trust"] == {"score": None, "level": "new"}

    history = []
    for n in range(3):
        await _emit(client, "commerce.order.completed", {"order_id": str(uuid.uuid4()), "seller_id": seller["id"],
                                                         "buyer_id": buyer["id"]})
        history.append(("order_completed", 1.0))
    await _emit(client, "commerce.review.created", {"review_id": str(uuid.uuid4()), "seller_id": seller["id"],
                                                    "rating": 5})
    history.append(("review", 1.0))
    shown = await _score_becomes(client, buyer, seller, expected(*history))
    assert shown == {"score": 67, "level": "good"}

    await _emit(client, "commerce.dispute.lost", {"dispute_id": str(uuid.uuid4()), "seller_id": seller["id"]})
    await _emit(client, "commerce.order.refunded", {"order_id": str(uuid.uuid4()), "seller_id": seller["id"]})
    history += [("dispute_lost", 0.0), ("order_refunded", 0.0)]
    shown = await _score_becomes(client, buyer, seller, expected(*history))
    assert shown == {"score": 50, "level": "fair"}
    assert len(await _trust_rows(client, seller["id"])) == 6

    # Each change names the score before it: from none to the last, whatever order the worker took.
    changes = await events(client, "users.trust_score.changed", user_id=seller["id"])
    chain = _chain(None, changes)
    assert chain is not None, changes
    assert chain[-1] == {"user_id": seller["id"], "previous_score": chain[-2]["score"], "score": 50, "level": "fair"}


async def test_organizer_cancellations_and_poor_feedback_lower_the_score(make_client, config):
    client = await make_client(config, worker_names=WORKERS)
    organizer, fan = await user(client), await user(client)
    await _emit(client, "events.event.completed", {"event_id": str(uuid.uuid4()), "organizer_id": organizer["id"]})
    good = await _score_becomes(client, fan, organizer, expected(("event_completed", 1.0)))
    await _emit(client, "events.event.cancelled", {"event_id": str(uuid.uuid4()), "organizer_id": organizer["id"]})
    await _emit(client, "events.review.created", {"review_id": str(uuid.uuid4()), "organizer_id": organizer["id"],
                                                  "rating": 2})
    worse = await _score_becomes(client, fan, organizer, expected(
        ("event_completed", 1.0), ("event_cancelled", 0.0), ("review", 0.25)))
    assert good == {"score": 62, "level": "good"} and worse == {"score": 42, "level": "fair"}
    # the two events emitted together are taken by the worker in either order
    rows = [(row["kind"], row["rating"]) for row in await _trust_rows(client, organizer["id"])]
    assert rows[0] == ("event_completed", None)
    assert sorted(rows[1:], key=str) == [("event_cancelled", None), ("review", 2)]


async def test_the_same_event_twice_is_recorded_once(make_client, config, caplog):
    caplog.set_level(logging.INFO, logger="nexgate.bus.consumer")
    client = await make_client(config, worker_names=WORKERS)
    seller, viewer = await user(client), await user(client)
    event_id = await _emit(client, "commerce.order.completed", {"seller_id": seller["id"]})
    await _score_becomes(client, viewer, seller, expected(("order_completed", 1.0)))
    # As if the relay crashed after publishing, before marking it: the event goes out again.
    core = client.app[PLATFORM].core
    async with core.transaction("tests.setup") as conn:
        await conn.execute("UPDATE outbox SET published_at = NULL WHERE id = $1", event_id)
    await eventually(lambda: _published(core, event_id))
    await eventually(lambda: f"consumer trust skips {event_id}: already handled" in caplog.messages)  # the copy came
    assert [row["source_event_id"] for row in await _trust_rows(client, seller["id"])] == [event_id]

    # And the trust table refuses a second record of a source event on its own (no processed_events).
    event = bus.Event(event_id, "commerce.order.completed", {"seller_id": seller["id"]},
                      datetime.datetime.now(datetime.timezone.utc))
    async with core.transaction("tests.setup") as conn:
        assert await trust.record_trust_event(conn, event) is None
    assert len(await _trust_rows(client, seller["id"])) == 1
    assert (await profile(client, viewer, seller["id"]))["trust"]["score"] == expected(("order_completed", 1.0))


async def _published(core, event_id) -> bool:
    async with core.connection() as conn:
        return await conn.fetchval("SELECT published_at IS NOT NULL FROM outbox WHERE id = $1", event_id)


async def test_malformed_reports_are_parked_and_the_worker_carries_on(make_client, config):
    client = await make_client(config, worker_names=WORKERS)
    seller, viewer = await user(client), await user(client)
    bad = [
        await _emit(client, "commerce.review.created", {"seller_id": seller["id"], "rating": 7}),
        await _emit(client, "commerce.review.created", {"seller_id": seller["id"], "rating": "5"}),
        await _emit(client, "commerce.review.created", {"seller_id": seller["id"]}),
        await _emit(client, "commerce.order.completed", {"seller": seller["id"]}),
        await _emit(client, "events.event.cancelled", {"organizer_id": "not-a-uuid"}),
    ]
    # A report about a user who does not exist is dropped with a log line, not parked.
    await _emit(client, "commerce.order.completed", {"seller_id": str(uuid.uuid4())})
    await _emit(client, "commerce.review.created", {"seller_id": seller["id"], "rating": 4})
    await _score_becomes(client, viewer, seller, expected(("review", 0.75)))

    broker = client.app[PLATFORM].broker

    async def parked():
        letters = {letter.message_id: letter for letter in await list_dead_letters(broker, "trust")}
        return letters if {str(i) for i in bad} <= set(letters) else None

    letters = await eventually(parked, timeout=20)
    assert "rating" in letters[str(bad[0])].error and "seller_id" in letters[str(bad[3])].error
    assert [(row["kind"], row["rating"]) for row in await _trust_rows(client, seller["id"])] == [("review", 4)]


async def test_levels():
    assert [trust.level_for(score) for score in (None, 0, 39, 40, 59, 60, 79, 80, 100)] == [
        "new", "low", "low", "fair", "fair", "good", "good", "excellent", "excellent"]


def _chain(score, changes: list[dict]) -> list[dict] | None:
    """The changes in an order where each one starts from the score the one before it left (a
    score may come back, so more than one change can start from it); None if there is none."""
    if not changes:
        return []
    for n, change in enumerate(changes):
        if change["previous_score"] == score:
            rest = _chain(change["score"], changes[:n] + changes[n + 1:])
            if rest is not None:
                return [change, *rest]
    return None
