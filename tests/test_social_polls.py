"""Polls through the real app, the outbox relay, RabbitMQ, the social_live group and Redis
(docs/social.md, "Polls"): a vote, a changed vote, the results with whole percentages that sum
to 100, the voters of an option, closing early, expiry, and the results live on ``post:<id>``;
every refusal with nothing written (a second vote, two options on a single-choice poll, an
option of another poll, a vote after the close or the expiry, a voter who may not see the post)."""
from __future__ import annotations

import asyncio
import datetime

import pytest
import pytest_asyncio

from tests.support.commerce import create_product, open_shop, rows
from tests.support.shared_app import shared_client
from tests.support.social import create_post, get_post
from tests.support.social_together import people  # noqa: F401  (the module's users)
from tests.support.social_together import change_vote, close_poll, results, tokens_of, vote, voters
from tests.support.users import block

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.xdist_group("social_polls")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool, worker_names=("outbox-relay", "social_live"),
                             bus_prefetch=1) as started:
        yield started


def _later(**delta) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(**delta)).isoformat()


async def _poll_post(client, tokens, *, options=("Nyekundu", "Bluu", "Kijani"), embeds=(), **poll) -> tuple[dict, dict]:
    """A published post with a poll: the post and the poll's results as its creator sees them."""
    post = await create_post(client, tokens, text="Rangi ipi ijayo?", embeds=list(embeds),
                             poll={"options": list(options), **poll})
    return post, await results(client, tokens, post["poll"]["id"])


async def _stored(client, poll_id: str) -> tuple:
    """The poll's counters and the sums of its votes, as the database holds them."""
    [found] = await rows(client, """
        SELECT p.total_votes, p.voters_count,
               (SELECT count(*) FROM poll_votes v WHERE v.poll_id = p.id) AS votes,
               (SELECT count(*) FROM poll_voters v WHERE v.poll_id = p.id) AS voters,
               (SELECT array_agg(o.votes_count ORDER BY o.position)
                  FROM poll_options o WHERE o.poll_id = p.id) AS per_option,
               (SELECT array_agg((SELECT count(*) FROM poll_votes v WHERE v.option_id = o.id) ORDER BY o.position)
                  FROM poll_options o WHERE o.poll_id = p.id) AS counted
          FROM polls p WHERE p.id = $1""", poll_id)
    assert (found["total_votes"], found["voters_count"]) == (found["votes"], found["voters"])
    assert found["per_option"] == found["counted"]
    return found["total_votes"], found["voters_count"], list(found["per_option"])


def _shares(found: dict) -> list[tuple[int, int]]:
    return [(option["votes"], option["percent"]) for option in found["options"]]


