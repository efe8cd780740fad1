"""Collaborative posts and image tags through the real app, the outbox relay, RabbitMQ and the
notification service (docs/social.md, "Collaborative posts", "Image tags"): invites answered,
more invited, removed and leaving, the byline;
tags added and removed by the post's authors only, within the tagged user's reach; each
notification told end to end in English and Swahili; every refusal with nothing written (a
collaborator acting before accepting, removing the creator, tagging someone who blocked you, a
tag off the image)."""
from __future__ import annotations

import uuid

import pytest
import pytest_asyncio

from nexgate.domain.social import image_tags
from tests.support.commerce import create_product, open_shop, rows
from tests.support.notifications import WORKERS, centre, event_ids, handled, person
from tests.support.shared_app import shared_client
from tests.support.social import create_post, edit_post, get_post, post_image, post_video
from tests.support.social_together import people  # noqa: F401  (the module's users)
from tests.support.social_together import (answer, collaborators, invite, invites, remove_collaborator, tag, tags,
                                           tokens_of, untag)
from tests.support.users import block, update_profile

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.xdist_group("social_collaboration")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(database_urls, tmp_path_factory, _cpu_pool):
    async with shared_client(database_urls, tmp_path_factory, _cpu_pool, worker_names=[*WORKERS, "media"],
                             bus_prefetch=1) as started:
        yield started


async def _told(client, api, routing_key: str, **match) -> list[dict]:
    """The recipient's notifications once every event of ``routing_key`` matching is handled."""
    await handled(client, await event_ids(client, routing_key, **match))
    return (await centre(api))["items"]


def _texts(items: list[dict], kind: str) -> list[str]:
    return [item["text"] for item in items if item["type"] == kind]


async def _authors(client, tokens, post_id: str) -> list[str]:
    return [author["id"] for author in (await get_post(client, tokens, post_id))["authors"]]


async def test_invites_are_answered_and_the_inviter_is_told(app, people):
    amina_api, baraka_api, juma_api = [await person(app, people) for _ in range(3)]
    amina, baraka, juma = map(tokens_of, (amina_api, baraka_api, juma_api))
    neema = tokens_of(await people.new(app))
    await update_profile(app, juma, juma["id"], language="sw")
    post = await create_post(app, amina, text="Mkusanyiko mpya wa vitenge")
    post_id = post["id"]
    await invite(app, amina, post_id, [baraka["id"], juma["id"]])

    [pending] = (await invites(app, baraka))["items"]
    assert (pending["post_id"], pending["invited_by"]["id"], pending["post"]["text"]) == (
        post_id, amina["id"], "Mkusanyiko mpya wa vitenge")
    name = amina_api.tokens["user"]["display_name"]
    assert _texts(await _told(app, baraka_api, "social.collaboration.invited", user_id=baraka["id"]),
                  "collaboration_invite") == [f"{name} invited you to collaborate on a post"]
    assert _texts(await _told(app, juma_api, "social.collaboration.invited", user_id=juma["id"]),
                  "collaboration_invite") == [f"{name} amekualika kushirikiana kwenye chapisho"]

    accepted = await answer(app, baraka, post_id, "accept")
    assert [(c["user"]["id"], c["status"]) for c in accepted["collaborators"]] == [
        (baraka["id"], "accepted"), (juma["id"], "pending")]
    assert (await answer(app, baraka, post_id, "accept", expect=409))["error"]["code"] == "already_accepted"
    assert (await answer(app, baraka, post_id, "decline", expect=409))["error"]["code"] == "already_accepted"
    assert (await answer(app, neema, post_id, "accept", expect=404))["error"]["code"] == "invite_not_found"
    await answer(app, juma, post_id, "decline")
    assert (await answer(app, juma, post_id, "decline", expect=404))["error"]["code"] == "invite_not_found"
    published = await get_post(app, None, post_id)
    assert published["state"] == "published"
    assert [a["id"] for a in published["authors"]] == [amina["id"], baraka["id"]]  # the byline
    assert (await invites(app, baraka))["items"] == [] and (await invites(app, juma))["items"] == []

    told = await _told(app, amina_api, "social.collaboration.declined", post_id=post_id)
    baraka_name, juma_name = (api.tokens["user"]["display_name"] for api in (baraka_api, juma_api))
    assert _texts(told, "collaboration_accepted") == [f"{baraka_name} accepted your collaboration invite"]
    assert _texts(told, "collaboration_declined") == [f"{juma_name} declined your collaboration invite"]


