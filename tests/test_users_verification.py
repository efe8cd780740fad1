"""The verified badge: applications, the moderators' queue, decisions, direct grants and revocations."""
from __future__ import annotations

import uuid

from nexgate.domain.auth import repository
from nexgate.keys import PLATFORM
from tests.support.auth import bearer, login
from tests.support.users import events, profile, user

APPLICATIONS = "/api/users/verification/applications"
STATEMENT = {"kind": "seller", "statement": "I sell kitenge fabric in Kariakoo", "evidence": "TIN 123-456-789"}


async def moderator(client, role: str = "moderator") -> dict:
    """A registered user holding ``role``, signed in again so that their token carries it."""
    account = await user(client)
    async with client.app[PLATFORM].core.connection() as conn:
        await repository.set_roles(conn, account["id"], ["user", role])
    return {**await login(client, account["username"]), "id": account["id"], "username": account["username"]}


async def _post(client, path: str, tokens: dict, expect: int, body: dict | None = None):
    response = await client.post(path, headers=bearer(tokens), json=body)
    assert response.status == expect, await response.text()
    return None if expect == 204 else await response.json()


async def _get(client, path: str, tokens: dict, expect: int = 200, **params):
    response = await client.get(path, headers=bearer(tokens), params=params)
    assert response.status == expect, await response.text()
    return await response.json()


