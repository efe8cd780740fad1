"""The feeds through the real app, the outbox relay, RabbitMQ, the social_feeds group and Redis:
the home feed filled by fan-out and read from each user's sorted set, with visibility applied at
every read (a mute, a deletion, an account going private, a block, an unfollow), the database
fallback when Redis lost a user's set, a big account merged in at read time, the "new posts"
marker on followers' streams, shown once; explore's engagement ranking and who it leaves out; a
user's posts under the users area's profile rules; a hashtag's info and posts; cursor paging
without duplicates or gaps, and cursors of another list refused."""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from nexgate.bus.event import Event
from nexgate.domain.social import fanout, feeds
from nexgate.keys import PLATFORM
from tests.conftest import eventually
from tests.support.commerce import call, rows
from tests.support.social import create_post, delete_post
from tests.support.social_interactions import comment, like
from tests.support.social_together import answer, invite, remove_collaborator
from tests.support.users import block, follow, mute, profile, unfollow, unmute, update_profile, user

pytestmark = pytest.mark.xdist_group("social_feeds")


def _ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


async def _walk(client, tokens, path: str, limit: int) -> list[str]:
    """Every page of a feed, asserting no post comes twice."""
    seen, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = await call(client, "GET", path, tokens, 200, params=params)
        seen += _ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            assert len(seen) == len(set(seen)), seen
            return seen


async def _in_feed(client, user_id: str, post_id: str) -> bool:
    key = feeds.store(client.app[PLATFORM]).key(uuid.UUID(user_id))
    return await client.app[PLATFORM].redis.client.zscore(key, post_id) is not None


async def _handled(client, post_id: str) -> None:
    """Wait until the social_feeds group handled every event of the post so far."""
    async def done():
        found = await rows(client, """
            SELECT count(*) = count(p.event_id) AS all_handled
              FROM outbox o LEFT JOIN processed_events p ON p.event_id = o.id AND p.consumer = 'social_feeds'
             WHERE o.payload ->> 'post_id' = $1 AND o.routing_key = ANY($2)""",
                           post_id, ["social.post.published", "social.post.deleted"])
        return found[0]["all_handled"]

    await eventually(done, timeout=20)


@pytest.fixture
async def feeds_app(make_client, config):
    # Accounts with more than two followers are "big": not fanned out, merged at read.
    return await make_client(dataclasses.replace(config, social_fanout_max_followers=2),
                             worker_names=("outbox-relay", "social_feeds"))


