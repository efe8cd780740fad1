"""Posts through the real app: writing one (text as typed, entities, media), drafts, and who may
read it (docs/social.md, "Posts", "Entities", "Visibility"); every refusal with nothing written."""
from __future__ import annotations

import pytest
import pytest_asyncio

from nexgate.entities import parse
from tests.support.commerce import rows
from tests.support.live import raw, receive, send
from tests.support.shared_app import shared_client
from tests.support.social import create_post, draft_post, get_post, post_image, sees_post
from tests.support.users import accept, block, follow, update_profile, user

pytestmark = [pytest.mark.xdist_group("social_posts"), pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool) as started:
        yield started


def _spans(text: str) -> list[tuple[str, str]]:
    return [(e["type"], text[e["offset"]:e["offset"] + e["length"]]) for e in parse(text)]


def test_entities_are_found_with_offsets_in_code_points():
    text = "🎉 @amina_k na $Duka_Bora: #Kariakoo #2026 #Sokoni! https://x.co/#tag @ab amina@duka.co.tz $$x #a#b"
    assert _spans(text) == [("mention", "@amina_k"), ("shop", "$Duka_Bora"), ("hashtag", "#Kariakoo"),
                            ("hashtag", "#Sokoni"), ("link", "https://x.co/#tag")]
    tags = [e["tag"] for e in parse("#Habari #ΑΘΗΝΑ #jambo_2")]
    assert tags == ["habari", "αθηνα", "jambo_2"]


async def test_a_post_is_written_and_read_as_typed_with_its_entities_and_media(client):
    amina, baraka = await user(client), await user(client)
    photo, clip_free = await post_image(client, amina), await post_image(client, amina, width=200, height=100)
    text = f"<script>alert(1)</script> Karibu @{baraka['username']} na @hakuna_mtu #Sokoni https://duka.africa"
    made = await create_post(client, amina, text=text, media_ids=[clip_free, photo])
    assert made["text"] == text and made["state"] == "published" and made["visibility"] == "public"
    assert made["post_type"] == "image" and made["kind"] == "original"
    assert [m["id"] for m in made["media"]] == [clip_free, photo]
    assert made["media"][0]["width"] == 200 and made["media"][0]["blurhash"]
    assert [(e["type"], e.get("user_id")) for e in made["entities"]] == [
        ("mention", baraka["id"]), ("hashtag", None), ("link", None)]
    assert made["authors"] == [{"id": amina["id"], "username": amina["username"], "display_name": amina["user"]["display_name"],
                                "avatar_media_id": None, "is_verified": False}]
    assert made["counters"] == {"likes": 0, "comments": 0, "reposts": 0, "quotes": 0, "bookmarks": 0}
    assert made["viewer_state"] == {"liked": False, "bookmarked": False, "reposted": False}
    anonymous = await get_post(client, None, made["id"])
    assert anonymous == made
    [count] = await rows(client, "SELECT posts_count FROM users WHERE id = $1", amina["id"])
    assert count["posts_count"] == 1
    outbox = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'social.post.published'"
                                " AND payload->>'post_id' = $1", made["id"])
    assert len(outbox) == 1


async def test_bad_posts_are_refused_naming_the_field_and_nothing_is_written(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    await block(client, baraka, amina["id"])
    too_long = await create_post(client, amina, text="a" * 5001, expect=422)
    assert "text" in too_long["error"]["details"]["fields"]
    assert (await create_post(client, amina, text="a" * 5000))["text"] == "a" * 5000
    refused = await create_post(client, amina, text=f"Habari @{baraka['username']}", expect=422)
    assert refused["error"]["code"] == "mention_not_allowed" and "text" in refused["error"]["details"]["fields"]
    theirs = await post_image(client, chausiku)
    refused = await create_post(client, amina, media_ids=[theirs], expect=403)
    assert refused["error"]["code"] == "media_not_owned" and "media_ids" in refused["error"]["details"]["fields"]
    avatar = await post_image(client, amina, purpose="avatar")
    refused = await create_post(client, amina, media_ids=[avatar], expect=422)
    assert refused["error"]["code"] == "media_purpose_mismatch"
    assert (await create_post(client, amina, text="   ", expect=422))["error"]["code"] == "post_empty"
    assert (await create_post(client, amina, visibility="friends", expect=422))["error"]["details"]["fields"]
    [count] = await rows(client, "SELECT count(*) AS n FROM posts WHERE author_id = $1", amina["id"])
    assert count["n"] == 1


async def test_who_may_read_a_post(client):
    amina, fan, stranger, mentioned, blocker = [await user(client) for _ in range(5)]
    await follow(client, fan, amina["id"])
    public = await create_post(client, amina)
    followers = await create_post(client, amina, visibility="followers")
    private = await create_post(client, amina, visibility="private", text=f"Siri @{mentioned['username']}")
    draft = await draft_post(client, amina)
    assert draft["state"] == "draft" and draft["published_at"] is None
    await block(client, blocker, amina["id"])
    expected = {  # viewer: (public, followers, private, draft)
        "amina": (amina, (True, True, True, True)),
        "fan": (fan, (True, True, False, False)),
        "stranger": (stranger, (True, False, False, False)),
        "mentioned": (mentioned, (True, False, True, False)),
        "blocker": (blocker, (False, False, False, False)),
        "anonymous": (None, (True, False, False, False)),
    }
    for name, (tokens, seen) in expected.items():
        got = tuple([await sees_post(client, tokens, p["id"]) for p in (public, followers, private, draft)])
        assert got == seen, name
    # a mentioned user who blocks the author no longer sees what mentions them
    await block(client, mentioned, amina["id"])
    assert not await sees_post(client, mentioned, private["id"])
    # amina blocks the fan: gone for them too, either way
    await block(client, amina, fan["id"])
    assert not await sees_post(client, fan, public["id"])
    # a private account's posts: followers only, whatever the post's visibility
    await update_profile(client, amina, amina["id"], is_private=True)
    assert not await sees_post(client, stranger, public["id"]) and not await sees_post(client, None, public["id"])
    await follow(client, stranger, amina["id"])
    await accept(client, amina, stranger["id"])
    assert await sees_post(client, stranger, public["id"]) and await sees_post(client, stranger, followers["id"])
    # the post topic: whoever may see the post
    for tokens, topic, answer in ((stranger, f"post:{followers['id']}", "ack"), (fan, f"post:{public['id']}", "error"),
                                  (stranger, "post:nope", "error")):
        ws, ready = await raw(client, tokens["access_token"])
        await send(ws, type="subscribe", id=1, topic=topic)
        frame = await receive(ws)
        assert frame["type"] == answer, (topic, frame)
        if answer == "error" and topic != "post:nope":
            assert frame["error"]["code"] == "post_not_found"
        await ws.close()
    missing = await get_post(client, amina, "00000000-0000-0000-0000-000000000000", expect=404)
    assert missing["error"]["code"] == "post_not_found"
    assert (await get_post(client, amina, "not-a-post", expect=404))["error"]["code"] == "post_not_found"
