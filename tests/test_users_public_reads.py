"""Public reads (auth=OPTIONAL): a profile, its stats and its follower lists answer without a
token as to an anonymous viewer; with one, as to the caller; a bad token is 401, never anonymous."""
from __future__ import annotations

import datetime

import jwt

from nexgate.keys import PLATFORM
from tests.support.auth import bearer
from tests.support.users import block, follow, update_profile, user

PUBLIC_READS = ("", "/stats", "/followers", "/following")
NOBODY = {"following": False, "followed_by": False, "requested": False, "muted": False}


async def _get(client, path: str, headers: dict | None = None) -> tuple[int, dict]:
    response = await client.get(path, headers=headers or {})
    return response.status, await response.json()


async def test_a_public_account_is_read_without_a_token(client):
    amina, baraka = await user(client), await user(client)
    await follow(client, baraka, amina["id"])
    status, body = await _get(client, f"/api/users/{amina['id']}")
    assert status == 200 and body["id"] == amina["id"] and body["content_visible"] is True
    assert body["relationship"] == NOBODY and "settings" not in body
    assert body["stats"]["followers"] == 1
    status, by_name = await _get(client, f"/api/users/{amina['username']}")
    assert status == 200 and by_name["id"] == amina["id"]
    assert await _get(client, f"/api/users/{amina['id']}/stats") == (200, body["stats"])
    status, followers = await _get(client, f"/api/users/{amina['id']}/followers")
    assert status == 200 and [item["id"] for item in followers["items"]] == [baraka["id"]]
    status, following = await _get(client, f"/api/users/{baraka['id']}/following")
    assert status == 200 and [item["id"] for item in following["items"]] == [amina["id"]]
    # Writes still need a token.
    assert (await client.post(f"/api/users/{amina['id']}/follow")).status == 401


async def test_with_a_token_the_caller_is_known(client):
    amina, baraka = await user(client), await user(client)
    await follow(client, baraka, amina["id"])
    status, body = await _get(client, f"/api/users/{amina['id']}", bearer(baraka))
    assert status == 200 and body["relationship"] == {**NOBODY, "following": True}
    status, own = await _get(client, f"/api/users/{amina['id']}", bearer(amina))
    assert status == 200 and own["relationship"] is None and "settings" in own


async def test_a_bad_token_is_refused_not_taken_for_anonymous(client):
    amina = await user(client)
    keyring = client.app[PLATFORM].keyring
    claims = jwt.decode(amina["access_token"], options={"verify_signature": False})
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    expired = await keyring.sign({**claims, "iat": past, "exp": past + datetime.timedelta(minutes=15)})
    bad = {
        "token_invalid": {"Authorization": "Bearer not-a-token"},
        "token_expired": {"Authorization": f"Bearer {expired}"},
        "token_missing": {"Authorization": "Basic YW1pbmE6cGFzcw=="},
    }
    for suffix in PUBLIC_READS:
        for code, headers in bad.items():
            status, body = await _get(client, f"/api/users/{amina['id']}{suffix}", headers)
            assert (status, body["error"]["code"]) == (401, code), suffix


async def test_a_private_account_shows_an_anonymous_viewer_what_it_shows_a_non_follower(client):
    private, stranger = await user(client), await user(client)
    await update_profile(client, private, private["id"], is_private=True)
    anonymous = await _get(client, f"/api/users/{private['id']}")
    signed_in = await _get(client, f"/api/users/{private['id']}", bearer(stranger))
    assert anonymous == signed_in
    assert anonymous[0] == 200 and anonymous[1]["content_visible"] is False
    for suffix in ("/followers", "/following"):
        status, body = await _get(client, f"/api/users/{private['id']}{suffix}")
        assert (status, body["error"]["code"]) == (403, "private_account")
    assert (await _get(client, f"/api/users/{private['id']}/stats"))[0] == 200


async def test_a_block_answers_as_before_with_a_token(client):
    amina, baraka = await user(client), await user(client)
    await block(client, amina, baraka["id"])
    for suffix in PUBLIC_READS:
        status, body = await _get(client, f"/api/users/{amina['id']}{suffix}", bearer(baraka))
        assert (status, body["error"]["code"]) == (404, "user_not_found"), suffix
        status, body = await _get(client, f"/api/users/{baraka['id']}{suffix}", bearer(amina))
        assert (status, body["error"]["code"]) == (403, "user_blocked"), suffix


async def test_openapi_marks_the_token_optional(client):
    paths = (await (await client.get("/api/openapi.json")).json())["paths"]
    for suffix in PUBLIC_READS:
        assert paths[f"/api/users/{{user_id}}{suffix}"]["get"]["security"] == [{"bearer": []}, {}]
    assert paths["/api/users/{user_id}"]["patch"]["security"] == [{"bearer": []}]
