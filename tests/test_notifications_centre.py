"""The in-app notification centre through the real app: listing (paged, filtered), the unread
count, reading, reading all, deleting, and the 404 for anyone else's notification."""
from __future__ import annotations

import uuid

import pytest

from nexgate.client import ApiError
from tests.support.barrier import settle
from tests.support.notifications import centre, event_ids, handled, next_notification, notifying_app, person, unread

UNREAD_CHANGED = "notifications.unread_count.changed"


async def _told_by(client, recipient, actors, *, private: bool = False) -> list[dict]:
    """Each of ``actors`` follows (or asks to follow) the recipient; the recipient's centre once all is told."""
    for actor in actors:
        await actor.request("POST", f"/api/users/{recipient.user_id}/follow")
    key = "users.follow.requested" if private else "users.follow.created"
    match = {"target_id" if private else "followee_id": str(recipient.user_id)}
    await handled(client, await event_ids(client, key, **match))
    return (await centre(recipient))["items"]


async def _fails(call, status: int) -> dict:
    with pytest.raises(ApiError) as refused:
        await call
    assert refused.value.status == status, refused.value.body
    return refused.value.body


async def test_read_read_all_and_delete_keep_the_count_and_tell_the_other_devices(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina = await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"is_private": True})
    askers = [await person(client, users) for _ in range(2)]
    # Two requests group into one; once the account is public, a follower makes another.
    [requests] = await _told_by(client, amina, askers, private=True)
    assert requests["actor_count"] == 2 and await unread(amina) == 1
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"is_private": False})
    follower = await person(client, users)
    listed = await _told_by(client, amina, [follower])
    assert [n["type"] for n in listed] == ["new_follower", "follow_request"] and await unread(amina) == 2

    other_device = await amina.live()
    read = await amina.request("PATCH", f"/api/notifications/{requests['id']}/read")
    assert read["read"] is True and read["read_at"] and read["id"] == requests["id"]
    assert (await next_notification_or_count(other_device))["data"] == {"unread_count": 1}
    assert await unread(amina) == 1
    again = await amina.request("PATCH", f"/api/notifications/{requests['id']}/read")
    assert again["read_at"] == read["read_at"]  # reading again changes nothing
    assert (await next_notification_or_count(other_device))["data"] == {"unread_count": 1}

    assert [n["id"] for n in (await centre(amina, unread=True))["items"]] == [listed[0]["id"]]
    assert (await amina.request("PATCH", "/api/notifications/read-all")) == {"marked": 1, "unread_count": 0}
    assert (await next_notification_or_count(other_device))["data"] == {"unread_count": 0}
    assert (await centre(amina, unread=True))["items"] == [] and await unread(amina) == 0

    assert await amina.request("DELETE", f"/api/notifications/{listed[0]['id']}") is None
    assert [n["id"] for n in (await centre(amina))["items"]] == [requests["id"]]
    await _fails(amina.request("GET", f"/api/notifications/{listed[0]['id']}"), 404)
    await _fails(amina.request("DELETE", f"/api/notifications/{listed[0]['id']}"), 404)
    await next_notification_or_count(other_device)

    # The deleted group is closed: the next follower starts a new notification.
    listed = await _told_by(client, amina, [await person(client, users)])
    assert [n["actor_count"] for n in listed] == [1, 2] and await unread(amina) == 1
    frame = await next_notification(other_device)
    assert frame["event"] == "notifications.notification.created" and frame["data"]["unread_count"] == 1


async def next_notification_or_count(live) -> dict:
    while True:
        frame = await live.next_event(10)
        if frame.get("event") == UNREAD_CHANGED:
            return frame


async def test_someone_elses_notification_or_an_unknown_id_is_404_and_nothing_changes(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma, mallory = await person(client, users), await person(client, users), await person(client, users)
    [told] = await _told_by(client, amina, [juma])
    device = await amina.live()
    for notification_id in (told["id"], str(uuid.uuid4()), "not-an-id"):
        for method, path in (("GET", ""), ("PATCH", "/read"), ("DELETE", "")):
            body = await _fails(mallory.request(method, f"/api/notifications/{notification_id}{path}"), 404)
            assert body["error"]["code"] == "notification_not_found"
    assert await mallory.request("PATCH", "/api/notifications/read-all") == {"marked": 0, "unread_count": 0}
    assert (await centre(mallory))["items"] == []
    assert await amina.request("GET", f"/api/notifications/{told['id']}") == told | {"deliveries": []}  # no push subscription
    assert await unread(amina) == 1
    assert await settle(client, device) == []  # amina's devices heard nothing of mallory's tries


async def test_the_list_pages_and_filters(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina, juma = await person(client, users), await person(client, users)
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"is_private": True})
    await _told_by(client, amina, [juma], private=True)
    await amina.request("POST", f"/api/follows/{juma.user_id}/accept")
    await amina.request("PATCH", f"/api/users/{amina.user_id}", json={"is_private": False})
    baraka = await person(client, users)
    everything = await _told_by(client, amina, [baraka])
    assert [n["type"] for n in everything] == ["new_follower", "follow_request"]

    first = await centre(amina, limit=1)
    second = await centre(amina, limit=1, cursor=first["next_cursor"])
    assert first["items"] + second["items"] == everything and second["next_cursor"] is None
    assert (await centre(amina, category="social"))["items"] == everything
    assert (await centre(amina, category="payments"))["items"] == []


async def test_a_bad_cursor_or_filter_is_422_naming_it(make_client, config, users):
    client = await notifying_app(make_client, config)
    amina = await person(client, users)
    for params, field in (({"cursor": "garbage"}, "cursor"), ({"category": "gossip"}, "category"),
                          ({"unread": "maybe"}, "unread"), ({"limit": "0"}, "limit")):
        body = await _fails(amina.request("GET", "/api/notifications", params=params), 422)
        assert list(body["error"]["details"]["fields"]) == [field], body


async def test_the_centre_needs_a_token(make_client, config):
    client = await notifying_app(make_client, config)
    for method, path in (("GET", "/api/notifications"), ("GET", "/api/notifications/unread-count"),
                         ("PATCH", "/api/notifications/read-all")):
        assert (await client.request(method, path)).status == 401
