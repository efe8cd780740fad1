"""Reposts, quotes and bookmarks through the real app: one repost per user and post (again: the
same repost), a quote as a post of its own, only public posts of public accounts (409
not_repostable, nothing written), unrepost, the reposts list; bookmarks into collections, moved,
listed and counted exactly, only one's own collections (404), a bookmark outliving the post's
visibility."""
from __future__ import annotations

import pytest
import pytest_asyncio

from tests.support import social_interactions as social
from tests.support.shared_app import shared_client
from tests.support.social import create_post, get_post
from tests.support.users import block, follow, update_profile, user

pytestmark = [pytest.mark.xdist_group("social_reposts"), pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool) as started:
        yield started


async def test_reposts_and_quotes_count_exactly_and_only_public_posts_are_reposted(client):
    amina, juma, neema = [await user(client) for _ in range(3)]
    post = await create_post(client, amina, text="Bei nzuri leo")
    made = await social.call(client, "POST", f"/api/posts/{post['id']}/repost", juma, 201)
    assert (made["post_id"], made["reposts_count"], made["post"]["kind"], made["post"]["original_post_id"]) == (
        post["id"], 1, "repost", post["id"])
    again = await social.call(client, "POST", f"/api/posts/{post['id']}/repost", juma, 200)
    assert again["post"]["id"] == made["post"]["id"] and again["reposts_count"] == 1
    # reposting the repost reposts its original
    via = await social.call(client, "POST", f"/api/posts/{made['post']['id']}/repost", neema, 201)
    assert (via["post_id"], via["reposts_count"]) == (post["id"], 2)
    quoted = await social.call(client, "POST", f"/api/posts/{post['id']}/quote", neema, 201,
                               json={"text": f"Angalia hii @{juma['username']}"})
    assert (quoted["quotes_count"], quoted["post"]["kind"], quoted["post"]["text"]) == (
        1, "quote", f"Angalia hii @{juma['username']}")
    assert quoted["post"]["original_post"]["id"] == post["id"]
    assert (await get_post(client, juma, post["id"]))["viewer_state"]["reposted"] is True
    listed = await social.page(client, None, f"/api/posts/{post['id']}/reposts")
    assert [p["id"] for p in listed["items"]] == [quoted["post"]["id"], via["post"]["id"], made["post"]["id"]]

    gone = await social.call(client, "DELETE", f"/api/posts/{post['id']}/unrepost", juma, 200)
    assert (gone["reposts_count"], gone["post"]) == (1, None)
    assert (await social.call(client, "DELETE", f"/api/posts/{post['id']}/unrepost", juma, 200))["reposts_count"] == 1
    assert (await get_post(client, juma, post["id"]))["viewer_state"]["reposted"] is False
    await get_post(client, None, made["post"]["id"], expect=404)  # the repost left every feed
    assert (await social.counters(client, post["id"]))["reposts"] == 1
    again = await social.call(client, "POST", f"/api/posts/{post['id']}/repost", juma, 201)  # a new one
    assert again["reposts_count"] == 2
    await social.call(client, "DELETE", f"/api/posts/{via['post']['id']}", neema, 204)  # deleted as a post
    await social.call(client, "DELETE", f"/api/posts/{quoted['post']['id']}", neema, 204)
    assert (await social.counters(client, post["id"]))["reposts"] == 1
    assert (await social.counters(client, post["id"]))["quotes"] == 0

    shy = await create_post(client, amina, text="Kwa wafuasi", visibility="followers")
    await follow(client, juma, amina["id"])
    for path in (f"/api/posts/{shy['id']}/repost", f"/api/posts/{shy['id']}/quote"):
        refused = await social.call(client, "POST", path, juma, 409, json={"text": "Tazama"})
        assert refused["error"]["code"] == "not_repostable"
    await update_profile(client, amina, amina["id"], is_private=True)
    refused = await social.call(client, "POST", f"/api/posts/{post['id']}/quote", juma, 409, json={"text": "Hii"})
    assert refused["error"]["code"] == "not_repostable"
    assert await social.counters(client, shy["id"]) == {"likes": 0, "comments": 0, "reposts": 0, "quotes": 0,
                                                        "bookmarks": 0}
    [[count]] = await social.sql(client, "SELECT count(*) FROM posts WHERE original_post_id = ANY($1::uuid[])",
                                 [post["id"], shy["id"]])
    assert count == 4  # juma's two reposts, neema's repost and quote (some deleted): nothing more