async def test_a_single_choice_poll_is_voted_changed_counted_and_closed_by_its_creator_only(app, people):
    amina, baraka, juma, neema, zawadi = [tokens_of(await people.new(app)) for _ in range(5)]
    post, before = await _poll_post(app, amina, question="Rangi ipi?", expires_at=_later(hours=1))
    poll_id = before["id"]
    red, blue, green = (option["id"] for option in before["options"])
    anonymous = await results(app, None, poll_id)
    assert (anonymous["state"], anonymous["total_votes"], anonymous["voters_count"], anonymous["my_option_ids"]) == (
        "open", 0, 0, None)
    assert _shares(anonymous) == [(0, 0), (0, 0), (0, 0)] and anonymous["question"] == "Rangi ipi?"
    assert 3500 < anonymous["seconds_remaining"] <= 3600 and before["my_option_ids"] == []

    first = await vote(app, baraka, poll_id, [red])
    assert (first["total_votes"], first["voters_count"], first["my_option_ids"]) == (1, 1, [red])
    assert _shares(first) == [(1, 100), (0, 0), (0, 0)]
    again = await vote(app, baraka, poll_id, [blue], expect=409)
    assert (again["error"]["code"], again["error"]["details"]["option_ids"]) == ("already_voted", [red])
    two = await change_vote(app, baraka, poll_id, [red, blue], expect=422)
    assert two["error"]["code"] == "single_choice" and "option_ids" in two["error"]["details"]["fields"]
    assert (await vote(app, juma, poll_id, [red, blue], expect=422))["error"]["code"] == "single_choice"
    other, _ = await _poll_post(app, amina, options=("Ndiyo", "Hapana"))
    stranger = await vote(app, juma, poll_id, [other["poll"]["options"][0]["id"]], expect=422)
    assert (stranger["error"]["code"], stranger["error"]["details"]["option_ids"]) == (
        "option_not_in_poll", [other["poll"]["options"][0]["id"]])
    assert (await change_vote(app, juma, poll_id, [blue], expect=409))["error"]["code"] == "not_voted"
    assert await _stored(app, poll_id) == (1, 1, [1, 0, 0])  # nothing of the refusals was written

    await vote(app, juma, poll_id, [blue])
    found = await vote(app, neema, poll_id, [blue])
    assert _shares(found) == [(1, 33), (2, 67), (0, 0)] and sum(o["percent"] for o in found["options"]) == 100
    changed = await change_vote(app, baraka, poll_id, [green])
    assert _shares(changed) == [(0, 0), (2, 67), (1, 33)] and changed["my_option_ids"] == [green]
    assert (changed["total_votes"], changed["voters_count"]) == (3, 3)
    assert (await results(app, juma, poll_id))["my_option_ids"] == [blue]
    assert await _stored(app, poll_id) == (3, 3, [0, 2, 1])

    newest = await voters(app, None, poll_id, blue, limit=1)
    assert [v["user"]["id"] for v in newest["items"]] == [neema["id"]] and newest["next_cursor"]
    rest = await voters(app, None, poll_id, blue, limit=1, cursor=newest["next_cursor"])
    assert [v["user"]["id"] for v in rest["items"]] == [juma["id"]] and rest["next_cursor"] is None
    assert (await voters(app, amina, poll_id, red))["items"] == []
    await rows(app, "UPDATE poll_votes SET created_at = (SELECT min(created_at) FROM poll_votes WHERE option_id = $1)"
                    " WHERE option_id = $1", blue)  # two votes at the same instant: the user id orders them
    tied = [(await voters(app, None, poll_id, blue, limit=1))["items"][0]["user"]["id"]]
    tied += [v["user"]["id"] for v in (await voters(app, None, poll_id, blue, limit=1, cursor=(
        await voters(app, None, poll_id, blue, limit=1))["next_cursor"]))["items"]]
    assert tied == sorted([juma["id"], neema["id"]])
    await voters(app, amina, poll_id, other["poll"]["options"][0]["id"], expect=404)

    refused = await close_poll(app, baraka, poll_id, expect=403)
    assert refused["error"]["code"] == "not_poll_creator"
    closed = await close_poll(app, amina, poll_id)
    assert (closed["state"], closed["seconds_remaining"]) == ("closed", 0) and closed["closed_at"]
    for attempt in (close_poll(app, amina, poll_id, expect=409), vote(app, zawadi, poll_id, [red], expect=409),
                    change_vote(app, neema, poll_id, [red], expect=409)):
        answer = await attempt
        assert (answer["error"]["code"], answer["error"]["details"]["state"]) == ("poll_closed", "closed")
    assert await _stored(app, poll_id) == (3, 3, [0, 2, 1])
    assert post["id"] == closed["post_id"]