async def test_a_post_waiting_for_its_co_authors_is_published_when_the_last_invite_is_resolved(app, people):
    amina_api, baraka_api = await person(app, people), await person(app, people)
    amina, baraka = tokens_of(amina_api), tokens_of(baraka_api)
    juma = tokens_of(await people.new(app))
    post = await create_post(app, amina, text="Uzinduzi wa pamoja", collaborator_ids=[baraka["id"], juma["id"]])
    post_id = post["id"]
    assert post["state"] == "pending_collaboration" and await _authors(app, amina, post_id) == [amina["id"]]
    name = amina_api.tokens["user"]["display_name"]
    assert _texts(await _told(app, baraka_api, "social.collaboration.invited", user_id=baraka["id"]),
                  "collaboration_invite") == [f"{name} invited you to collaborate on a post"]

    # before accepting, an invitee is no author: no editing
    refused = await edit_post(app, baraka, post_id, text="Nimebadilisha", expect=403)
    assert refused["error"]["code"] == "not_post_author"
    await answer(app, baraka, post_id, "accept")
    assert (await get_post(app, amina, post_id))["state"] == "pending_collaboration"  # juma has not answered
    assert (await get_post(app, None, post_id, expect=404))["error"]["code"] == "post_not_found"
    await answer(app, juma, post_id, "decline")
    published = await get_post(app, None, post_id)
    assert published["state"] == "published" and published["published_at"]
    assert [a["id"] for a in published["authors"]] == [amina["id"], baraka["id"]]  # the byline
    [told] = await rows(app, "SELECT payload FROM outbox WHERE routing_key = 'social.post.published'"
                             " AND payload->>'post_id' = $1", post_id)
    assert told["payload"]["author_ids"] == [amina["id"], baraka["id"]]

    # an accepted co-author edits: the other authors are told, the editor is not
    await edit_post(app, baraka, post_id, text="Uzinduzi wa pamoja, bei nafuu")
    told = await _told(app, amina_api, "social.post.edited", post_id=post_id)
    baraka_name = baraka_api.tokens["user"]["display_name"]
    assert _texts(told, "collaborator_edited_post") == [f"{baraka_name} edited your collaborative post"]
    assert _texts((await centre(baraka_api))["items"], "collaborator_edited_post") == []


