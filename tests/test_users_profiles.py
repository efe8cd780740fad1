"""Profiles: the public view, the owner's edits and their rules, stats."""
from __future__ import annotations

import uuid

import pytest

from nexgate.keys import PLATFORM
from tests.support.auth import bearer
from tests.support.users import events, follow, profile, update_profile, user


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def _column(client, user_id: str, column: str):
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval(f"SELECT {column} FROM users WHERE id = $1", uuid.UUID(user_id))


async def test_a_profile_by_id_or_username_in_any_case(client):
    name = _unique("Amina_J")
    amina = await user(client, username=name)
    baraka = await user(client)
    by_id = await profile(client, baraka, amina["id"])
    by_name = await profile(client, baraka, name.swapcase())
    assert by_id == by_name
    assert by_id["username"] == name and by_id["display_name"] == amina["user"]["display_name"]
    assert by_id["stats"] == {"posts": 0, "followers": 0, "following": 0, "likes_received": 0}
    assert by_id["trust"] == {"score": None, "level": "new"}
    assert by_id["relationship"] == {"following": False, "followed_by": False, "requested": False, "muted": False}
    assert by_id["is_private"] is False and by_id["is_verified"] is False and by_id["content_visible"] is True
    assert by_id["joined_at"] == amina["user"]["created_at"]
    assert "settings" not in by_id


async def test_email_and_phone_never_appear_in_another_users_view(client):
    secret = uuid.uuid4().hex
    phone = f"+25571{uuid.uuid4().int % 10**7:07d}"
    amina = await user(client, email=f"{secret}@example.co.tz", phone=phone)
    baraka = await user(client)
    responses = [
        await client.get(f"/api/users/{amina['id']}", headers=bearer(baraka)),
        await client.get(f"/api/users/{amina['username']}", headers=bearer(baraka)),
        await client.get(f"/api/users/{amina['id']}/stats", headers=bearer(baraka)),
        await client.get(f"/api/users/{baraka['id']}/followers", headers=bearer(amina)),
    ]
    await follow(client, amina, baraka["id"])
    responses.append(await client.get(f"/api/users/{baraka['id']}/followers", headers=bearer(baraka)))
    for response in responses:
        text = await response.text()
        assert response.status == 200, text
        assert secret not in text and phone[4:] not in text
        assert '"email"' not in text and '"phone"' not in text


async def test_own_profile_shows_settings_and_no_relationship(client):
    amina = await user(client)
    own = await profile(client, amina, amina["id"])
    assert own["relationship"] is None and own["content_visible"] is True
    assert own["settings"] == {"show_presence": True, "dm_policy": "everyone", "language": "en"}


async def test_unknown_users_and_bad_refs_are_404(client, signed_in):
    for ref in (str(uuid.uuid4()), "nobody_here", "not a name!", "x" * 40):
        response = await client.get(f"/api/users/{ref}", headers=signed_in["headers"])
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "user_not_found"
    response = await client.get("/api/users/not-a-uuid/stats", headers=signed_in["headers"])
    assert response.status == 404


async def test_editing_a_profile_needs_a_token(client):
    # Reading a public one does not (tests/test_users_public_reads.py).
    amina = await user(client)
    assert (await client.patch(f"/api/users/{amina['id']}", json={"bio": "x"})).status == 401


async def test_fixed_paths_are_not_taken_for_usernames(client, signed_in):
    me = await client.get("/api/users/me", headers=signed_in["headers"])
    assert (await me.json())["email"] == signed_in["user"]["email"]
    for path in ("/api/users/blocked", "/api/users/muted"):
        response = await client.get(path, headers=signed_in["headers"])
        assert response.status == 200 and (await response.json()) == {"items": [], "next_cursor": None}


async def test_owner_edits_the_profile(client):
    amina = await user(client)
    edited = await update_profile(
        client, amina, amina["id"], display_name="  Amina Juma ", bio="Mama lishe, Arusha. <b>not html</b>",
        location="Arusha", website="https://amina.co.tz/shop", show_presence=False, dm_policy="following",
        language="sw",
    )
    assert edited["display_name"] == "Amina Juma"
    assert edited["bio"] == "Mama lishe, Arusha. <b>not html</b>"  # stored as typed, rendered safely by clients
    assert edited["website"] == "https://amina.co.tz/shop" and edited["location"] == "Arusha"
    assert edited["settings"] == {"show_presence": False, "dm_policy": "following", "language": "sw"}
    assert await profile(client, amina, amina["id"]) == edited
    [event] = await events(client, "users.profile.updated", user_id=amina["id"])
    assert event["fields"] == ["bio", "display_name", "dm_policy", "language", "location", "show_presence", "website"]

    cleared = await update_profile(client, amina, amina["id"], bio="", website=None, avatar_media_id=None)
    assert cleared["bio"] is None and cleared["website"] is None and cleared["location"] == "Arusha"


