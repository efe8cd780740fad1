"""Likes of posts and comments through the real app: once per user (liking twice is one like,
answered with the current state), exact counts under 50 likers at once, the likers list
newest first and without blocked people, the post's creator's likes received, no like of a
post the liker may not see (404, nothing written), the reconcile command fixing corrupted
counters (the likes limit: tests/test_social_limits.py)."""
from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from nexgate.keys import PLATFORM
from tests import cli
from tests.support import social_interactions as social
from tests.support.shared_app import shared_client
from tests.support.social import create_post as new_post, get_post
from tests.support.social_together import answer
from tests.support.users import block, follow, profile, user

pytestmark = [pytest.mark.xdist_group("social_likes"), pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool) as started:
        yield started


async def test_a_like_counts_once_and_the_answer_is_the_current_state(client):
    amina, juma, neema = [await user(client) for _ in range(3)]
    post = await new_post(client, amina, text="Mchuzi wa samaki leo")
    first = await social.like(client, juma, post["id"])
    assert first == {"post_id": post["id"], "liked": True, "likes_count": 1}
    assert await social.like(client, juma, post["id"]) == first  # twice: one like, no error
    await social.like(client, neema, post["id"])
    likers = await social.page(client, None, f"/api/posts/{post['id']}/likes")  # public: no token needed
    assert [item["id"] for item in likers["items"]] == [neema["id"], juma["id"]]  # newest first
    assert (await social.counters(client, post["id"]))["likes"] == 2
    # the post shows each viewer their own like
    assert [(await get_post(client, tokens, post["id"]))["viewer_state"]["liked"] for tokens in (juma, amina, None)] == [
        True, False, False]
    assert (await profile(client, None, amina["id"]))["stats"]["likes_received"] == 2
    await block(client, amina, neema["id"])  # a block either way hides the liker from the list
    shown = await social.page(client, amina, f"/api/posts/{post['id']}/likes")
    assert [item["id"] for item in shown["items"]] == [juma["id"]]

    gone = await social.unlike(client, juma, post["id"])
    assert gone == {"post_id": post["id"], "liked": False, "likes_count": 1}
    assert await social.unlike(client, juma, post["id"]) == gone  # unliking what you do not like changes nothing
    events = await social.sql(client, "SELECT routing_key, payload FROM outbox WHERE routing_key LIKE"
                                      " 'social.post.%liked' AND payload->>'post_id' = $1 ORDER BY created_at",
                              post["id"])
    assert [(e["routing_key"], e["payload"]["user_id"], e["payload"]["likes_count"]) for e in events] == [
        ("social.post.liked", juma["id"], 1), ("social.post.liked", neema["id"], 2),
        ("social.post.unliked", juma["id"], 1)]
    assert (await profile(client, None, amina["id"]))["stats"]["likes_received"] == 1


async def test_fifty_likes_at_once_count_exactly_fifty(client):
    author = await user(client)
    likers = await asyncio.gather(*(user(client) for _ in range(50)))
    post = await new_post(client, author, text="Tuhesabu")
    answers = await asyncio.gather(*(social.like(client, liker, post["id"]) for liker in likers))
    assert sorted(a["likes_count"] for a in answers) == list(range(1, 51))  # each saw its own like counted
    assert (await social.counters(client, post["id"]))["likes"] == 50
    [[count]] = await social.sql(client, "SELECT count(*) FROM post_likes WHERE post_id = $1", post["id"])
    assert count == 50


