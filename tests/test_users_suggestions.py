"""Suggested users: two hops through the people you follow and people who follow you, with
the reason, and never anyone you follow, asked to follow, muted, blocked or who blocked you."""
from __future__ import annotations

from tests.support.auth import bearer
from tests.support.users import block, follow, mute, update_profile, user


async def _suggestions(client, tokens, expect: int = 200, **params) -> dict:
    response = await client.get("/api/users/suggestions", headers=bearer(tokens), params=params)
    assert response.status == expect, await response.text()
    return await response.json()


async def test_friends_of_friends_ranked_by_how_many_follow_them_and_followers(client):
    me = await user(client)
    a, b, c = await user(client), await user(client), await user(client)
    x, y, fan = await user(client), await user(client), await user(client)
    for followee in (a, b, c):
        await follow(client, me, followee["id"])
    for follower in (a, b, c):
        await follow(client, follower, x["id"])
    await follow(client, a, y["id"])
    await follow(client, a, me["id"])  # a follows me: I am never suggested to myself
    await follow(client, fan, me["id"])

    items = (await _suggestions(client, me))["items"]
    assert [(i["user"]["username"], i["reason"]) for i in items] == [
        (x["username"], f"followed by @{c['username']} and 2 others"),
        (y["username"], f"followed by @{a['username']}"),
        (fan["username"], "follows you"),
    ]
    assert items[0]["followed_by_count"] == 3 and items[0]["followed_by"] == [c["username"], b["username"], a["username"]]
    assert items[0]["user"] == {"id": x["id"], "username": x["username"], "display_name": x["user"]["display_name"],
                                "avatar_media_id": None, "is_verified": False}
    assert items[2]["follows_you"] is True and items[2]["followed_by"] == []
    assert [i["user"]["id"] for i in (await _suggestions(client, me, limit=1))["items"]] == [x["id"]]

    # Both reasons at once; following a suggestion removes it.
    await follow(client, b, fan["id"])
    items = (await _suggestions(client, me))["items"]
    assert (items[1]["user"]["id"], items[1]["reason"]) == (fan["id"], f"follows you · followed by @{b['username']}")
    await follow(client, me, x["id"])
    assert x["id"] not in [i["user"]["id"] for i in (await _suggestions(client, me))["items"]]


async def test_never_followed_requested_muted_or_blocked_either_way(client):
    me, friend = await user(client), await user(client)
    await follow(client, me, friend["id"])
    followed, private, muted, blocked, blocker, fine = [await user(client) for _ in range(6)]
    for target in (followed, private, muted, blocked, blocker, fine):
        await follow(client, friend, target["id"])
    await follow(client, me, followed["id"])
    await update_profile(client, private, private["id"], is_private=True)
    assert (await follow(client, me, private["id"]))["state"] == "requested"
    await mute(client, me, muted["id"])
    await block(client, me, blocked["id"])
    await block(client, blocker, me["id"])
    await follow(client, blocker, me["id"], expect=403)  # a block removes follows both ways and refuses new ones

    ids = [i["user"]["id"] for i in (await _suggestions(client, me))["items"]]
    assert ids == [fine["id"]]
    # A block also keeps me out of the blocked users' suggestions.
    await follow(client, blocked, friend["id"], expect=201)
    assert me["id"] not in [i["user"]["id"] for i in (await _suggestions(client, blocked))["items"]]


async def test_limits_and_an_empty_graph(client):
    me = await user(client)
    assert await _suggestions(client, me) == {"items": []}
    for limit in (0, 51, "many"):
        refused = await _suggestions(client, me, 422, limit=limit)
        assert "limit" in refused["error"]["details"]["fields"]
    response = await client.get("/api/users/suggestions")
    assert response.status == 401
