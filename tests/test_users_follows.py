"""Follows, private accounts' follow requests, the lists, the counters and their reconciliation."""
from __future__ import annotations

import asyncio
import uuid

from nexgate.keys import PLATFORM
from tests import cli
from tests.support.auth import bearer
from tests.support.users import (
    accept, all_pages, counters, decline, events, follow, listing, profile, unfollow, update_profile, user,
)


async def test_follow_and_unfollow_a_public_account(client):
    amina, baraka = await user(client), await user(client)
    assert await follow(client, baraka, amina["id"]) == {"state": "following"}
    assert await counters(client, amina["id"]) == (1, 0) and await counters(client, baraka["id"]) == (0, 1)
    seen = await profile(client, baraka, amina["id"])
    assert seen["relationship"]["following"] is True and seen["stats"]["followers"] == 1
    assert (await profile(client, amina, baraka["id"]))["relationship"]["followed_by"] is True
    assert await events(client, "users.follow.created", followee_id=amina["id"]) == [
        {"follower_id": baraka["id"], "followee_id": amina["id"]}]

    await unfollow(client, baraka, amina["id"])
    assert await counters(client, amina["id"]) == (0, 0) and await counters(client, baraka["id"]) == (0, 0)
    assert await events(client, "users.follow.deleted", followee_id=amina["id"]) == [
        {"follower_id": baraka["id"], "followee_id": amina["id"], "reason": "unfollowed"}]


async def test_following_twice_changes_nothing(client):
    amina, baraka = await user(client), await user(client)
    await follow(client, baraka, amina["id"])
    assert await follow(client, baraka, amina["id"], expect=200) == {"state": "following"}
    assert await counters(client, amina["id"]) == (1, 0) and await counters(client, baraka["id"]) == (0, 1)
    assert len(await events(client, "users.follow.created", followee_id=amina["id"])) == 1


async def test_ten_simultaneous_follows_make_one(client):
    amina, baraka = await user(client), await user(client)
    responses = await asyncio.gather(*(
        client.post(f"/api/users/{amina['id']}/follow", headers=bearer(baraka)) for _ in range(10)))
    assert sorted(response.status for response in responses) == [200] * 9 + [201]
    assert await counters(client, amina["id"]) == (1, 0) and await counters(client, baraka["id"]) == (0, 1)
    assert len(await events(client, "users.follow.created", followee_id=amina["id"])) == 1


async def test_crossing_follows_and_unfollows_keep_counters_exact(client):
    people = [await user(client) for _ in range(4)]
    pairs = [(a, b) for a in people for b in people if a is not b]
    await asyncio.gather(*(follow(client, a, b["id"]) for a, b in pairs))
    for person in people:
        assert await counters(client, person["id"]) == (3, 3)
    await asyncio.gather(*(unfollow(client, a, b["id"]) for a, b in pairs[::2]))
    async with client.app[PLATFORM].core.connection() as conn:
        drift = await conn.fetchval("""
            SELECT count(*) FROM users u
             WHERE followers_count <> (SELECT count(*) FROM user_follows WHERE followee_id = u.id)
                OR following_count <> (SELECT count(*) FROM user_follows WHERE follower_id = u.id)""")
    assert drift == 0


async def test_bad_follows_are_refused_and_change_nothing(client):
    amina, baraka = await user(client), await user(client)
    body = await follow(client, amina, amina["id"], expect=422)
    assert body["error"]["code"] == "cannot_follow_self"
    body = await follow(client, amina, str(uuid.uuid4()), expect=404)
    assert body["error"]["code"] == "user_not_found"
    assert (await client.post("/api/users/not-a-uuid/follow", headers=bearer(amina))).status == 404
    body = await unfollow(client, amina, baraka["id"], expect=404)
    assert body["error"]["code"] == "not_following"
    assert await counters(client, amina["id"]) == (0, 0) and await counters(client, baraka["id"]) == (0, 0)
    assert await events(client, "users.follow.created", follower_id=amina["id"]) == []
    assert await events(client, "users.follow.deleted", follower_id=amina["id"]) == []


async def test_private_account_requests_accept_and_decline(client):
    amina = await user(client)
    await update_profile(client, amina, amina["id"], is_private=True)
    baraka, chausiku = await user(client), await user(client)
    assert await follow(client, baraka, amina["id"]) == {"state": "requested"}
    assert await follow(client, baraka, amina["id"], expect=200) == {"state": "requested"}
    assert await follow(client, chausiku, amina["id"]) == {"state": "requested"}
    assert await counters(client, amina["id"]) == (0, 0)
    seen = await profile(client, baraka, amina["id"])
    assert seen["relationship"]["requested"] is True and seen["content_visible"] is False
    body = await listing(client, baraka, f"/api/users/{amina['id']}/followers", expect=403)
    assert body["error"]["code"] == "private_account"

    pending = await listing(client, amina, "/api/follows/requests")
    assert [item["id"] for item in pending["items"]] == [chausiku["id"], baraka["id"]]
    assert await listing(client, baraka, "/api/follows/requests") == {"items": [], "next_cursor": None}
    assert len(await events(client, "users.follow.requested", target_id=amina["id"])) == 2

    await accept(client, amina, baraka["id"])
    await decline(client, amina, chausiku["id"])
    assert await counters(client, amina["id"]) == (1, 0) and await counters(client, baraka["id"]) == (0, 1)
    assert await counters(client, chausiku["id"]) == (0, 0)
    assert (await profile(client, baraka, amina["id"]))["content_visible"] is True
    assert (await profile(client, chausiku, amina["id"]))["relationship"]["requested"] is False
    followers = await listing(client, baraka, f"/api/users/{amina['id']}/followers")
    assert [item["id"] for item in followers["items"]] == [baraka["id"]]
    assert await events(client, "users.follow.accepted", followee_id=amina["id"]) == [
        {"follower_id": baraka["id"], "followee_id": amina["id"]}]
    assert await events(client, "users.follow.declined", target_id=amina["id"]) == [
        {"requester_id": chausiku["id"], "target_id": amina["id"]}]
    assert await listing(client, amina, "/api/follows/requests") == {"items": [], "next_cursor": None}


