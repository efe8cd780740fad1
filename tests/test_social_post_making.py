"""Embeds, polls, co-author invites, drafts, publishing, editing with its history and deleting,
through the real app (docs/social.md, "Embeds", "Drafts and scheduling", "Editing and deleting");
every refusal with nothing written."""
from __future__ import annotations

import datetime

import pytest
import pytest_asyncio

from tests.support.commerce import call, create_product, open_shop, rows, set_state
from tests.support.events import published_event
from tests.support.events_after import cancel
from tests.support.shared_app import shared_client
from tests.support.social import (create_post, delete_post, draft_post, drafts, edit_post, get_post, post_edits,
                                  post_image, publish_post, sees_post)
from tests.support.users import block, user

pytestmark = [pytest.mark.xdist_group("social_post_making"), pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool) as started:
        yield started


def _soon(**delta) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(**delta)).isoformat()


async def _count(client, sql: str, *args) -> int:
    return (await rows(client, sql, *args))[0][0]


async def test_a_post_embeds_products_shops_and_events_as_their_areas_cards(client):
    amina, seller, organizer, reader = [await user(client) for _ in range(4)]
    shop = await open_shop(client, seller)
    kanga = await create_product(client, seller, shop["id"])
    draft_product = await create_product(client, seller, shop["id"], state="draft")
    event = await published_event(client, organizer, title="Sauti za Busara")
    made = await create_post(client, amina, text=f"Angalia ${shop['handle']}", embeds=[
        {"kind": "event", "id": event["id"]}, {"kind": "product", "id": kanga["id"]}])
    assert made["post_type"] == "event"
    cards = made["embeds"]
    assert [(c["kind"], c["id"], c["mention_type"]) for c in cards] == [
        ("event", event["id"], None), ("product", kanga["id"], None), ("shop", shop["id"], "mention")]
    assert cards[0]["title"] == "Sauti za Busara" and cards[0]["state"] == "published"
    assert cards[0]["topic"] == f"event:{event['id']}" and cards[0]["tickets_available"] > 0
    assert cards[0]["price_range"] is not None and cards[0]["starts_at"] == event["starts_at"]
    assert cards[1]["name"] == kanga["name"] and cards[1]["price_range"] == {"min": 2_500_000, "max": 2_500_000}
    assert cards[1]["shop"]["handle"] == shop["handle"] and cards[1]["stock_status"] == "in_stock"
    assert cards[1]["topic"] == f"product:{kanga['id']}" and cards[1]["state"] == "active"
    assert cards[2]["name"] == shop["name"] and cards[2]["rating"]["count"] == 0
    [shop_entity] = [e for e in made["entities"] if e["type"] == "shop"]
    assert shop_entity["shop_id"] == shop["id"]
    # later: the product archived and the event cancelled show as such, not as errors
    await call(client, "PUT", f"/api/products/{kanga['id']}/state", seller, 200, json={"state": "archived"})
    await cancel(client, organizer, event["id"], reason="Mvua")
    later = (await get_post(client, reader, made["id"]))["embeds"]
    assert [c["state"] for c in later] == ["cancelled", "archived", "open"]
    # what does not exist or is not published is refused, naming the embed
    before = await _count(client, "SELECT count(*) FROM posts WHERE author_id = $1", amina["id"])
    refused = await create_post(client, amina, embeds=[{"kind": "shop", "id": shop["id"]},
                                                        {"kind": "product", "id": draft_product["id"]}], expect=422)
    assert refused["error"]["code"] == "embed_not_available"
    assert refused["error"]["details"]["fields"] == {"embeds": {"1": {"id": [
        "No published product you may embed has this id."]}}}
    unpublished = await call(client, "POST", "/api/events/drafts", organizer, 201)
    for kind, ident in (("event", unpublished["id"]), ("event", event["id"]), ("product", organizer["id"]),
                        ("product", kanga["id"])):  # a draft event, a cancelled one, no product, an archived one
        refused = await create_post(client, amina, embeds=[{"kind": kind, "id": ident}], expect=422)
        assert list(refused["error"]["details"]["fields"]["embeds"]) == ["0"], kind
    twice = await create_post(client, amina, embeds=[{"kind": "shop", "id": shop["id"]}] * 2, expect=422)
    assert twice["error"]["code"] == "embed_duplicate"
    await block(client, seller, amina["id"])
    refused = await create_post(client, amina, embeds=[{"kind": "shop", "id": shop["id"]}], expect=422)
    assert refused["error"]["code"] == "embed_not_available"
    assert await _count(client, "SELECT count(*) FROM posts WHERE author_id = $1", amina["id"]) == before
    # a suspended shop's card hides what it was
    await set_state(client, seller, shop["id"], "closed")
    assert (await get_post(client, reader, made["id"]))["embeds"][2]["state"] == "closed"