async def test_the_creator_invites_more_and_removes_and_a_co_author_leaves_but_the_creator_stays(app, people):
    amina, baraka, juma, neema, blocker = [tokens_of(await people.new(app)) for _ in range(5)]
    await block(app, blocker, amina["id"])
    post = await create_post(app, amina, text="Tushirikiane")
    post_id = post["id"]

    made = await invite(app, amina, post_id, [baraka["id"], juma["id"]])
    assert [(c["user"]["id"], c["status"]) for c in made["collaborators"]] == sorted(
        [(baraka["id"], "pending"), (juma["id"], "pending")])  # invited together: by user id
    assert (await get_post(app, amina, post_id))["state"] == "published"  # a published post stays published
    for refused, code in (
            (await invite(app, baraka, post_id, [neema["id"]], expect=403), "not_post_creator"),
            (await invite(app, amina, post_id, [amina["id"]], expect=422), "cannot_invite_self"),
            (await invite(app, amina, post_id, [baraka["id"]], expect=409), "already_invited"),
            (await invite(app, amina, post_id, [blocker["id"]], expect=422), "collaborator_not_allowed"),
            (await invite(app, amina, post_id, [str(uuid.uuid4())], expect=422), "collaborator_not_allowed"),
            (await invite(app, amina, post_id, [str(uuid.uuid4()) for _ in range(9)], expect=409),
             "too_many_collaborators")):
        assert refused["error"]["code"] == code
    assert len((await collaborators(app, amina, post_id))["collaborators"]) == 2  # nothing of the refusals written

    await answer(app, baraka, post_id, "accept")
    anyone = await collaborators(app, None, post_id)
    assert [c["user"]["id"] for c in anyone["collaborators"]] == [baraka["id"]]  # pending invites: authors only
    assert len((await collaborators(app, juma, post_id))["collaborators"]) == 2
    assert [i["post_id"] for i in (await invites(app, juma))["items"]] == [post_id]
    await block(app, juma, amina["id"])
    assert (await invites(app, juma))["items"] == []  # an invite from someone blocked either way is left out

    for who, whom, status, code in ((amina, amina["id"], 409, "creator_not_removable"),
                                    (baraka, amina["id"], 403, "not_post_creator"),
                                    (baraka, juma["id"], 403, "not_post_creator"),
                                    (amina, neema["id"], 404, "collaborator_not_found")):
        refused = await remove_collaborator(app, who, post_id, whom, expect=status)
        assert refused["error"]["code"] == code
    assert await _authors(app, amina, post_id) == [amina["id"], baraka["id"]]

    await remove_collaborator(app, amina, post_id, juma["id"])  # the invite withdrawn
    assert (await invites(app, juma))["items"] == []
    await remove_collaborator(app, baraka, post_id, baraka["id"])  # leaves
    assert await _authors(app, amina, post_id) == [amina["id"]]
    [left] = await rows(app, "SELECT payload FROM outbox WHERE routing_key = 'social.collaborator.removed'"
                             " AND payload->>'user_id' = $1", baraka["id"])
    assert left["payload"] == {"post_id": post_id, "author_ids": [amina["id"]], "user_id": baraka["id"],
                               "by": baraka["id"]}
    assert (await get_post(app, None, post_id))["state"] == "published"


