"""Every list pages the same way (nexgate/pagination.py): a keyset cursor over its sort, and
one answer to a cursor it did not hand out, whichever list it came from."""
from __future__ import annotations

import base64
import datetime
import random
import uuid

import orjson
import pytest

from nexgate.app import all_routes
from nexgate.domain.messages.history import NEWEST_SEQ
from nexgate.domain.users.search import BY_RANK
from nexgate.errors import Invalid
from nexgate.pagination import NEWEST_FIRST, OLDEST_FIRST, Keyset, PageQuery, fetch
from tests.support.auth import bearer
from tests.support.commerce import create_product, open_shop
from tests.support.event_tickets import sale_event
from tests.support.social import create_post
from tests.support.users import user
from tests.test_users_verification import moderator

NOT_A_CURSOR = {"code": "invalid", "message": "Invalid fields in the query: cursor",
                "details": {"fields": {"cursor": ["Not a cursor this list returned."]}}}
KEYSETS = {"newest": NEWEST_FIRST, "oldest": OLDEST_FIRST, "rank": BY_RANK, "seq": NEWEST_SEQ}


def _cursor(*parts) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


def _list_routes() -> list[str]:
    return sorted(spec.path for routes in all_routes() for spec in routes.specs
                  if spec.method == "GET" and spec.query is not None and issubclass(spec.query, PageQuery))


def test_every_list_is_found():
    assert _list_routes() == sorted([
        "/api/admin/orders", "/api/conversations", "/api/conversations/{conversation_id}/messages",
        "/api/follows/requests",
        "/api/messages/search", "/api/notifications", "/api/orders", "/api/payments", "/api/payments/disbursements",
        "/api/products/search", "/api/products/{product_id}/reviews", "/api/search/users", "/api/shops",
        "/api/shops/search", "/api/shops/{shop_id}/orders", "/api/wishlist",
        "/api/shops/{shop_id}/products",
        "/api/products/{product_id}/variants/{variant_id}/stock/movements", "/api/users/blocked",
        "/api/users/muted",
        "/api/users/verification/applications", "/api/users/{user_id}/followers", "/api/users/{user_id}/following",
        "/api/users/{user_id}/shops", "/api/shops/{shop_id}/reviews",
        "/api/admin/events/settlements", "/api/events/mine", "/api/events/search", "/api/events/{event_id}/attendees",
        "/api/events/{event_id}/reviews", "/api/organizers/{user_id}/reviews", "/api/ticket-orders", "/api/tickets",
        "/api/users/{user_id}/events", "/api/posts", "/api/posts/explore", "/api/users/{user_id}/posts",
        "/api/hashtags/{tag}/posts", "/api/bookmarks", "/api/bookmarks/collections", "/api/comments/{comment_id}/likes",
        "/api/comments/{comment_id}/replies", "/api/posts/{post_id}/comments", "/api/posts/{post_id}/likes",
        "/api/posts/{post_id}/reposts", "/api/posts/collaborations", "/api/posts/drafts", "/api/posts/{post_id}/edits",
        "/api/polls/{poll_id}/options/{option_id}/voters"])


