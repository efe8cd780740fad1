"""User search: prefixes and fuzzy matches of usernames and display names, the people you
follow first, blocked users never, cursor pages, and the bad queries."""
from __future__ import annotations

import uuid

import pytest

from tests.support.auth import bearer
from tests.support.users import block, follow, user


async def _search(client, tokens, expect: int = 200, **params) -> dict:
    response = await client.get("/api/search/users", headers=bearer(tokens) if tokens else {}, params=params)
    assert response.status == expect, await response.text()
    return await response.json()


async def _names(client, tokens, q: str) -> list[str]:
    return [item["username"] for item in (await _search(client, tokens, q=q, limit=100))["items"]]


@pytest.fixture
async def people(client):
    """Users whose names share a tag no other test uses."""
    tag = f"q{uuid.uuid4().hex[:6]}"

    async def make(name: str, display: str):
        return await user(client, username=f"{tag}_{name}", display_name=display)

    return tag, {
        "amina": await make("amina", f"Amina Juma {tag}"),
        "aminata": await make("aminata", f"Aminata Said {tag}"),
        "baraka": await make("baraka", f"{tag} Baraka Mollel"),
        "neema": await make("neema", f"Neema Kweka {tag}"),
        "viewer": await make("viewer", "The Viewer"),
    }


async def test_exact_and_prefix_matches_rank_first(client, people):
    tag, p = people
    assert (await _names(client, p["viewer"], f"{tag}_amina"))[:2] == [f"{tag}_amina", f"{tag}_aminata"]
    assert (await _names(client, p["viewer"], f"{tag.upper()}_AMINAT"))[0] == f"{tag}_aminata"
    # A display name's prefix, and a word of it (fuzzy, from three letters).
    assert (await _names(client, p["viewer"], f"{tag} bar"))[0] == f"{tag}_baraka"
    assert f"{tag}_neema" in await _names(client, p["viewer"], f"kweka {tag}")
    found = (await _search(client, p["viewer"], q=f"{tag}_neema"))["items"][0]
    assert found == {"id": p["neema"]["id"], "username": f"{tag}_neema", "display_name": f"Neema Kweka {tag}",
                     "avatar_media_id": None, "is_verified": False, "following": False}


async def test_fuzzy_matches_forgive_a_typo(client, people):
    tag, p = people
    assert f"{tag}_amina" in await _names(client, p["viewer"], f"{tag}_amena")
    assert f"{tag}_baraka" in await _names(client, p["viewer"], "Molel")


async def test_people_you_follow_come_first(client, people):
    tag, p = people
    await follow(client, p["viewer"], p["aminata"]["id"])
    items = (await _search(client, p["viewer"], q=f"{tag}_amin"))["items"]
    assert [(i["username"], i["following"]) for i in items[:2]] == [(f"{tag}_aminata", True), (f"{tag}_amina", False)]
    # Someone else's search is not reordered.
    assert (await _names(client, p["amina"], f"{tag}_amin"))[:2] == [f"{tag}_amina", f"{tag}_aminata"]


async def test_blocked_users_never_appear_either_way(client, people):
    tag, p = people
    await block(client, p["viewer"], p["amina"]["id"])
    await block(client, p["baraka"], p["viewer"]["id"])
    seen = await _names(client, p["viewer"], tag)
    assert f"{tag}_amina" not in seen and f"{tag}_baraka" not in seen and f"{tag}_aminata" in seen
    assert f"{tag}_viewer" not in await _names(client, p["baraka"], tag)
    assert f"{tag}_viewer" not in await _names(client, p["amina"], f"{tag}_viewer")
    assert f"{tag}_baraka" in await _names(client, p["neema"], tag)


async def test_pages_follow_the_ranking(client, people):
    tag, p = people
    await follow(client, p["viewer"], p["neema"]["id"])
    everything = await _names(client, p["viewer"], tag)
    assert len(everything) == 5 and everything[0] == f"{tag}_neema"
    paged, cursor = [], None
    while True:
        page = await _search(client, p["viewer"], q=tag, limit=2, **({"cursor": cursor} if cursor else {}))
        paged += [item["username"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == everything


async def test_bad_queries_are_refused(client, people):
    _, p = people
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 51}, {"q": "ab", "limit": 0}, {"q": "ab", "limit": 101},
                   {"q": "ab", "cursor": "nonsense"}):
        refused = await _search(client, p["viewer"], 422, **params)
        assert set(refused["error"]["details"]["fields"]) == ({"q"} if set(params) <= {"q"} else set(params) - {"q"})
    assert (await _search(client, p["viewer"], q="x" * 50))["items"] is not None
    # LIKE's wildcards are plain characters here: nobody's name starts with them.
    assert (await _search(client, p["viewer"], q="%_\\%"))["items"] == []
    assert (await _search(client, None, 401, q="amina"))["error"]["code"] == "token_missing"