async def test_polls_and_co_author_invites_are_written_with_the_post(client):
    amina, juma, baraka, blocker = [await user(client) for _ in range(4)]
    await block(client, blocker, amina["id"])
    for options in (["Ndiyo"], [f"{n}" for n in range(11)]):
        refused = await create_post(client, amina, poll={"options": options}, expect=422)
        assert "options" in refused["error"]["details"]["fields"]["poll"]
    refused = await create_post(client, amina, poll={"options": ["a", "b"], "expires_at": _soon(minutes=-1)},
                                expect=422)
    assert refused["error"]["details"]["fields"] == {"poll.expires_at": ["Must be in the future."]}
    made = await create_post(client, amina, text="", poll={"question": "Rangi ipi?", "options": ["Nyekundu", "Bluu"],
                                                           "allows_multiple": True, "expires_at": _soon(days=1)},
                             collaborator_ids=[juma["id"], baraka["id"]])
    assert made["post_type"] == "poll" and made["state"] == "pending_collaboration"
    poll = made["poll"]
    assert poll["question"] == "Rangi ipi?" and poll["allows_multiple"] and not poll["is_anonymous"]
    assert [(o["position"], o["text"], o["votes"]) for o in poll["options"]] == [(0, "Nyekundu", 0), (1, "Bluu", 0)]
    assert made["authors"] == [made["authors"][0]] and made["authors"][0]["id"] == amina["id"]
    assert await sees_post(client, juma, made["id"]) and not await sees_post(client, None, made["id"])
    invites = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'social.collaboration.invited'"
                                 " AND payload->>'post_id' = $1", made["id"])
    assert sorted(r["payload"]["user_id"] for r in invites) == sorted([juma["id"], baraka["id"]])
    for ids, code in (([amina["id"]], "cannot_invite_self"), ([juma["id"], blocker["id"]], "collaborator_not_allowed")):
        refused = await create_post(client, amina, collaborator_ids=ids, expect=422)
        assert refused["error"]["code"] == code and "collaborator_ids" in refused["error"]["details"]["fields"]
    assert refused["error"]["details"]["user_ids"] == [blocker["id"]]  # the ones refused, named
    too_many = await create_post(client, amina, collaborator_ids=[juma["id"]] * 11, expect=422)
    assert "collaborator_ids" in too_many["error"]["details"]["fields"]
    # publishing it is waiting for them: 409
    refused = await publish_post(client, amina, made["id"], expect=409)
    assert refused["error"]["code"] == "post_pending_collaboration"


async def test_drafts_are_listed_published_edited_with_history_and_deleted(client):
    amina, juma, stranger = [await user(client) for _ in range(3)]
    first = await draft_post(client, amina, text="Rasimu ya kwanza #Zamani")
    second = await draft_post(client, amina, text="Rasimu ya pili")
    page = await drafts(client, amina, limit=1)
    assert [p["id"] for p in page["items"]] == [second["id"]] and page["next_cursor"]
    rest = await drafts(client, amina, limit=1, cursor=page["next_cursor"])
    assert [p["id"] for p in rest["items"]] == [first["id"]]
    assert (await drafts(client, juma))["items"] == []
    assert not await sees_post(client, juma, first["id"])
    assert (await publish_post(client, juma, first["id"], expect=404))["error"]["code"] == "post_not_found"
    refused = await publish_post(client, amina, first["id"], scheduled_at=_soon(minutes=-5), expect=422)
    assert refused["error"]["code"] == "not_in_future"
    published = await publish_post(client, amina, first["id"])
    assert published["state"] == "published" and published["published_at"]
    again = await publish_post(client, amina, first["id"], expect=409)
    assert again["error"]["code"] == "post_already_published"
    assert await _count(client, "SELECT posts_count FROM users WHERE id = $1", amina["id"]) == 1
    assert await _count(client, "SELECT posts_count FROM hashtags WHERE tag = 'zamani'") == 1
    # editing: its authors only, each edit keeping what it replaced
    refused = await edit_post(client, juma, first["id"], text="Nimeiba", expect=403)
    assert refused["error"]["code"] == "not_post_author"
    assert (await edit_post(client, juma, second["id"], text="x", expect=404))["error"]["code"] == "post_not_found"
    edited = await edit_post(client, amina, first["id"], text=f"Imesahihishwa @{juma['username']} #Mpya",
                             visibility="followers")
    assert edited["edits_count"] == 1 and edited["edited_at"] and edited["visibility"] == "followers"
    assert await _count(client, "SELECT posts_count FROM hashtags WHERE tag = 'zamani'") == 0
    assert await _count(client, "SELECT posts_count FROM hashtags WHERE tag = 'mpya'") == 1
    unchanged = await edit_post(client, amina, first["id"], visibility="followers")
    assert unchanged["edits_count"] == 1
    history = await post_edits(client, juma, first["id"])  # mentioned: juma sees it
    [old] = history["items"]
    assert old["text"] == "Rasimu ya kwanza #Zamani" and old["visibility"] == "public"
    assert old["changed"] == ["text", "visibility"] and old["editor"]["id"] == amina["id"]
    assert (await post_edits(client, stranger, first["id"], expect=404))["error"]["code"] == "post_not_found"
    [told] = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'social.post.edited'"
                                " AND payload->>'post_id' = $1", first["id"])
    assert told["payload"]["newly_mentioned_user_ids"] == [juma["id"]]
    too_long = await edit_post(client, amina, first["id"], text="a" * 5001, expect=422)
    assert "text" in too_long["error"]["details"]["fields"]
    # deleting: soft, its authors only
    assert (await delete_post(client, juma, first["id"], expect=403))["error"]["code"] == "not_post_author"
    await delete_post(client, amina, first["id"])
    assert not await sees_post(client, amina, first["id"])
    assert await _count(client, "SELECT posts_count FROM users WHERE id = $1", amina["id"]) == 0
    assert await _count(client, "SELECT posts_count FROM hashtags WHERE tag = 'mpya'") == 0
    assert await _count(client, "SELECT count(*) FROM posts WHERE id = $1 AND deleted_at IS NOT NULL",
                        first["id"]) == 1
    assert (await delete_post(client, amina, first["id"], expect=404))["error"]["code"] == "post_not_found"
    # media can be changed by an edit, in order
    photo, other = await post_image(client, amina), await post_image(client, amina)
    with_media = await edit_post(client, amina, second["id"], media_ids=[other, photo])
    assert [m["id"] for m in with_media["media"]] == [other, photo] and with_media["post_type"] == "image"
    theirs = await post_image(client, juma)
    refused = await edit_post(client, amina, second["id"], media_ids=[theirs], expect=403)
    assert refused["error"]["code"] == "media_not_owned"