async def test_bookmarks_live_in_your_own_collections_with_exact_counts(client):
    amina, juma, neema = [await user(client) for _ in range(3)]
    first = await create_post(client, amina, text="Mapishi ya pilau")
    second = await create_post(client, amina, text="Mapishi ya biriani")
    food = await social.call(client, "POST", "/api/bookmarks/collections", juma, 201, json={"name": "Chakula"})
    assert (food["name"], food["is_private"], food["bookmarks_count"]) == ("Chakula", True, 0)
    taken = await social.call(client, "POST", "/api/bookmarks/collections", juma, 409, json={"name": "CHAKULA"})
    assert taken["error"]["code"] == "collection_name_taken"
    other = await social.call(client, "POST", "/api/bookmarks/collections", neema, 201, json={"name": "Chakula"})

    saved = await social.call(client, "POST", f"/api/posts/{first['id']}/bookmark", juma, 201,
                              json={"collection_id": food["id"]})
    assert (saved["collection_id"], saved["post"]["id"], saved["post"]["viewer_state"]["bookmarked"]) == (
        food["id"], first["id"], True)
    assert (await social.call(client, "POST", f"/api/posts/{first['id']}/bookmark", juma, 200))[
        "collection_id"] == food["id"]  # again: the bookmark as it is
    await social.call(client, "POST", f"/api/posts/{second['id']}/bookmark", juma, 201)
    for refused in (
            await social.call(client, "POST", f"/api/posts/{second['id']}/bookmark", neema, 404,
                              json={"collection_id": food["id"]}),
            await social.call(client, "GET", f"/api/bookmarks/collections/{food['id']}", neema, 404),
            await social.call(client, "POST", f"/api/bookmarks/{first['id']}/move", juma, 404,
                              json={"collection_id": other["id"]})):
        assert refused["error"]["code"] == "collection_not_found"
    assert (await social.counters(client, first["id"]))["bookmarks"] == 1
    assert (await social.counters(client, second["id"]))["bookmarks"] == 1
    in_food = await social.page(client, juma, "/api/bookmarks", collection_id=food["id"])
    assert [b["post_id"] for b in in_food["items"]] == [first["id"]]
    every = await social.page(client, juma, "/api/bookmarks")
    assert [b["post_id"] for b in every["items"]] == [second["id"], first["id"]]

    moved = await social.call(client, "POST", f"/api/bookmarks/{second['id']}/move", juma, 200,
                              json={"collection_id": food["id"]})
    assert moved["collection_id"] == food["id"]
    assert (await social.call(client, "GET", f"/api/bookmarks/collections/{food['id']}", juma, 200))[
        "bookmarks_count"] == 2
    await social.call(client, "POST", f"/api/bookmarks/{first['id']}/move", juma, 200, json={"collection_id": None})
    assert (await social.call(client, "PATCH", f"/api/bookmarks/collections/{food['id']}", juma, 200,
                              json={"name": "Vyakula", "is_private": False}))["bookmarks_count"] == 1
    missing = await social.call(client, "POST", f"/api/bookmarks/{first['id']}/move", neema, 404,
                                json={"collection_id": None})
    assert missing["error"]["code"] == "bookmark_not_found"

    await block(client, amina, juma["id"])  # the bookmark stays, without the post
    shown = await social.page(client, juma, "/api/bookmarks")
    assert [(b["post_id"], b["post"]) for b in shown["items"]] == [(second["id"], None), (first["id"], None)]
    await social.call(client, "DELETE", f"/api/posts/{second['id']}/unbookmark", juma, 204)
    await social.call(client, "DELETE", f"/api/posts/{second['id']}/unbookmark", juma, 204)
    assert (await social.counters(client, second["id"]))["bookmarks"] == 0
    await social.call(client, "DELETE", f"/api/bookmarks/collections/{food['id']}", juma, 204)
    assert (await social.page(client, juma, "/api/bookmarks/collections"))["items"] == []
    [left] = (await social.page(client, juma, "/api/bookmarks"))["items"]
    assert (left["post_id"], left["collection_id"]) == (first["id"], None)
    assert (await social.counters(client, first["id"]))["bookmarks"] == 1
