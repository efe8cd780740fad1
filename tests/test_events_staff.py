"""An event's staff through the real app: the organizer invites by username, the user accepts or
declines, the organizer lists and removes; nobody else manages staff, and staff of one event are
nobody at another (their scans there: test_events_checkin.py)."""
from __future__ import annotations

import orjson

from tests.support.checkin import door_event, invite, staff_member
from tests.support.commerce import call, rows
from tests.support.shared_app import module_client
from tests.support.users import user

pytestmark, client = module_client("events_staff")  # one app for the module's tests


async def test_an_invited_user_accepts_and_is_listed_as_active_staff(client):
    amina, juma = await user(client), await user(client)
    event = await door_event(client, amina)
    invited = await invite(client, amina, event["id"], juma["username"], "manager")
    assert invited["state"] == "invited" and invited["role"] == "manager" and invited["user"]["id"] == juma["id"]
    again = await invite(client, amina, event["id"], juma["username"], "scanner", expect=200)
    assert again["state"] == "invited" and again["role"] == "manager"
    waiting = await call(client, "GET", "/api/events/staff-invitations", juma, 200)
    assert [i["event_id"] for i in waiting["items"]] == [event["id"]]
    accepted = await call(client, "POST", f"/api/events/{event['id']}/staff/accept", juma, 200)
    assert accepted["state"] == "active" and accepted["accepted_at"]
    assert (await call(client, "GET", "/api/events/staff-invitations", juma, 200))["items"] == []
    listed = await call(client, "GET", f"/api/events/{event['id']}/staff", amina, 200)
    assert [(m["user"]["username"], m["state"]) for m in listed["items"]] == [(juma["username"], "active")]
    assert (await call(client, "GET", f"/api/events/{event['id']}/staff", juma, 200))["items"] == listed["items"]
    [emitted] = await rows(client, "SELECT payload FROM outbox WHERE routing_key = 'events.staff.invited' "
                                   "AND payload->>'event_id' = $1", event["id"])
    payload = emitted["payload"] if isinstance(emitted["payload"], dict) else orjson.loads(emitted["payload"])
    assert payload == {"event_id": event["id"], "organizer_id": amina["id"], "user_id": juma["id"],
                                  "role": "manager", "title": event["title"]}


async def test_a_declined_invitation_is_gone_and_a_removed_member_is_no_longer_staff(client):
    amina, juma, zawadi = await user(client), await user(client), await user(client)
    event = await door_event(client, amina)
    await invite(client, amina, event["id"], juma["username"])
    assert await call(client, "POST", f"/api/events/{event['id']}/staff/decline", juma, 204) is None
    refused = await call(client, "POST", f"/api/events/{event['id']}/staff/accept", juma, 404)
    assert refused["error"]["code"] == "invitation_not_found"
    await staff_member(client, amina, event["id"], zawadi)
    await call(client, "DELETE", f"/api/events/{event['id']}/staff/{zawadi['id']}", amina, 204)
    assert (await call(client, "GET", f"/api/events/{event['id']}/staff", amina, 200))["items"] == []
    gone = await call(client, "DELETE", f"/api/events/{event['id']}/staff/{zawadi['id']}", amina, 404)
    assert gone["error"]["code"] == "staff_not_found"


async def test_only_the_organizer_manages_staff_and_bad_invitations_are_refused(client):
    amina, juma, zawadi = await user(client), await user(client), await user(client)
    event = await door_event(client, amina)
    other = await door_event(client, zawadi)
    await staff_member(client, amina, event["id"], juma, "scanner")
    refused = await invite(client, juma, event["id"], zawadi["username"], expect=403)
    assert refused["error"]["code"] == "not_event_organizer"
    listing = await call(client, "GET", f"/api/events/{event['id']}/staff", juma, 403)  # a scanner, not a manager
    assert listing["error"]["code"] == "not_event_staff"
    elsewhere = await call(client, "GET", f"/api/events/{other['id']}/staff", juma, 403)  # staff of another event
    assert elsewhere["error"]["code"] == "not_event_staff"
    removing = await call(client, "DELETE", f"/api/events/{event['id']}/staff/{amina['id']}", juma, 403)
    assert removing["error"]["code"] == "not_event_organizer"
    unknown = await invite(client, amina, event["id"], "no_such_user_here", expect=404)
    assert unknown["error"]["code"] == "user_not_found" and "username" in unknown["error"]["details"]["fields"]
    itself = await invite(client, amina, event["id"], amina["username"], expect=422)
    assert itself["error"]["code"] == "cannot_invite_self"
    bad = await call(client, "POST", f"/api/events/{event['id']}/staff", amina, 422,
                     json={"username": zawadi["username"], "role": "owner"})
    assert "role" in bad["error"]["details"]["fields"]
    assert len(await rows(client, "SELECT 1 FROM event_staff WHERE event_id = $1", event["id"])) == 1
    await call(client, "DELETE", f"/api/events/{event['id']}/staff/{juma['id']}", juma, 204)  # leaving
