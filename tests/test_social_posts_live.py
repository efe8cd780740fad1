"""Posts with the platform's workers running: a scheduled post published once at its time by
the scheduler and the ``social_posts`` group, and the notifications of a post (mentioned in a
post, a shop tagged in a post) shown in the notification centre (docs/social.md,
"Drafts and scheduling", "Notifications")."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import uuid

import pytest

from nexgate.domain.social import publishing
from nexgate.domain.social.publishing import job_id
from nexgate.keys import PLATFORM
from tests.support.auth import bearer
from tests.conftest import eventually
from tests.support.commerce import open_shop, rows
from tests.support.notifications import event_ids, handled
from tests.support.social import create_post, get_post, publish_post
from tests.support.users import _call, update_profile, user

pytestmark = pytest.mark.xdist_group("social_posts_live")
WORKERS = ("outbox-relay", "scheduler", "social_posts", "notifications")


def _at(**delta) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(**delta)).isoformat()


async def test_a_scheduled_post_is_published_once_at_its_time_and_its_mentions_and_shops_are_told(
        make_client, config):
    client = await make_client(dataclasses.replace(config, scheduler_poll_ms=20, bus_prefetch=1, posts_per_hour=3),
                               worker_names=WORKERS)
    amina, juma, seller = [await user(client) for _ in range(3)]
    await update_profile(client, juma, juma["id"], language="sw")
    juma_name = juma["username"]
    shop = await open_shop(client, seller)
    refused = await create_post(client, amina, scheduled_at=_at(minutes=-1), expect=422)
    assert refused["error"]["details"]["fields"] == {"scheduled_at": ["Must be in the future."]}
    made = await create_post(client, amina, text=f"Karibu @{juma_name} kwenye ${shop['handle']}",
                             scheduled_at=_at(seconds=1))
    assert made["state"] == "scheduled" and made["scheduled_at"] and made["published_at"] is None
    published = await eventually(lambda: _state(client, amina, made["id"], "published"), timeout=15)
    assert published["scheduled_at"] is None
    [told] = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'social.post.published'"
                                " AND payload->>'post_id' = $1", made["id"])
    assert told["payload"]["mentioned_user_ids"] == [juma["id"]]
    assert told["payload"]["tagged_shops"] == [{"shop_id": shop["id"], "owner_id": seller["id"],
                                                "shop_name": shop["name"]}]
    # the job fired once; publishing it again by hand is refused
    [job] = await rows(client, "SELECT fired_at FROM scheduled_jobs WHERE id = $1", job_id(made["id"]))
    assert job["fired_at"] is not None
    assert (await publish_post(client, amina, made["id"], expect=409))["error"]["code"] == "post_already_published"
    assert (await rows(client, "SELECT posts_count FROM users WHERE id = $1", amina["id"]))[0][0] == 1
    # the notifications, in each one's language
    await handled(client, await event_ids(client, "social.post.published", post_id=made["id"]))
    [to_juma] = await _told(client, juma)
    author = amina["user"]["display_name"]
    assert (to_juma["type"], to_juma["link"], to_juma["text"]) == (
        "mention_post", f"nexgate://posts/{made['id']}", f"{author} amekutaja kwenye chapisho")
    [to_seller] = await _told(client, seller)
    assert (to_seller["type"], to_seller["text"]) == ("shop_tagged", f"{author} tagged your shop {shop['name']} in a post")
    assert await _told(client, amina) == []

    # two deliveries of a due post's time at once (two workers): published once
    later = await create_post(client, seller, scheduled_at=_at(hours=1))
    await rows(client, "UPDATE posts SET scheduled_at = now() WHERE id = $1", later["id"])
    platform = client.app[PLATFORM]

    async def deliver():
        async with platform.core.transaction("test.deliver") as conn:
            return await publishing.publish_when_due(conn, uuid.UUID(later["id"]))

    assert sorted(await asyncio.gather(deliver(), deliver())) == ["published", "published"]
    assert len(await event_ids(client, "social.post.published", post_id=later["id"])) == 1
    assert (await rows(client, "SELECT posts_count FROM users WHERE id = $1", seller["id"]))[0][0] == 1
    # the posts limit (3 an hour here; 50 by default), drafts included
    await create_post(client, seller, publish=False)
    await create_post(client, seller)
    response = await client.post("/api/posts", json={"text": "Moja zaidi"}, headers=bearer(seller))
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0
    assert (await response.json())["error"]["details"]["limit"] == "social.posts"
    assert (await rows(client, "SELECT count(*) FROM posts WHERE author_id = $1", seller["id"]))[0][0] == 3


async def _state(client, tokens, post_id, state):
    found = await get_post(client, tokens, post_id)
    return found if found["state"] == state else None


async def _told(client, tokens) -> list[dict]:
    """What the user's notification centre shows besides the welcome every new user gets."""
    found = await _call(client, "GET", "/api/notifications", tokens, 200)
    return [item for item in found["items"] if item["type"] != "welcome"]