async def test_the_requests_paths_of_the_brief_work_too(client):
    amina, baraka = await user(client), await user(client)
    await update_profile(client, amina, amina["id"], is_private=True)
    await follow(client, baraka, amina["id"])
    response = await client.post(f"/api/follows/requests/{baraka['id']}/accept", headers=bearer(amina))
    assert response.status == 204
    assert await counters(client, amina["id"]) == (1, 0)


async def test_unfollow_withdraws_a_pending_request(client):
    amina, baraka = await user(client), await user(client)
    await update_profile(client, amina, amina["id"], is_private=True)
    await follow(client, baraka, amina["id"])
    await unfollow(client, baraka, amina["id"])
    assert await listing(client, amina, "/api/follows/requests") == {"items": [], "next_cursor": None}
    assert await events(client, "users.follow_request.cancelled", target_id=amina["id"]) == [
        {"requester_id": baraka["id"], "target_id": amina["id"]}]
    await unfollow(client, baraka, amina["id"], expect=404)


async def test_accepting_a_request_that_is_not_yours_or_does_not_exist(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    await update_profile(client, amina, amina["id"], is_private=True)
    await follow(client, baraka, amina["id"])
    for acting, requester in ((chausiku, baraka), (amina, chausiku), (amina, str(uuid.uuid4()))):
        requester_id = requester if isinstance(requester, str) else requester["id"]
        body = await accept(client, acting, requester_id, expect=404)
        assert body["error"]["code"] == "follow_request_not_found"
        body = await decline(client, acting, requester_id, expect=404)
        assert body["error"]["code"] == "follow_request_not_found"
    assert [item["id"] for item in (await listing(client, amina, "/api/follows/requests"))["items"]] == [baraka["id"]]
    assert await counters(client, amina["id"]) == (0, 0) and await counters(client, baraka["id"]) == (0, 0)


async def test_going_public_accepts_every_pending_request(client):
    amina = await user(client)
    await update_profile(client, amina, amina["id"], is_private=True)
    fans = [await user(client) for _ in range(3)]
    for fan in fans:
        await follow(client, fan, amina["id"])
    public = await update_profile(client, amina, amina["id"], is_private=False)
    assert public["stats"]["followers"] == 3 and await counters(client, amina["id"]) == (3, 0)
    for fan in fans:
        assert await counters(client, fan["id"]) == (0, 1)
    assert len(await events(client, "users.follow.accepted", followee_id=amina["id"])) == 3
    assert await listing(client, amina, "/api/follows/requests") == {"items": [], "next_cursor": None}


async def test_lists_page_without_duplicates_or_gaps(client):
    star = await user(client)
    fans = [await user(client) for _ in range(25)]
    for fan in fans:
        await follow(client, fan, star["id"])
    viewer = fans[0]
    listed = await all_pages(client, viewer, f"/api/users/{star['id']}/followers", limit=7)
    assert [item["id"] for item in listed] == [fan["id"] for fan in reversed(fans)]
    assert set(listed[0]) == {"id", "username", "display_name", "avatar_media_id", "is_verified", "since"}
    first = await listing(client, viewer, f"/api/users/{star['id']}/followers")
    assert len(first["items"]) == 20 and first["next_cursor"]
    rest = await listing(client, viewer, f"/api/users/{star['id']}/followers", cursor=first["next_cursor"], limit=100)
    assert len(rest["items"]) == 5 and rest["next_cursor"] is None

    for fan in fans[:3]:
        await follow(client, star, fan["id"])
    following = await all_pages(client, viewer, f"/api/users/{star['id']}/following", limit=2)
    assert [item["id"] for item in following] == [fan["id"] for fan in reversed(fans[:3])]


async def test_bad_page_parameters_name_the_field(client, signed_in):
    me = signed_in["user"]["id"]
    for params, field in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "x"}, "limit"),
                          ({"cursor": "garbage!"}, "cursor"), ({"cursor": "bm90fGE"}, "cursor")):
        body = await listing(client, signed_in, f"/api/users/{me}/followers", expect=422, **params)
        assert field in body["error"]["details"]["fields"]


async def test_reconcile_repairs_counter_drift(client, config):
    amina, baraka = await user(client), await user(client)
    await follow(client, baraka, amina["id"])
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET followers_count = 7 WHERE id = $1", uuid.UUID(amina["id"]))
        await conn.execute("UPDATE users SET following_count = 0 WHERE id = $1", uuid.UUID(baraka["id"]))
    code, out, err = await cli.run(config, "users", "reconcile")
    assert code == 0, err
    assert f"{amina['username']}: followers 7 -> 1" in out and f"{baraka['username']}: following 0 -> 1" in out
    assert "fixed " in out
    assert await counters(client, amina["id"]) == (1, 0) and await counters(client, baraka["id"]) == (0, 1)
    code, out, _ = await cli.run(config, "users", "reconcile")
    assert code == 0 and amina["username"] not in out and baraka["username"] not in out