async def test_who_may_see_the_post_votes_an_expired_poll_takes_nothing_and_two_first_votes_make_one(app, people):
    amina, baraka, blocked, follower = [tokens_of(await people.new(app)) for _ in range(4)]
    await block(app, amina, blocked["id"])
    _, found = await _poll_post(app, amina, options=("Asubuhi", "Jioni"))
    poll_id, (morning, evening) = found["id"], [o["id"] for o in found["options"]]
    for attempt in (results(app, blocked, poll_id, expect=404), vote(app, blocked, poll_id, [morning], expect=404)):
        assert (await attempt)["error"]["code"] == "poll_not_found"
    await results(app, None, "00000000-0000-0000-0000-000000000000", expect=404)

    answers = await asyncio.gather(*(app.post(f"/api/polls/{poll_id}/vote", json={"option_ids": [morning]},
                                              headers={"Authorization": f"Bearer {baraka['access_token']}"})
                                     for _ in range(2)))
    assert sorted(answer.status for answer in answers) == [201, 409]
    assert await _stored(app, poll_id) == (1, 1, [1, 0])

    followers_only = await create_post(app, amina, text="Kwa wafuasi tu", visibility="followers",
                                       poll={"options": ["Ndiyo", "Hapana"]})
    hidden_id = followers_only["poll"]["id"]
    assert (await vote(app, baraka, hidden_id, [followers_only["poll"]["options"][0]["id"]], expect=404)
            )["error"]["code"] == "poll_not_found"
    await app.post(f"/api/users/{amina['id']}/follow", headers={"Authorization": f"Bearer {follower['access_token']}"})
    await vote(app, follower, hidden_id, [followers_only["poll"]["options"][1]["id"]])

    draft = await create_post(app, amina, text="Bado", publish=False, poll={"options": ["Ndiyo", "Hapana"]})
    unpublished = await vote(app, amina, draft["poll"]["id"], [draft["poll"]["options"][0]["id"]], expect=409)
    assert (unpublished["error"]["code"], unpublished["error"]["details"]["state"]) == ("post_not_published", "draft")

    await rows(app, "UPDATE polls SET expires_at = now() - interval '1 second' WHERE id = $1", poll_id)
    expired = await vote(app, follower, poll_id, [evening], expect=409)
    assert (expired["error"]["code"], expired["error"]["details"]["state"]) == ("poll_closed", "expired")
    assert (await change_vote(app, baraka, poll_id, [evening], expect=409))["error"]["code"] == "poll_closed"
    shown = await results(app, baraka, poll_id)
    assert (shown["state"], shown["seconds_remaining"], shown["my_option_ids"]) == ("expired", 0, [morning])
    assert (await close_poll(app, amina, poll_id, expect=409))["error"]["details"]["state"] == "expired"
    assert await _stored(app, poll_id) == (1, 1, [1, 0])


async def test_a_multiple_choice_anonymous_poll_on_a_product_post_hides_its_voters(app, people):
    seller, buyer, other = [tokens_of(await people.new(app)) for _ in range(3)]
    product = await create_product(app, seller, (await open_shop(app, seller))["id"])
    post, found = await _poll_post(app, seller, options=("Ndogo", "Kati", "Kubwa"), allows_multiple=True,
                                   is_anonymous=True, embeds=[{"kind": "product", "id": product["id"]}])
    assert (post["post_type"], post["embeds"][0]["kind"]) == ("product", "product")
    poll_id, ids = found["id"], [o["id"] for o in found["options"]]
    both = await vote(app, buyer, poll_id, [ids[2], ids[0], ids[2]])
    assert (both["total_votes"], both["voters_count"], both["my_option_ids"]) == (2, 1, [ids[0], ids[2]])
    assert _shares(both) == [(1, 50), (0, 0), (1, 50)]
    await vote(app, other, poll_id, [ids[1]])
    three = await change_vote(app, other, poll_id, ids)
    assert _shares(three) == [(2, 40), (1, 20), (2, 40)] and (three["total_votes"], three["voters_count"]) == (5, 2)
    # the post shows its poll as the results do, to each viewer with their own choices
    assert (await get_post(app, buyer, post["id"]))["poll"] == await results(app, buyer, poll_id)
    assert (await get_post(app, None, post["id"]))["poll"]["my_option_ids"] is None
    refused = await voters(app, seller, poll_id, ids[0], expect=403)
    assert refused["error"]["code"] == "poll_anonymous"
    assert await _stored(app, poll_id) == (5, 2, [2, 1, 2])


async def test_watchers_of_the_post_see_the_results_change_live(app, people):
    author_api, watcher_api, voter_api = [await people.new(app) for _ in range(3)]
    amina, voter = tokens_of(author_api), tokens_of(voter_api)
    post, found = await _poll_post(app, amina, options=("Chai", "Kahawa"))
    watcher = await watcher_api.live()
    await watcher.subscribe(f"post:{post['id']}")
    tea = found["options"][0]["id"]
    voted = await vote(app, voter, found["id"], [tea])
    frame = await _frame(watcher, "social.poll.voted")
    assert frame["topic"] == f"post:{post['id']}"
    assert frame["data"]["poll"] == {**voted, "my_option_ids": None, "seconds_remaining": None}
    closed = await close_poll(app, amina, found["id"])
    frame = await _frame(watcher, "social.poll.closed")
    assert frame["data"]["poll"] == {**closed, "my_option_ids": None}
    await watcher.close()


async def _frame(device, event: str) -> dict:
    while (frame := await device.next_event(timeout=10))["event"] != event:
        pass
    return frame