async def test_home_is_fanned_out_to_active_followers_and_filtered_at_every_read(feeds_app, users):
    client = feeds_app
    platform = client.app[PLATFORM]
    api = await users.new(client.server)
    amina = {**api.tokens, "id": str(api.user_id)}
    bob, carol, zed, dave = [await user(client) for _ in range(4)]
    before_follow = (await create_post(client, dave, text="before amina followed"))["id"]
    for followee in (bob, carol, zed):
        await follow(client, amina, followee["id"])
    await follow(client, dave, bob["id"])  # dave never reads his feed: not active
    for follower in (bob, carol):
        await follow(client, follower, zed["id"])  # zed: three followers, a big account
    assert (await call(client, "GET", "/api/posts", amina, 200)) == {"items": [], "next_cursor": None}
    device = await api.live()  # amina read her feed: she is active

    made = []
    for author in (bob, carol, bob, carol, bob):
        made.append((await create_post(client, author, text=f"post {len(made)}"))["id"])
    followers_only = (await create_post(client, bob, text="for followers", visibility="followers"))["id"]
    secret = (await create_post(client, bob, text="for no one mentioned", visibility="private"))["id"]
    big = (await create_post(client, zed, text="from a big account"))["id"]
    own = (await create_post(client, amina, text="mine"))["id"]
    for post_id in (*made, followers_only, secret, big, own):
        await _handled(client, post_id)
    newest_first = [own, big, followers_only, *reversed(made)]

    # Fanned out to amina's set, except the big account's post (merged in at read) and the
    # private one; nothing for dave, who is not active.
    assert all([await _in_feed(client, amina["id"], p) for p in (*made, followers_only, own)])
    assert not await _in_feed(client, amina["id"], big) and not await _in_feed(client, amina["id"], secret)
    assert not await platform.redis.client.exists(feeds.store(platform).key(uuid.UUID(dave["id"])))
    assert await _walk(client, amina, "/api/posts", 3) == newest_first
    # A new-posts marker per fanned-out post of someone she follows, none for the big account's.
    markers = set()
    while len(markers) < len(made) + 1:
        frame = await device.next_event(timeout=10)
        if frame["event"] == fanout.NEW_POSTS:
            assert frame["data"]["author_id"] in (bob["id"], carol["id"])
            markers.add(frame["data"]["post_id"])
    assert markers == {*made, followers_only}
    dave_stream = await platform.redis.client.xrange(platform.realtime.stream_key(uuid.UUID(dave["id"])))
    assert not [entry for entry in dave_stream if fanout.NEW_POSTS.encode() in entry[1][b"p"]]

    # The same published event handled again (a redelivery past the claim) is one marker.
    async with platform.core.connection() as conn:
        outbox = await conn.fetchrow("SELECT id, routing_key, payload, created_at FROM outbox"
                                     " WHERE payload ->> 'post_id' = $1", made[0])
        event = Event(outbox["id"], outbox["routing_key"], dict(outbox["payload"]), outbox["created_at"])
        stream = platform.realtime.stream_key(api.user_id)
        length = await platform.redis.client.xlen(stream)
        await fanout.handle(platform, conn, event)
        assert await platform.redis.client.xlen(stream) == length

    # Redis lost her set: the same feed from the database, and her set is rebuilt by the read.
    await feeds.store(platform).forget(uuid.UUID(amina["id"]))
    assert await _walk(client, amina, "/api/posts", 4) == newest_first
    assert await _in_feed(client, amina["id"], made[0]) and not await _in_feed(client, amina["id"], big)

    # A mute takes effect on the next read (the page made up from further posts), and so does the unmute.
    await mute(client, amina, bob["id"])
    assert _ids(await call(client, "GET", "/api/posts", amina, 200, params={"limit": 3})) == [own, big, made[3]]
    await unmute(client, amina, bob["id"])
    # A deletion by its author: gone from the next read.
    await delete_post(client, bob, made[4])
    assert await _walk(client, amina, "/api/posts", 2) == [own, big, followers_only, *reversed(made[:4])]
    # Unfollowed: bob's posts leave her feed though they are still in her set.
    await unfollow(client, amina, bob["id"])
    assert await _walk(client, amina, "/api/posts", 2) == [own, big, made[3], made[1]]
    # Carol's account goes private: amina follows her and still sees her; strangers do not.
    await update_profile(client, carol, carol["id"], is_private=True)
    assert await _walk(client, amina, "/api/posts", 20) == [own, big, made[3], made[1]]
    assert (await call(client, "GET", f"/api/users/{carol['id']}/posts", dave, 403))["error"]["code"] == \
        "private_account"
    await call(client, "GET", f"/api/users/{carol['id']}/posts", None, 403)
    assert await _walk(client, amina, f"/api/users/{carol['id']}/posts", 1) == [made[3], made[1]]
    # A block hides the blocker's posts at once.
    await block(client, carol, amina["id"])
    assert await _walk(client, amina, "/api/posts", 2) == [own, big]
    # A new follow brings the followee's earlier posts into her set at once.
    await follow(client, amina, dave["id"])
    await eventually(lambda: _in_feed(client, amina["id"], before_follow), timeout=20)
    assert await _walk(client, amina, "/api/posts", 20) == [own, big, before_follow]
    # A cursor of another list is refused.
    explore_cursor = (await call(client, "GET", "/api/posts/explore", None, 200, params={"limit": 1}))["next_cursor"]
    assert explore_cursor is not None
    refused = await call(client, "GET", "/api/posts", amina, 422, params={"cursor": explore_cursor})
    assert list(refused["error"]["details"]["fields"]) == ["cursor"]
    await call(client, "GET", "/api/posts", None, 401)