async def test_no_one_likes_a_post_they_may_not_see(client):
    amina, follower, stranger, blocked = [await user(client) for _ in range(4)]
    await follow(client, follower, amina["id"])
    mine = await new_post(client, amina, text="Kwa wafuasi tu", visibility="followers")
    public = await new_post(client, amina, text="Kwa wote")
    await block(client, amina, blocked["id"])
    for who, post in ((stranger, mine), (blocked, public), (blocked, mine)):
        refused = await social.like(client, who, post["id"], expect=404)
        assert refused["error"]["code"] == "post_not_found"
        await social.page(client, who, f"/api/posts/{post['id']}/likes", expect=404)
    draft = await new_post(client, amina, text="Bado", publish=False)  # her own draft: not yet to be liked
    assert (await social.like(client, amina, draft["id"], expect=404))["error"]["code"] == "post_not_found"
    missing = await social.like(client, stranger, "00000000-0000-0000-0000-000000000000", expect=404)
    assert missing["error"]["code"] == "post_not_found"
    assert (await social.like(client, follower, mine["id"]))["likes_count"] == 1
    assert (await social.counters(client, mine["id"]))["likes"] == 1
    assert (await social.counters(client, public["id"]))["likes"] == 0
    [[count]] = await social.sql(client, "SELECT count(*) FROM post_likes WHERE post_id = ANY($1::uuid[])",
                                 [mine["id"], public["id"]])
    assert count == 1


async def test_comment_likes_and_the_reconcile_command(client):
    amina, juma = await user(client), await user(client)
    post = await new_post(client, amina, text="Habari za asubuhi")
    said = await social.comment(client, juma, post["id"], "Nzuri sana")
    liked = await social.like_comment(client, amina, said["id"])
    assert liked == {"comment_id": said["id"], "liked": True, "likes_count": 1}
    assert await social.like_comment(client, amina, said["id"]) == liked
    likers = await social.page(client, juma, f"/api/comments/{said['id']}/likes")
    assert [item["id"] for item in likers["items"]] == [amina["id"]]
    assert (await social.page(client, amina, f"/api/comments/{said['id']}"))["liked"] is True
    assert (await social.page(client, juma, f"/api/comments/{said['id']}"))["liked"] is False
    await social.like(client, juma, post["id"])
    again = await social.comment(client, juma, post["id"], "Tena")
    await social.call(client, "DELETE", f"/api/comments/{again['id']}", juma, 204)  # a deleted one counts not

    await social.sql(client, "UPDATE posts SET likes_count = 7, comments_count = 0 WHERE id = $1", post["id"])
    await social.sql(client, "UPDATE comments SET likes_count = 3 WHERE id = $1", said["id"])
    # juma co-authors a second post of amina's: a post of each of theirs
    shared = await new_post(client, amina, text="Pamoja", collaborator_ids=[juma["id"]])
    await answer(client, juma, shared["id"], "accept")
    await new_post(client, amina, text="Rasimu", publish=False)  # a draft is no post of hers yet
    assert [(await profile(client, None, u["id"]))["stats"]["posts"] for u in (amina, juma)] == [2, 1]
    await social.sql(client, "UPDATE users SET likes_received_count = 9, posts_count = 5 WHERE id = $1", amina["id"])
    await social.sql(client, "UPDATE users SET posts_count = 0 WHERE id = $1", juma["id"])
    code, out, err = await cli.run(client.app[PLATFORM].config, "social", "reconcile")
    assert code == 0, err
    assert f"post {post['id']}: likes 7 -> 1" in out and f"post {post['id']}: comments 0 -> 1" in out
    assert f"comment {said['id']}: likes 3 -> 1" in out and f"user {amina['id']}: likes_received 9 -> 1" in out
    assert f"user {amina['id']}: posts 5 -> 2" in out and f"user {juma['id']}: posts 0 -> 1" in out
    assert len([line for line in out.splitlines() if post["id"] in line or said["id"] in line
                or amina["id"] in line or juma["id"] in line]) == 6
    assert (await social.counters(client, post["id"]))["likes"] == 1
    assert (await social.page(client, None, f"/api/comments/{said['id']}"))["likes_count"] == 1
    code, out, _ = await cli.run(client.app[PLATFORM].config, "social", "reconcile")
    assert code == 0 and post["id"] not in out and said["id"] not in out and amina["id"] not in out
    assert juma["id"] not in out

