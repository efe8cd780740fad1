"""Blocks and mutes: what a block removes, what each side can still do, and the lists."""
from __future__ import annotations

import uuid

from tests.support.auth import bearer
from tests.support.users import (
    all_pages, block, counters, events, follow, listing, mute, profile, unblock, unfollow, unmute, update_profile,
    user,
)


async def _befriend(client, a, b):
    await follow(client, a, b["id"])
    await follow(client, b, a["id"])


async def test_block_removes_follows_both_ways_with_exact_counters(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    await _befriend(client, amina, baraka)
    await follow(client, chausiku, baraka["id"])
    await block(client, amina, baraka["id"])
    assert await counters(client, amina["id"]) == (0, 0)
    assert await counters(client, baraka["id"]) == (1, 0)
    assert await events(client, "users.block.created", blocker_id=amina["id"]) == [
        {"blocker_id": amina["id"], "blocked_id": baraka["id"]}]
    removed = await events(client, "users.follow.deleted", reason="blocked")
    assert {(e["follower_id"], e["followee_id"]) for e in removed if amina["id"] in e.values()} == {
        (amina["id"], baraka["id"]), (baraka["id"], amina["id"])}

    await block(client, amina, baraka["id"])  # again: nothing more happens
    assert len(await events(client, "users.block.created", blocker_id=amina["id"])) == 1


async def test_block_removes_pending_requests_both_ways(client):
    amina, baraka = await user(client), await user(client)
    for person in (amina, baraka):
        await update_profile(client, person, person["id"], is_private=True)
    await follow(client, amina, baraka["id"])
    await follow(client, baraka, amina["id"])
    await block(client, baraka, amina["id"])
    for person in (amina, baraka):
        assert await listing(client, person, "/api/follows/requests") == {"items": [], "next_cursor": None}
        assert await counters(client, person["id"]) == (0, 0)


async def test_the_blocked_user_cannot_see_or_act_on_the_blocker(client):
    amina, baraka = await user(client), await user(client)
    await block(client, amina, baraka["id"])
    for ref in (amina["id"], amina["username"]):
        assert (await profile(client, baraka, ref, expect=404))["error"]["code"] == "user_not_found"
    for method, path in (("POST", "follow"), ("DELETE", "unfollow"), ("POST", "mute"), ("GET", "stats"),
                         ("GET", "followers"), ("GET", "following")):
        response = await client.request(method, f"/api/users/{amina['id']}/{path}", headers=bearer(baraka))
        assert response.status == 404, (method, path)
        assert (await response.json())["error"]["code"] == "user_not_found"
    # Exactly what an id that names nobody answers: the block is not revealed.
    nobody = await client.post(f"/api/users/{uuid.uuid4()}/follow", headers=bearer(baraka))
    blocked = await client.post(f"/api/users/{amina['id']}/follow", headers=bearer(baraka))
    assert (await nobody.json())["error"] == (await blocked.json())["error"]
    assert await counters(client, amina["id"]) == (0, 0) and await counters(client, baraka["id"]) == (0, 0)
    assert await listing(client, amina, "/api/users/muted") == {"items": [], "next_cursor": None}
    assert await listing(client, baraka, "/api/users/muted") == {"items": [], "next_cursor": None}


async def test_the_blocker_is_told_to_unblock_first(client):
    amina, baraka = await user(client), await user(client)
    await block(client, amina, baraka["id"])
    assert (await profile(client, amina, baraka["id"], expect=403))["error"]["code"] == "user_blocked"
    assert (await follow(client, amina, baraka["id"], expect=403))["error"]["code"] == "user_blocked"
    assert await counters(client, baraka["id"]) == (0, 0)


async def test_blocked_users_drop_out_of_each_others_lists(client):
    amina, baraka, star = await user(client), await user(client), await user(client)
    await follow(client, amina, star["id"])
    await follow(client, baraka, star["id"])
    await block(client, amina, baraka["id"])
    for viewer, hidden in ((amina, baraka), (baraka, amina)):
        listed = await all_pages(client, viewer, f"/api/users/{star['id']}/followers")
        assert hidden["id"] not in {item["id"] for item in listed} and len(listed) == 1


async def test_unblock_lifts_the_block_but_restores_no_follows(client):
    amina, baraka = await user(client), await user(client)
    await _befriend(client, amina, baraka)
    await block(client, amina, baraka["id"])
    await unblock(client, amina, baraka["id"])
    assert (await profile(client, baraka, amina["id"]))["relationship"]["following"] is False
    assert await counters(client, amina["id"]) == (0, 0)
    assert await follow(client, baraka, amina["id"]) == {"state": "following"}
    assert await events(client, "users.block.deleted", blocker_id=amina["id"]) == [
        {"blocker_id": amina["id"], "blocked_id": baraka["id"]}]


async def test_unblocking_someone_not_blocked_and_other_bad_blocks(client):
    amina, baraka = await user(client), await user(client)
    assert (await unblock(client, amina, baraka["id"], expect=404))["error"]["code"] == "not_blocked"
    assert (await block(client, amina, amina["id"], expect=422))["error"]["code"] == "cannot_block_self"
    assert (await block(client, amina, str(uuid.uuid4()), expect=404))["error"]["code"] == "user_not_found"
    assert await listing(client, amina, "/api/users/blocked") == {"items": [], "next_cursor": None}


async def test_both_may_block_each_other(client):
    amina, baraka = await user(client), await user(client)
    await block(client, amina, baraka["id"])
    await block(client, baraka, amina["id"])
    await unblock(client, amina, baraka["id"])
    await profile(client, amina, baraka["id"], expect=404)  # baraka's block still stands


async def test_the_spec_and_rest_style_unblock_paths_both_work(client):
    amina, baraka = await user(client), await user(client)
    await block(client, amina, baraka["id"])
    response = await client.delete(f"/api/users/{baraka['id']}/block", headers=bearer(amina))
    assert response.status == 204
    await mute(client, amina, baraka["id"])
    response = await client.delete(f"/api/users/{baraka['id']}/mute", headers=bearer(amina))
    assert response.status == 204
    assert await listing(client, amina, "/api/users/blocked") == {"items": [], "next_cursor": None}
    assert await listing(client, amina, "/api/users/muted") == {"items": [], "next_cursor": None}


async def test_mute_keeps_the_follow_and_the_profile(client):
    amina, baraka = await user(client), await user(client)
    await follow(client, amina, baraka["id"])
    await mute(client, amina, baraka["id"])
    await mute(client, amina, baraka["id"])
    seen = await profile(client, amina, baraka["id"])
    assert seen["relationship"] == {"following": True, "followed_by": False, "requested": False, "muted": True}
    assert (await profile(client, baraka, amina["id"]))["relationship"]["muted"] is False  # not told
    assert await counters(client, baraka["id"]) == (1, 0)
    assert len(await events(client, "users.mute.created", muter_id=amina["id"])) == 1
    await unmute(client, amina, baraka["id"])
    assert (await unmute(client, amina, baraka["id"], expect=404))["error"]["code"] == "not_muted"
    assert (await mute(client, amina, amina["id"], expect=422))["error"]["code"] == "cannot_mute_self"


async def test_blocked_and_muted_lists_page(client):
    amina = await user(client)
    others = [await user(client) for _ in range(5)]
    for other in others:
        await block(client, amina, other["id"])
        await mute(client, amina, other["id"])
    newest_first = [other["id"] for other in reversed(others)]
    for path in ("/api/users/blocked", "/api/users/muted"):
        assert [item["id"] for item in await all_pages(client, amina, path, limit=2)] == newest_first
    other_view = await listing(client, others[0], "/api/users/blocked")
    assert other_view == {"items": [], "next_cursor": None}


async def test_unfollow_of_someone_who_blocked_you(client):
    amina, baraka = await user(client), await user(client)
    await follow(client, baraka, amina["id"])
    await block(client, amina, baraka["id"])
    assert (await unfollow(client, baraka, amina["id"], expect=404))["error"]["code"] == "user_not_found"