async def test_explore_ranks_by_engagement_and_leaves_out_whom_you_follow_block_or_mute(client):
    amina, bob, carol, dave = [await user(client) for _ in range(4)]
    await follow(client, amina, bob["id"])
    by_bob = (await create_post(client, bob, text="followed"))["id"]
    quiet = (await create_post(client, carol, text="quiet"))["id"]
    tag = f"kilimo{uuid.uuid4().hex[:8]}"
    popular = (await create_post(client, carol, text=f"popular #{tag.upper()}"))["id"]
    by_dave = (await create_post(client, dave, text=f"dave's #{tag}"))["id"]
    hidden = (await create_post(client, dave, text="for followers", visibility="followers"))["id"]
    own = (await create_post(client, amina, text="mine"))["id"]
    old = (await create_post(client, carol, text="four days ago"))["id"]
    # engagement: popular 1 + 2 likes + 2 x 1 comment = 5, by_dave 1 + 3 x 1 quote = 4, the rest 1
    for fan in (bob, dave):
        await like(client, fan, popular)
        await like(client, fan, old)
    await comment(client, bob, popular, "Safi sana")
    await call(client, "POST", f"/api/posts/{by_dave}/quote", carol, 201, json={"text": "Tazama hii"})
    async with client.app[PLATFORM].core.connection() as conn:  # the most liked, but past explore's window
        await conn.execute("UPDATE posts SET published_at = now() - interval '4 days' WHERE id = $1", uuid.UUID(old))

    # A co-authored post counts as each accepted co-author's: on bob's profile and in the home
    # feed of his followers (read from the database here: no fan-out runs in this app).
    shared = (await create_post(client, carol, text="pamoja", collaborator_ids=[bob["id"]]))["id"]
    await answer(client, bob, shared, "accept")
    assert await _walk(client, None, f"/api/users/{bob['id']}/posts", 1) == [shared, by_bob]
    assert await _walk(client, amina, "/api/posts", 2) == [shared, own, by_bob]
    mine = {by_bob, quiet, popular, by_dave, hidden, own, old}

    async def explore(tokens, limit: int) -> list[str]:  # other tests' public posts are there too
        return [p for p in await _walk(client, tokens, "/api/posts/explore", limit) if p in mine]

    # Engagement first, then the newest; not the followers-only post, nor the one past the window.
    assert await explore(None, 2) == [popular, by_dave, own, quiet, by_bob]
    assert await explore(amina, 1) == [popular, by_dave, quiet]  # not whom she follows, not her own
    await mute(client, amina, dave["id"])
    await block(client, carol, amina["id"])
    assert await explore(amina, 20) == []

    # A user's posts: anyone for a public account, newest first; the users area's rules.
    assert await _walk(client, None, f"/api/users/{dave['id']}/posts", 1) == [by_dave]
    assert await _walk(client, dave, f"/api/users/{dave['id']}/posts", 1) == [hidden, by_dave]
    assert (await call(client, "GET", f"/api/users/{carol['id']}/posts", amina, 404))["error"]["code"] == \
        "user_not_found"
    assert (await call(client, "GET", f"/api/users/{amina['id']}/posts", carol, 403))["error"]["code"] == \
        "user_blocked"
    await call(client, "GET", f"/api/users/{uuid.uuid4()}/posts", None, 404)
    await call(client, "GET", "/api/users/not-an-id/posts", None, 404)

    # A hashtag (as publishing the two posts wrote it): its info in any case, its posts newest
    # first, under the same rules.
    assert await call(client, "GET", f"/api/hashtags/{tag.upper()}", None, 200) == {"tag": tag, "posts_count": 2}
    assert await _walk(client, None, f"/api/hashtags/{tag}/posts", 1) == [by_dave, popular]
    assert await _walk(client, amina, f"/api/hashtags/%23{tag}/posts", 1) == []  # muted dave, blocked by carol
    for path in ("/api/hashtags/nothing", "/api/hashtags/nothing/posts"):
        assert (await call(client, "GET", path, None, 404))["error"]["code"] == "hashtag_not_found"
    await call(client, "GET", "/api/posts/explore", None, 422, params={"cursor": "bm90IGEgY3Vyc29y"})


async def test_a_co_author_who_joins_a_published_post_brings_it_to_their_followers_and_profile(feeds_app, users):
    client = feeds_app
    api = await users.new(client.server)
    amina = {**api.tokens, "id": str(api.user_id)}
    bob, carol = [await user(client) for _ in range(2)]
    await follow(client, amina, bob["id"])  # amina follows bob, not carol
    assert (await call(client, "GET", "/api/posts", amina, 200))["items"] == []  # she is active
    device = await api.live()
    shared = (await create_post(client, carol, text="tuliandika pamoja"))["id"]
    await _handled(client, shared)
    assert not await _in_feed(client, amina["id"], shared)
    await invite(client, carol, shared, [bob["id"]])
    await answer(client, bob, shared, "accept")

    # In amina's set (fanned out for bob), told live as bob's, and counted on bob's profile.
    await eventually(lambda: _in_feed(client, amina["id"], shared), timeout=20)
    while (frame := await device.next_event(timeout=10))["event"] != fanout.NEW_POSTS:
        pass
    assert (frame["data"]["post_id"], frame["data"]["author_id"]) == (shared, bob["id"])
    assert _ids(await call(client, "GET", "/api/posts", amina, 200)) == [shared]
    assert (await profile(client, None, bob["id"]))["stats"]["posts"] == 1

    # Bob leaves: off his profile's count, and out of amina's home at the next read.
    await remove_collaborator(client, bob, shared, bob["id"])
    assert (await profile(client, None, bob["id"]))["stats"]["posts"] == 0
    assert (await profile(client, None, carol["id"]))["stats"]["posts"] == 1
    assert (await call(client, "GET", "/api/posts", amina, 200))["items"] == []