async def _queue(client, mod: dict, limit: int = 100) -> list[str]:
    """Ids of the whole moderators' queue, page by page (other tests' applications included)."""
    seen, cursor = [], None
    while True:
        page = await _get(client, APPLICATIONS, mod, limit=limit, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def _apply(client, tokens: dict, expect: int = 201, **fields) -> dict:
    return await _post(client, APPLICATIONS, tokens, expect, {**STATEMENT, **fields})


async def test_application_approved_by_a_moderator_verifies_the_applicant(client):
    seller, mod = await user(client), await moderator(client)
    application = await _apply(client, seller)
    assert application["status"] == "pending" and application["kind"] == "seller"
    assert application["username"] == seller["username"] and application["evidence"] == "TIN 123-456-789"

    assert application["id"] in await _queue(client, mod)

    decided = await _post(client, f"{APPLICATIONS}/{application['id']}/approve", mod, 200)
    assert decided["status"] == "approved" and decided["reviewer_id"] == mod["id"] and decided["decided_at"]
    assert (await profile(client, mod, seller["id"]))["is_verified"] is True
    own = await _get(client, "/api/users/me/verification", seller)
    assert own["is_verified"] is True and own["verified_at"]
    assert [a["status"] for a in own["applications"]] == ["approved"]
    assert application["id"] not in await _queue(client, mod)

    assert await events(client, "users.verification.applied", user_id=seller["id"]) == [
        {"application_id": application["id"], "user_id": seller["id"], "kind": "seller"}]
    assert await events(client, "users.verification.decided", application_id=application["id"]) == [{
        "application_id": application["id"], "user_id": seller["id"], "kind": "seller", "decision": "approved",
        "reason": None, "reviewer_id": mod["id"]}]
    assert len(await events(client, "users.verification.granted", user_id=seller["id"])) == 1

    # Verified: no further application.
    refused = await _apply(client, seller, 409)
    assert refused["error"]["code"] == "already_verified"


async def test_rejection_needs_a_reason_which_the_applicant_sees_and_may_apply_again(client):
    organizer, admin = await user(client), await moderator(client, "admin")
    application = await _apply(client, organizer, kind="organizer", evidence=None)

    for body in (None, {}, {"reason": ""}, {"reason": "   "}):
        refused = await _post(client, f"{APPLICATIONS}/{application['id']}/reject", admin, 422, body)
        assert refused["error"]["code"] in ("invalid", "reason_required")
        assert "reason" in refused["error"]["details"]["fields"]
    assert (await _get(client, "/api/users/me/verification", organizer))["applications"][0]["status"] == "pending"

    rejected = await _post(client, f"{APPLICATIONS}/{application['id']}/reject", admin, 200,
                           {"reason": "Show a past event we can check"})
    assert rejected["status"] == "rejected" and rejected["reason"] == "Show a past event we can check"
    own = await _get(client, "/api/users/me/verification", organizer)
    assert own["is_verified"] is False
    assert own["applications"][0]["reason"] == "Show a past event we can check"
    assert (await profile(client, admin, organizer["id"]))["is_verified"] is False

    again = await _apply(client, organizer, kind="organizer", statement="Sauti za Busara 2024, stage B")
    own = await _get(client, "/api/users/me/verification", organizer)
    assert [a["id"] for a in own["applications"]] == [again["id"], application["id"]]


async def test_one_pending_application_at_a_time_and_bad_applications(client):
    seller = await user(client)
    await _apply(client, seller)
    second = await _apply(client, seller, 409)
    assert second["error"]["code"] == "application_pending"
    for bad in ({"kind": "influencer"}, {"statement": ""}, {"statement": "x" * 1001}, {"evidence": "e" * 2001}):
        refused = await _apply(client, seller, 422, **bad)
        assert set(refused["error"]["details"]["fields"]) == set(bad)
    missing = await _post(client, APPLICATIONS, seller, 422, {"kind": "seller"})
    assert "statement" in missing["error"]["details"]["fields"]
    assert len((await _get(client, "/api/users/me/verification", seller))["applications"]) == 1


async def test_deciding_needs_a_moderator_a_pending_application_and_an_existing_one(client):
    seller, other, mod = await user(client), await user(client), await moderator(client)
    application = await _apply(client, seller)
    approve = f"{APPLICATIONS}/{application['id']}/approve"

    for tokens in (seller, other):
        assert (await _post(client, approve, tokens, 403))["error"]["code"] == "role_required"
        assert (await _get(client, APPLICATIONS, tokens, 403))["error"]["code"] == "role_required"
        assert (await _post(client, f"/api/users/{seller['id']}/verification", tokens, 403))
    assert (await profile(client, other, seller["id"]))["is_verified"] is False

    for unknown in (uuid.uuid4(), "not-a-uuid"):
        missing = await _post(client, f"{APPLICATIONS}/{unknown}/approve", mod, 404)
        assert missing["error"]["code"] == "application_not_found"

    await _post(client, approve, mod, 200, {"reason": "Welcome"})
    for path, body in ((approve, None), (f"{APPLICATIONS}/{application['id']}/reject", {"reason": "changed my mind"})):
        again = await _post(client, path, mod, 409, body)
        assert again["error"]["code"] == "application_decided" and again["error"]["details"]["status"] == "approved"
    assert len(await events(client, "users.verification.decided", application_id=application["id"])) == 1


async def test_a_moderator_cannot_decide_their_own_application(client):
    mod = await moderator(client)
    application = await _apply(client, mod)
    refused = await _post(client, f"{APPLICATIONS}/{application['id']}/approve", mod, 403)
    assert refused["error"]["code"] == "own_application"


async def test_queue_is_oldest_first_and_cursor_paginated(client):
    mod = await moderator(client)
    applicants = [await user(client) for _ in range(5)]
    ids = [(await _apply(client, applicant))["id"] for applicant in applicants]
    assert [i for i in await _queue(client, mod, limit=2) if i in ids] == ids
    bad = await _get(client, APPLICATIONS, mod, 422, cursor="garbage")
    assert "cursor" in bad["error"]["details"]["fields"]


async def test_moderators_grant_and_revoke_the_badge_directly(client):
    seller, mod = await user(client), await moderator(client)
    pending = await _apply(client, seller)
    granted = await _post(client, f"/api/users/{seller['id']}/verification", mod, 200)
    assert granted["user_id"] == seller["id"] and granted["is_verified"] is True
    assert (await profile(client, seller, seller["id"]))["is_verified"] is True
    # The pending application was settled with the grant.
    own = await _get(client, "/api/users/me/verification", seller)
    assert own["applications"][0]["id"] == pending["id"] and own["applications"][0]["status"] == "approved"
    assert pending["id"] not in await _queue(client, mod)
    again = await _post(client, f"/api/users/{seller['id']}/verification", mod, 409)
    assert again["error"]["code"] == "already_verified"

    response = await client.delete(f"/api/users/{seller['id']}/verification", headers=bearer(mod))
    assert response.status == 204
    assert (await profile(client, seller, seller["id"]))["is_verified"] is False
    response = await client.delete(f"/api/users/{seller['id']}/verification", headers=bearer(mod))
    assert response.status == 409 and (await response.json())["error"]["code"] == "not_verified"
    response = await client.delete(f"/api/users/{seller['id']}/verification", headers=bearer(seller))
    assert response.status == 403

    assert await events(client, "users.verification.granted", user_id=seller["id"]) == [
        {"user_id": seller["id"], "granted_by": mod["id"], "application_id": pending["id"]}]
    assert await events(client, "users.verification.revoked", user_id=seller["id"]) == [
        {"user_id": seller["id"], "revoked_by": mod["id"]}]
    for unknown in (uuid.uuid4(), "nobody"):
        missing = await _post(client, f"/api/users/{unknown}/verification", mod, 404)
        assert missing["error"]["code"] == "user_not_found"


async def test_routes_beside_the_profile_routes_resolve_to_themselves(client):
    # /api/users/me/verification is not /api/users/{user_id}/verification (a POST-only route).
    seller = await user(client)
    own = await _get(client, "/api/users/me/verification", seller)
    assert own == {"is_verified": False, "verified_at": None, "applications": []}
    assert (await client.get(APPLICATIONS, headers=bearer(seller))).status == 403
    assert (await client.get(APPLICATIONS)).status == 401