async def test_every_list_refuses_a_cursor_it_did_not_hand_out_with_the_same_422(client):
    mod, other = await moderator(client), await user(client)
    headers = bearer(mod)

    async def call(method: str, path: str, **kwargs) -> dict:
        response = await client.request(method, path, headers=headers, **kwargs)
        assert response.status < 300, await response.text()
        return await response.json()

    conversation = await call("POST", "/api/conversations", json={"user_ids": [other["id"]]})
    for _ in range(3):
        await call("POST", f"/api/conversations/{conversation['id']}/messages", json={"text": "habari"})
    by_seq = await call("GET", f"/api/conversations/{conversation['id']}/messages", params={"limit": 1})
    newest = NEWEST_FIRST.encode((datetime.datetime.now(datetime.timezone.utc), uuid.uuid4()))
    bad_cursors = {
        "not base64": "!!!", "not JSON": "Ym9ndXM", "a bare word": "bogus", "too long": "a" * 300,
        "a position of the right shape, wrong types": _cursor("newest", 12, "x"),
        "a naive time": _cursor("newest", "2026-01-01T00:00:00", str(uuid.uuid4())),
        "a bool for an int": _cursor("seq", True),
        "a float for an int": _cursor("seq", 2.5),
        "the old cursor format": base64.urlsafe_b64encode(b"s3").decode(),
        "an oldest-first cursor": OLDEST_FIRST.encode((datetime.datetime.now(datetime.timezone.utc), uuid.uuid4())),
    }
    shop = await open_shop(client, mod)
    product = await create_product(client, mod, shop["id"])
    event = await sale_event(client, mod)
    post = await create_post(client, mod)
    comment = await call("POST", f"/api/posts/{post['id']}/comments", json={"text": "habari"})
    poll = (await create_post(client, mod, poll={"options": ["Ndiyo", "Hapana"]}))["poll"]
    ids = {"shop_id": shop["id"], "product_id": product["id"], "variant_id": product["variants"][0]["id"],
           "event_id": event["id"], "post_id": post["id"], "comment_id": comment["id"], "poll_id": poll["id"],
           "option_id": poll["options"][0]["id"]}
    paths = {path: path.format(user_id=mod["id"], conversation_id=conversation["id"], tag="habari", **ids)
             for path in _list_routes()}
    for template, path in paths.items():
        params = {"q": "habari"} if "search" in path else {"state": "disputed"} if "admin/orders" in path else {}
        # The cursors of the other sorts: a history cursor in a newest-first list, and so on.
        foreign = {"a history cursor": by_seq["next_cursor"]} if not template.endswith("/messages") else {"a time cursor": newest}
        for what, cursor in {**bad_cursors, **foreign}.items():
            if template.endswith(("applications", "attendees", "collections", "comments", "replies", "edits")) \
                    and what == "an oldest-first cursor":
                continue  # those lists sort oldest first
            response = await client.get(path, params={**params, "cursor": cursor}, headers=headers)
            body = await response.json()
            assert "error" in body, (path, what, body)
            if what == "too long":
                assert response.status == 422 and list(body["error"]["details"]["fields"]) == ["cursor"], (path, body)
                continue
            assert (response.status, body["error"]) == (422, NOT_A_CURSOR), (path, what, body)


@pytest.mark.parametrize("name", KEYSETS)
async def test_fetch_pages_through_each_sort_without_repeating_or_skipping(name):
    keyset: Keyset = KEYSETS[name]
    rows = sorted({_random_key(keyset) for _ in range(23)}, reverse=keyset.start > _random_key(keyset))

    async def load(after, n):  # the repository's part: rows strictly past ``after`` in the keyset's order
        past = [row for row in rows if (row < after if keyset.start > row else row > after)]
        return past[:n]

    seen, cursor = [], None
    while True:
        page = await fetch(keyset, cursor, 5, load, lambda row: row)
        seen += page.items
        assert len(page.items) == 5 or page.next_cursor is None
        if page.next_cursor is None:
            break
        assert keyset.decode(page.next_cursor) == page.items[-1]
        cursor = page.next_cursor
    assert seen == rows
    for other in KEYSETS.values():
        if other is not keyset and rows:
            with pytest.raises(Invalid) as refused:
                other.decode(keyset.encode(rows[0]))
            assert refused.value.envelope()["error"] == NOT_A_CURSOR


def _random_key(keyset: Keyset) -> tuple:
    parts = {
        datetime.datetime: lambda: datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
        + datetime.timedelta(microseconds=random.randrange(10**12)),
        uuid.UUID: uuid.uuid4,
        int: lambda: random.randrange(2),
        float: lambda: random.random(),
    }
    if keyset is NEWEST_SEQ:
        return (random.randrange(1, 10**6),)
    return tuple(parts[part]() for part in keyset.parts)
