"""What likes, comments, reposts and quotes tell, through the real app, the outbox relay,
RabbitMQ, the notification service and the ``social_live`` worker: the post's authors (likes
grouped: "X and N others liked your post"), the replied-to author, the mentioned (in their
language), the seller of a product the post features, never the actor themself; and the post's
watchers on ``post:<id>``: its counters and its comments as REST shows them, from the outbox."""
from __future__ import annotations

import pytest
import pytest_asyncio

from tests.support.commerce import create_product, open_shop
from tests.support.live import Users
from tests.support.notifications import WORKERS, centre, event_ids, handled, person
from tests.support.shared_app import shared_client

pytestmark = [pytest.mark.xdist_group("social_notices"), pytest.mark.asyncio(loop_scope="module")]
SOCIAL = ("social.post.liked", "social.comment.created", "social.post.reposted", "social.post.quoted",
          "social.comment.edited")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool, bus_prefetch=1,
                             worker_names=(*WORKERS, "social_live")) as started:
        yield started


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def users():
    made = Users()
    yield made
    await made.close()


async def _name(api) -> str:
    return (await api.request("GET", f"/api/users/{api.user_id}"))["display_name"]


async def _texts(api) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in (await centre(api))["items"]:
        found.setdefault(item["type"], []).append(item["text"])
    return found


async def _all_told(client, post_id: str) -> None:
    ids = [i for key in SOCIAL for i in await event_ids(client, key, post_id=post_id)]
    await handled(client, ids)


async def test_interactions_tell_authors_sellers_and_the_mentioned_but_never_the_actor(client, users):
    amina, juma, neema, seller = [await person(client, users) for _ in range(4)]
    await neema.request("PATCH", f"/api/users/{neema.user_id}", json={"language": "sw"})
    shop = await open_shop(client, seller.tokens)
    product = await create_product(client, seller.tokens, shop["id"], name="Kanga ya Pwani")
    post = await amina.request("POST", "/api/posts", json={"text": "Kanga mpya zimefika",
                                                          "embeds": [{"kind": "product", "id": product["id"]}]})
    names = {api: await _name(api) for api in (amina, juma, neema, seller)}

    for liker in (juma, neema, amina):  # amina's own like tells her nothing
        await liker.request("POST", f"/api/posts/{post['id']}/like")
    said = await juma.request("POST", f"/api/posts/{post['id']}/comments",
                              json={"text": f"Nzuri sana @{neema.tokens['user']['username']}"})
    await amina.request("POST", f"/api/posts/{post['id']}/comments", json={"text": "Asanteni"})  # her own post
    await amina.request("POST", f"/api/comments/{said['id']}/reply", json={"text": "Karibu dukani"})
    await neema.request("POST", f"/api/comments/{said['id']}/reply", json={"text": "Ni kweli"})  # not a comment
    await neema.request("POST", f"/api/posts/{post['id']}/repost")
    await juma.request("POST", f"/api/posts/{post['id']}/quote", json={"text": "Nendeni mkaone"})
    # the seller's own post of their product: told as its author, not as its seller
    own = await seller.request("POST", "/api/posts", json={"text": "Kanga zangu",
                                                          "embeds": [{"kind": "product", "id": product["id"]}]})
    await juma.request("POST", f"/api/posts/{own['id']}/like")
    await _all_told(client, post["id"])
    await _all_told(client, own["id"])

    told = await _texts(amina)
    assert told == {
        "post_liked": [f"{names[neema]} and {names[juma]} liked your post"],  # grouped, the latest first
        "post_commented": [f"{names[juma]} commented on your post: 'Nzuri sana @{neema.tokens['user']['username']}'"],
        "post_reposted": [f"{names[neema]} reposted your post"],
        "post_quoted": [f"{names[juma]} quoted your post: 'Nendeni mkaone'"],
    }
    assert await _texts(juma) == {"comment_replied": [f"{names[neema]} replied to your comment: 'Ni kweli'",
                                                      f"{names[amina]} replied to your comment: 'Karibu dukani'"]}
    assert await _texts(neema) == {"comment_mention": [f"{names[juma]} amekutaja kwenye maoni"]}
    product_told = await _texts(seller)
    assert product_told["post_liked"] == [f"{names[juma]} liked your post"]
    assert product_told["product_post_liked"] == [
        f"{names[amina]}, {names[neema]} and 1 other liked a post featuring your product 'Kanga ya Pwani'"]
    assert sorted(product_told["product_post_commented"]) == sorted([
        f"{names[amina]} commented on a post featuring your product",
        f"{names[juma]} commented on a post featuring your product",
        f"{names[amina]} commented on a post featuring your product",
        f"{names[neema]} commented on a post featuring your product"])  # replies too, on the same post
    [liked] = [n for n in (await centre(amina))["items"] if n["type"] == "post_liked"]
    assert (liked["actor_count"], liked["link"], liked["object"]) == (
        2, f"nexgate://posts/{post['id']}", {"type": "post", "id": post["id"]})


async def test_a_posts_watchers_see_its_counters_and_comments_live_from_the_outbox(client, users):
    amina, juma = await users.new(client), await users.new(client)
    post = await amina.request("POST", "/api/posts", json={"text": "Tazama moja kwa moja"})
    watcher = await juma.live()
    await watcher.subscribe(f"post:{post['id']}")
    liked = await amina.request("POST", f"/api/posts/{post['id']}/like")
    frame = await _frame(watcher, "social.post.liked")
    assert (frame["topic"], frame["data"]) == (f"post:{post['id']}", {"post_id": post["id"], "counters": {
        "likes": liked["likes_count"], "comments": 0, "reposts": 0, "quotes": 0, "bookmarks": 0}})
    await juma.request("POST", f"/api/posts/{post['id']}/bookmark")  # counted live; who saved it is not told
    frame = await _frame(watcher, "social.post.bookmarked")
    assert frame["data"] == {"post_id": post["id"], "counters": {
        "likes": liked["likes_count"], "comments": 0, "reposts": 0, "quotes": 0, "bookmarks": 1}}
    await juma.request("DELETE", f"/api/posts/{post['id']}/unbookmark")
    assert (await _frame(watcher, "social.post.unbookmarked"))["data"]["counters"]["bookmarks"] == 0
    said = await juma.request("POST", f"/api/posts/{post['id']}/comments", json={"text": "Safi"})
    frame = await _frame(watcher, "social.comment.created")
    assert frame["data"]["comment"] == said  # the view REST answered
    assert frame["data"]["counters"]["comments"] == 1
    await juma.request("POST", f"/api/comments/{said['id']}/like")
    frame = await _frame(watcher, "social.comment.liked")
    assert frame["data"] == {"post_id": post["id"], "comment_id": said["id"], "likes_count": 1}
    await juma.request("DELETE", f"/api/comments/{said['id']}")
    frame = await _frame(watcher, "social.comment.deleted")
    assert (frame["data"]["comment"]["deleted"], frame["data"]["comment"]["text"],
            frame["data"]["counters"]["comments"]) == (True, None, 0)


async def _frame(device, event: str) -> dict:
    while (frame := await device.next_event(timeout=10))["event"] != event:
        pass
    return frame
