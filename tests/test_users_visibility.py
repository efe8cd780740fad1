"""The one visibility answer other areas call: see profile, content, presence; reach; feed authors."""
from __future__ import annotations

import uuid

import pytest

from nexgate.domain.users import visibility
from nexgate.errors import Forbidden, Invalid, NotFound
from nexgate.keys import PLATFORM
from tests.support.users import block, follow, mute, update_profile, user


async def _ask(client, question, viewer, target) -> bool:
    return await question(client.app[PLATFORM], uuid.UUID(viewer["id"]) if viewer else None, uuid.UUID(target["id"]))


async def _answers(client, viewer, target) -> tuple[bool, bool, bool]:
    return tuple([await _ask(client, q, viewer, target) for q in (
        visibility.can_see_profile, visibility.can_see_content, visibility.can_see_presence)])


async def test_public_private_and_followers(client):
    public, private, viewer = await user(client), await user(client), await user(client)
    await update_profile(client, private, private["id"], is_private=True)
    assert await _answers(client, viewer, public) == (True, True, True)
    assert await _answers(client, viewer, private) == (True, False, False)
    assert await _answers(client, None, public) == (True, True, True)
    assert await _answers(client, None, private) == (True, False, False)
    assert await _answers(client, private, private) == (True, True, True)

    await follow(client, viewer, private["id"])
    await client.post(f"/api/follows/{viewer['id']}/accept",
                      headers={"Authorization": f"Bearer {private['access_token']}"})
    assert await _answers(client, viewer, private) == (True, True, True)


async def test_presence_needs_show_presence(client):
    hidden, viewer = await user(client), await user(client)
    await update_profile(client, hidden, hidden["id"], show_presence=False)
    assert await _answers(client, viewer, hidden) == (True, True, False)
    assert await _ask(client, visibility.can_see_presence, hidden, hidden) is True


async def test_a_block_hides_everything_both_ways(client):
    amina, baraka = await user(client), await user(client)
    await block(client, amina, baraka["id"])
    assert await _answers(client, amina, baraka) == (False, False, False)
    assert await _answers(client, baraka, amina) == (False, False, False)
    rel = await visibility.relationship(client.app[PLATFORM], uuid.UUID(amina["id"]), uuid.UUID(baraka["id"]))
    assert rel.blocking and not rel.blocked_by and rel.exists
    rel = await visibility.relationship(client.app[PLATFORM], uuid.UUID(baraka["id"]), uuid.UUID(amina["id"]))
    assert rel.blocked_by and not rel.blocking


async def test_nobody_is_seen_when_they_do_not_exist(client):
    viewer = await user(client)
    ghost = {"id": str(uuid.uuid4())}
    assert await _answers(client, viewer, ghost) == (False, False, False)
    assert not (await visibility.relationship(client.app[PLATFORM], None, uuid.UUID(ghost["id"]))).exists


async def _reach(client, actor, target, action):
    return await visibility.check_reach(client.app[PLATFORM], uuid.UUID(actor["id"]), uuid.UUID(target["id"]), action)


@pytest.mark.parametrize("action", visibility.ACTIONS)
async def test_reach_after_a_block(client, action):
    amina, baraka = await user(client), await user(client)
    await _reach(client, baraka, amina, action)
    await block(client, amina, baraka["id"])
    with pytest.raises(NotFound) as refused:
        await _reach(client, baraka, amina, action)
    assert refused.value.code == "user_not_found"
    with pytest.raises(Forbidden) as refused:
        await _reach(client, amina, baraka, action)
    assert refused.value.code == "user_blocked"


async def test_message_reach_follows_the_dm_policy(client):
    picky, friend, stranger = await user(client), await user(client), await user(client)
    await update_profile(client, picky, picky["id"], dm_policy="following")
    await follow(client, picky, friend["id"])
    await _reach(client, friend, picky, "message")
    with pytest.raises(Forbidden) as refused:
        await _reach(client, stranger, picky, "message")
    assert refused.value.code == "messages_restricted"
    await _reach(client, stranger, picky, "mention")


async def test_reach_of_oneself_and_of_nobody(client):
    amina = await user(client)
    with pytest.raises(Invalid):
        await _reach(client, amina, amina, "follow")
    await _reach(client, amina, amina, "mention")
    with pytest.raises(NotFound):
        await _reach(client, amina, {"id": str(uuid.uuid4())}, "message")
    with pytest.raises(ValueError):
        await _reach(client, amina, amina, "poke")


async def test_visible_authors_filters_a_feed(client):
    viewer = await user(client)
    public, muted, blocked, blocker, private, followed_private = [await user(client) for _ in range(6)]
    for person in (private, followed_private):
        await update_profile(client, person, person["id"], is_private=True)
    await follow(client, viewer, followed_private["id"])
    await client.post(f"/api/follows/{viewer['id']}/accept",
                      headers={"Authorization": f"Bearer {followed_private['access_token']}"})
    await mute(client, viewer, muted["id"])
    await block(client, viewer, blocked["id"])
    await block(client, blocker, viewer["id"])
    everyone = [viewer, public, muted, blocked, blocker, private, followed_private]
    ids = [uuid.UUID(person["id"]) for person in everyone] + [uuid.uuid4()]
    seen = await visibility.visible_authors(client.app[PLATFORM], uuid.UUID(viewer["id"]), ids)
    assert seen == {uuid.UUID(person["id"]) for person in (viewer, public, followed_private)}
    anonymous = await visibility.visible_authors(client.app[PLATFORM], None, ids)
    assert anonymous == {uuid.UUID(person["id"]) for person in (viewer, public, muted, blocked, blocker)}
    assert await visibility.visible_authors(client.app[PLATFORM], None, []) == set()