async def test_an_edit_that_changes_nothing_emits_nothing(client):
    amina = await user(client)
    await update_profile(client, amina, amina["id"], is_private=False, username=amina["username"])
    assert await events(client, "users.profile.updated", user_id=amina["id"]) == []


async def test_editing_another_users_profile_is_forbidden(client):
    amina, baraka = await user(client), await user(client)
    before = await profile(client, amina, amina["id"])
    body = await update_profile(client, baraka, amina["id"], expect=403, bio="hacked")
    assert body["error"]["code"] == "not_profile_owner"
    assert await profile(client, amina, amina["id"]) == before


@pytest.mark.parametrize("fields, bad", [
    ({"bio": "x" * 251}, "bio"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"website": "ftp://files.example.com"}, "website"),
    ({"website": "https://"}, "website"),
    ({"website": "amina.co.tz"}, "website"),
    ({"display_name": ""}, "display_name"),
    ({"display_name": "   "}, "display_name"),
    ({"location": "x" * 101}, "location"),
    ({"dm_policy": "nobody"}, "dm_policy"),
    ({"language": "fr"}, "language"),
    ({"username": "admin"}, "username"),
    ({"username": "a b"}, "username"),
    ({"email": "new@example.com"}, "email"),
])
async def test_bad_edits_name_the_field_and_change_nothing(client, fields, bad):
    amina = await user(client)
    before = await profile(client, amina, amina["id"])
    body = await update_profile(client, amina, amina["id"], expect=422, **{"location": "Moshi", **fields})
    assert bad in body["error"]["details"]["fields"], body
    assert await profile(client, amina, amina["id"]) == before
    assert await events(client, "users.profile.updated", user_id=amina["id"]) == []


async def test_a_bad_edit_names_every_bad_field(client):
    amina = await user(client)
    body = await update_profile(client, amina, amina["id"], expect=422, bio="x" * 300, website="ftp://x.example")
    assert set(body["error"]["details"]["fields"]) == {"bio", "website"}


async def test_username_change_rules(client):
    taken_name, new_name, newer_name = _unique("Taken"), _unique("Mpya"), _unique("Tena")
    await user(client, username=taken_name)
    amina = await user(client)
    for taken in (taken_name.lower(), taken_name.upper()):
        body = await update_profile(client, amina, amina["id"], expect=409, username=taken)
        assert body["error"]["code"] == "username_taken" and "username" in body["error"]["details"]["fields"]
    assert await _column(client, amina["id"], "username") == amina["username"]

    changed = await update_profile(client, amina, amina["id"], username=new_name)
    assert changed["username"] == new_name
    assert (await profile(client, amina, new_name.lower()))["id"] == amina["id"]
    await profile(client, amina, amina["username"], expect=404)
    [event] = await events(client, "users.username.changed", user_id=amina["id"])
    assert event == {"user_id": amina["id"], "old_username": amina["username"], "new_username": new_name}

    body = await update_profile(client, amina, amina["id"], expect=409, username=newer_name, bio="changed")
    assert body["error"]["code"] == "username_change_too_soon" and "available_at" in body["error"]["details"]
    assert await _column(client, amina["id"], "username") == new_name
    assert await _column(client, amina["id"], "bio") is None

    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET username_changed_at = now() - interval '31 days' WHERE id = $1",
                           uuid.UUID(amina["id"]))
    assert (await update_profile(client, amina, amina["id"], username=newer_name))["username"] == newer_name


async def test_stats(client):
    amina, baraka = await user(client), await user(client)
    await follow(client, baraka, amina["id"])
    response = await client.get(f"/api/users/{amina['id']}/stats", headers=bearer(baraka))
    assert await response.json() == {"posts": 0, "followers": 1, "following": 0, "likes_received": 0}


async def test_trust_and_verified_badge_show_on_the_profile(client):
    amina, baraka = await user(client), await user(client)
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE users SET trust_score = 85, verified_at = now() WHERE id = $1", uuid.UUID(amina["id"]))
    seen = await profile(client, baraka, amina["id"])
    assert seen["trust"] == {"score": 85, "level": "excellent"} and seen["is_verified"] is True