async def test_image_tags_are_placed_by_the_authors_within_reach_and_tell_who_is_tagged(app, people, monkeypatch):
    amina_api, baraka_api, owner_api = [await person(app, people) for _ in range(3)]
    amina, baraka, owner = map(tokens_of, (amina_api, baraka_api, owner_api))
    blocker, blocked, outsider, invitee = [tokens_of(await people.new(app)) for _ in range(4)]
    await block(app, blocker, amina["id"])
    await block(app, amina, blocked["id"])
    shop = await open_shop(app, owner)
    product = await create_product(app, owner, shop["id"])
    photo, second = await post_image(app, amina), await post_image(app, amina)
    post = await create_post(app, amina, text="Angalia picha", media_ids=[photo, second])
    elsewhere = await create_post(app, amina, text="Nyingine", media_ids=[await post_image(app, amina)])
    post_id = post["id"]

    on_baraka = await tag(app, amina, post_id, photo, "user", baraka["id"], x=10.5, y=20.255)
    assert (on_baraka["kind"], on_baraka["x"], on_baraka["y"], on_baraka["user"]["id"]) == (
        "user", 10.5, 20.26, baraka["id"])
    on_product = await tag(app, amina, post_id, photo, "product", product["id"], x=0, y=100)
    assert on_product["product"] == {"id": product["id"], "name": product["name"], "shop_id": shop["id"]}
    on_shop = await tag(app, amina, post_id, second, "shop", shop["id"])
    assert on_shop["shop"] == {"id": shop["id"], "handle": shop["handle"], "name": shop["name"]}

    for refused, status, code in (
            (await tag(app, amina, post_id, photo, "user", baraka["id"], expect=409), 409, "already_tagged"),
            (await tag(app, amina, post_id, photo, "user", blocker["id"], expect=404), 404, "user_not_found"),
            (await tag(app, amina, post_id, photo, "user", blocked["id"], expect=403), 403, "user_blocked"),
            (await tag(app, amina, post_id, photo, "product", str(uuid.uuid4()), expect=404), 404,
             "product_not_found"),
            (await tag(app, amina, post_id, photo, "shop", str(uuid.uuid4()), expect=404), 404, "shop_not_found"),
            (await tag(app, outsider, post_id, photo, "user", baraka["id"], expect=403), 403, "not_post_author"),
            (await tag(app, amina, post_id, elsewhere["media"][0]["id"], "user", baraka["id"], expect=404), 404,
             "media_not_found")):
        assert refused["error"]["code"] == code, (status, refused)
    for x, y in ((100.01, 5), (-1, 5), (5, 101)):
        bad = await tag(app, amina, post_id, photo, "user", outsider["id"], x=x, y=y, expect=422)
        assert set(bad["error"]["details"]["fields"]) == ({"x"} if x != 5 else {"y"})
    draft = await create_post(app, amina, text="Bado", publish=False, media_ids=[await post_image(app, amina)])
    unpublished = await tag(app, amina, draft["id"], draft["media"][0]["id"], "user", baraka["id"], expect=409)
    assert unpublished["error"]["code"] == "post_not_published"
    monkeypatch.setattr(image_tags, "MAX_TAGS", 2)
    full = await tag(app, amina, post_id, photo, "shop", shop["id"], expect=409)
    assert (full["error"]["code"], full["error"]["details"]["max"]) == ("too_many_tags", 2)
    monkeypatch.undo()
    listed = await tags(app, None, post_id, photo)
    assert [t["id"] for t in listed] == [on_baraka["id"], on_product["id"]] and listed[0] == on_baraka

    # an invited co-author may tag only once they accepted
    await invite(app, amina, post_id, [invitee["id"]])
    assert (await tag(app, invitee, post_id, second, "user", baraka["id"], expect=403))["error"]["code"] == \
        "not_post_author"
    await answer(app, invitee, post_id, "accept")
    by_invitee = await tag(app, invitee, post_id, second, "user", baraka["id"])
    assert by_invitee["created_by"] == invitee["id"]

    assert (await untag(app, outsider, post_id, photo, on_baraka["id"], expect=403))["error"]["code"] == \
        "not_post_author"
    await untag(app, invitee, post_id, photo, on_product["id"])
    assert (await untag(app, amina, post_id, second, on_baraka["id"], expect=404))["error"]["code"] == "tag_not_found"
    assert [t["id"] for t in await tags(app, amina, post_id, photo)] == [on_baraka["id"]]
    await block(app, baraka, outsider["id"])
    assert await tags(app, outsider, post_id, photo) == []  # a tag of someone blocked either way is not shown

    name = amina_api.tokens["user"]["display_name"]
    told = await _told(app, baraka_api, "social.image_tag.added", post_id=post_id)
    invitee_name = invitee["user"]["display_name"]
    # two tags of one post within 5 minutes: one notification, its latest actor first
    assert _texts(told, "image_tagged") == [f"{invitee_name} and {name} tagged you in an image"]
    assert told[0]["link"] == f"nexgate://posts/{post_id}?media={photo}"
    assert _texts((await centre(owner_api))["items"], "shop_tagged_in_image") == [
        f"{name} tagged your shop in an image"]


async def test_a_post_shows_its_images_and_videos_in_order_and_tags_go_on_the_images_only(app, people):
    amina, baraka = [tokens_of(await people.new(app)) for _ in range(2)]
    clip, photo = await post_video(app, amina, width=160, height=120), await post_image(app, amina)
    post = await create_post(app, amina, text="Tazama", media_ids=[clip, photo])
    shown = (await get_post(app, None, post["id"]))["media"]
    assert [(m["id"], m["kind"], m["width"], m["height"]) for m in shown] == [
        (clip, "video", 160, 120), (photo, "image", 320, 240)]
    assert shown[0]["poster"] and shown[0]["variants"] and shown[1]["blurhash"]
    refused = await tag(app, amina, post["id"], clip, "user", baraka["id"], expect=422)
    assert refused["error"]["code"] == "not_an_image"
    assert await tags(app, amina, post["id"], clip) == []
