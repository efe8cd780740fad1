"""Comments and replies through the real app: oldest first with their replies counted, replies
nested at most 2 deep (deeper: 422 reply_too_deep, nothing written), edit and soft delete by
the author only (another's: 403, unchanged), a deleted comment keeping its place and replies
without its text, exact counters, mentions parsed and obeying reach rules, no comment by a user
an author blocked (404, nothing written), and the comments limit."""
from __future__ import annotations

import pytest
import pytest_asyncio


from tests.support import social_interactions as social
from tests.support.shared_app import shared_client
from tests.support.social import create_post
from tests.support.users import block, user

pytestmark = [pytest.mark.xdist_group("social_comments"), pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool) as started:
        yield started


async def test_a_thread_nests_two_deep_and_its_counters_are_exact(client):
    amina, juma, neema = [await user(client) for _ in range(3)]
    post = await create_post(client, amina, text="Mnapendelea chai au kahawa?")
    first = await social.comment(client, juma, post["id"], "Chai ya tangawizi <b>kabisa</b>")
    assert (first["depth"], first["parent_comment_id"], first["text"], first["author"]["id"]) == (
        0, None, "Chai ya tangawizi <b>kabisa</b>", juma["id"])  # stored and returned as typed
    second = await social.comment(client, neema, post["id"], "Kahawa")
    answer = await social.reply(client, amina, first["id"], "Nami pia")
    deeper = await social.reply(client, neema, answer["id"], "Mimi hapana")
    assert (answer["depth"], deeper["depth"], deeper["parent_comment_id"]) == (1, 2, answer["id"])
    too_deep = await social.reply(client, juma, deeper["id"], "Na zaidi", expect=422)
    assert (too_deep["error"]["code"], too_deep["error"]["details"]["max_depth"]) == ("reply_too_deep", 2)

    listed = await social.page(client, None, f"/api/posts/{post['id']}/comments")
    assert [(c["id"], c["replies_count"]) for c in listed["items"]] == [(first["id"], 1), (second["id"], 0)]
    replies = await social.page(client, juma, f"/api/comments/{first['id']}/replies")
    assert [c["id"] for c in replies["items"]] == [answer["id"]]
    assert (await social.counters(client, post["id"]))["comments"] == 4
    [[rows]] = await social.sql(client, "SELECT count(*) FROM comments WHERE post_id = $1", post["id"])
    assert rows == 4  # the refused reply wrote nothing

    for stranger_action in (
            social.call(client, "PATCH", f"/api/comments/{first['id']}", amina, 403, json={"text": "Kahawa!"}),
            social.call(client, "DELETE", f"/api/comments/{first['id']}", neema, 403)):
        assert (await stranger_action)["error"]["code"] == "not_your_comment"
    edited = await social.call(client, "PATCH", f"/api/comments/{first['id']}", juma, 200,
                               json={"text": "Chai ya maziwa"})
    assert edited["text"] == "Chai ya maziwa" and edited["edited_at"] is not None

    await social.call(client, "DELETE", f"/api/comments/{answer['id']}", amina, 204)
    await social.call(client, "DELETE", f"/api/comments/{answer['id']}", amina, 204)  # again: nothing more
    gone = await social.page(client, juma, f"/api/comments/{answer['id']}")
    assert (gone["deleted"], gone["text"], gone["entities"], gone["replies_count"]) == (True, None, [], 1)
    still = await social.page(client, juma, f"/api/comments/{answer['id']}/replies")
    assert [c["id"] for c in still["items"]] == [deeper["id"]]  # its reply keeps its place
    assert (await social.page(client, juma, f"/api/comments/{first['id']}"))["replies_count"] == 0
    assert (await social.counters(client, post["id"]))["comments"] == 3
    for refused in (await social.reply(client, juma, answer["id"], "Hujambo?", expect=409),
                    await social.like_comment(client, juma, answer["id"], expect=409),
                    await social.call(client, "PATCH", f"/api/comments/{answer['id']}", amina, 409,
                                      json={"text": "Tena"})):
        assert refused["error"]["code"] == "comment_deleted"
    [event] = await social.sql(client, "SELECT payload FROM outbox WHERE routing_key = 'social.comment.created'"
                                       " AND payload->>'comment_id' = $1", deeper["id"])
    assert (event["payload"]["parent_author_id"], event["payload"]["comments_count"]) == (amina["id"], 4)


async def test_mentions_obey_reach_and_a_blocked_user_cannot_comment(client):
    amina, juma, neema, blocked = [await user(client) for _ in range(4)]
    post = await create_post(client, amina, text="Karibuni sokoni")
    said = await social.comment(client, juma, post["id"], f"Twende @{neema['username']} na @hakunamtu")
    mention = [e for e in said["entities"] if e["type"] == "mention"]
    assert mention == [{"type": "mention", "offset": 7, "length": len(neema["username"]) + 1,
                        "username": neema["username"], "user_id": neema["id"]}]  # a name of no one stays text
    await block(client, neema, juma["id"])
    refused = await social.comment(client, juma, post["id"], f"Wewe @{neema['username']}", expect=422)
    assert refused["error"]["code"] == "mention_not_allowed"

    await block(client, amina, blocked["id"])
    for attempt in (await social.comment(client, blocked, post["id"], "Habari", expect=404),
                    await social.reply(client, blocked, said["id"], "Habari", expect=404)):
        assert attempt["error"]["code"] in ("post_not_found", "comment_not_found")
    assert (await social.page(client, blocked, f"/api/posts/{post['id']}/comments", expect=404))[
        "error"]["code"] == "post_not_found"
    [[count]] = await social.sql(client, "SELECT count(*) FROM comments WHERE post_id = $1", post["id"])
    assert count == 1 and (await social.counters(client, post["id"]))["comments"] == 1
    # neema blocked juma: his comment is left out of her list
    hidden = await social.page(client, neema, f"/api/posts/{post['id']}/comments")
    assert hidden["items"] == []

