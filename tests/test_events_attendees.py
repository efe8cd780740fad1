"""An event's attendees and figures through the real app, for its organizer and managers only:
the list with each ticket's check-in per day, searched and paged; the CSV export parsed back
with the csv module (quoting included); the analytics, each figure exact."""
from __future__ import annotations

import collections
import csv
import datetime
import io
import uuid
import zoneinfo

from nexgate.keys import PLATFORM
from tests.support import events_after as support
from tests.support.commerce import call, rows
from tests.support.events import published_event
from tests.support.shared_app import module_client
from tests.support.users import update_profile, user

pytestmark, client = module_client("events_attendees")  # one app for the module's tests

TYPES = (dict(kind="paid", name="Standard", quantity=100, price=500_000),
         dict(kind="vip", name="VIP", quantity=10, price=2_000_000))


async def _people(client, *names: str) -> list[dict]:
    found = []
    for name in names:
        person = await user(client)
        await update_profile(client, person, person["id"], display_name=name)
        found.append({**person, "display_name": name})
    return found


async def test_the_organizer_and_managers_list_and_search_attendees_with_their_check_in_per_day(client):
    organizer, manager, scanner, stranger = [await user(client) for _ in range(4)]
    amina, juma = await _people(client, "Amina Mwinyi", "Juma Bakari")
    event = await published_event(client, organizer, days=2, ticket_types=TYPES)
    standard, vip = event["ticket_types"]
    await support.add_staff(client, event, manager, "manager")
    await support.add_staff(client, event, scanner, "scanner")
    two = await support.paid_order(client, event, amina, ticket_type=standard, quantity=2)
    one = await support.paid_order(client, event, juma, ticket_type=vip)
    await support.doors_open(client, event, day=2)
    await support.check_in(client, event, min(two.ticket_ids), holder=amina, by=scanner, gate="North")

    path = f"/api/events/{event['id']}/attendees"
    listed = await call(client, "GET", path, manager, 200)
    # oldest first; the tickets of one order (issued at once) in id order
    assert [item["ticket_id"] for item in listed["items"]] == [str(t) for t in sorted(two.ticket_ids) + one.ticket_ids]
    first = listed["items"][0]
    assert (first["holder"]["display_name"], first["ticket_type"]["name"], first["state"], first["price"]) == (
        "Amina Mwinyi", "Standard", "valid", 500_000)
    assert [(day["number"], day["checked_in"], day["gate"], day["method"]) for day in first["days"]] == [
        (1, False, None, None), (2, True, "North", "app")]
    assert listed["items"][1]["days"][1]["checked_in"] is False

    for q, expected in (("juma", one.ticket_ids), ("MWINYI", sorted(two.ticket_ids)), (juma["username"], one.ticket_ids)):
        found = await call(client, "GET", path, organizer, 200, params={"q": q})
        assert [item["ticket_id"] for item in found["items"]] == [str(t) for t in expected], q
    code = listed["items"][2]["code"]
    by_code = await call(client, "GET", path, organizer, 200, params={"q": code[2:7].lower()})
    assert code in [item["code"] for item in by_code["items"]]

    paged = await call(client, "GET", path, organizer, 200, params={"limit": 2})
    rest = await call(client, "GET", path, organizer, 200, params={"limit": 2, "cursor": paged["next_cursor"]})
    assert [item["ticket_id"] for item in paged["items"] + rest["items"]] == [
        item["ticket_id"] for item in listed["items"]] and rest["next_cursor"] is None
    assert (await call(client, "GET", path, organizer, 200, params={"state": "cancelled"}))["items"] == []

    for outsider in (scanner, stranger):
        refused = await call(client, "GET", path, outsider, 403)
        assert refused["error"]["code"] == "not_event_staff"
    await call(client, "GET", f"/api/events/{uuid.uuid4()}/attendees", organizer, 404)


async def test_the_csv_export_has_one_quoted_row_per_ticket_and_a_column_per_day(client):
    organizer, scanner = await user(client), await user(client)
    [tricky] = await _people(client, 'Mwanaisha "Mama" Ali, Jr.')
    [plain] = await _people(client, "Baraka")
    event = await published_event(client, organizer, days=2, ticket_types=TYPES)
    standard, vip = event["ticket_types"]
    first = await support.paid_order(client, event, tricky, ticket_type=vip)
    second = await support.paid_order(client, event, plain, ticket_type=standard, quantity=2)
    await support.add_staff(client, event, scanner, "scanner")
    await support.doors_open(client, event, day=1)
    admitted = await support.check_in(client, event, first.ticket_ids[0], holder=tricky, by=scanner)
    at = datetime.datetime.fromisoformat(admitted["scanned_at"])

    response = await client.get(f"/api/events/{event['id']}/attendees.csv",
                                headers={"Authorization": f"Bearer {organizer['access_token']}"})
    assert response.status == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="attendees-' in response.headers["Content-Disposition"]
    body = await response.text()
    assert '"Mwanaisha ""Mama"" Ali, Jr."' in body
    table = list(csv.reader(io.StringIO(body, newline="")))
    assert table[0] == ["ticket_id", "code", "state", "ticket_type", "holder_username", "holder_name", "price",
                        "currency", "issued_at", "day_1_checked_in_at", "day_2_checked_in_at"]
    codes = {row["id"]: row["code"] for row in await rows(
        client, "SELECT id, code FROM tickets WHERE event_id = $1", uuid.UUID(event["id"]))}
    assert [row[:8] for row in table[1:]] == [
        [str(first.ticket_ids[0]), codes[first.ticket_ids[0]], "valid", "VIP", tricky["username"],
         'Mwanaisha "Mama" Ali, Jr.', "2000000", "TZS"],
        *[[str(t), codes[t], "valid", "Standard", plain["username"], "Baraka", "500000", "TZS"]
          for t in sorted(second.ticket_ids)]]
    assert datetime.datetime.fromisoformat(table[1][9]) == at and table[1][10] == ""
    assert all(row[9:] == ["", ""] for row in table[2:])

    refused = await client.get(f"/api/events/{event['id']}/attendees.csv",
                               headers={"Authorization": f"Bearer {scanner['access_token']}"})
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "not_event_staff"


async def test_the_analytics_count_viewers_sales_check_ins_and_conversion_exactly(client):
    organizer, scanner = await user(client), await user(client)
    viewers = [await user(client) for _ in range(3)]
    event = await published_event(client, organizer, days=2, ticket_types=TYPES, time_zone="Africa/Nairobi")
    standard, vip = event["ticket_types"]
    for person in viewers + viewers[:1]:  # a viewer seen twice in a day counts once
        await call(client, "GET", f"/api/events/{event['id']}", person, 200)
    await call(client, "GET", f"/api/events/{event['id']}", None, 200)  # and one anonymous device
    await call(client, "GET", f"/api/events/{event['id']}", organizer, 200)  # the organizer is not a viewer
    a = await support.paid_order(client, event, viewers[0], ticket_type=standard, quantity=3)
    b = await support.paid_order(client, event, viewers[1], ticket_type=vip)
    await support.paid_order(client, event, viewers[1], ticket_type=standard)
    zone = zoneinfo.ZoneInfo("Africa/Nairobi")
    await support.add_staff(client, event, scanner, "scanner")
    admitted = []  # through the REST route, day 1's doors open now, then day 2's
    await support.doors_open(client, event, day=1)
    for ticket_id in a.ticket_ids[:2]:
        admitted.append(await support.check_in(client, event, ticket_id, holder=viewers[0], by=scanner))
    await support.doors_open(client, event, day=2)
    admitted.append(await support.check_in(client, event, b.ticket_ids[0], holder=viewers[1], by=scanner))
    hours = collections.Counter((one["day"]["id"], one["day"]["number"],
                                 datetime.datetime.fromisoformat(one["scanned_at"]).astimezone(zone).hour)
                                for one in admitted)

    async with client.app[PLATFORM].core.connection() as conn:  # the first viewer came the day before too
        await conn.execute("INSERT INTO event_views (event_id, day, viewer_key, viewer_id) SELECT event_id, day - 1,"
                           " viewer_key, viewer_id FROM event_views WHERE event_id = $1 AND viewer_id = $2",
                           uuid.UUID(event["id"]), uuid.UUID(viewers[0]["id"]))
    figures = await call(client, "GET", f"/api/events/{event['id']}/analytics", organizer, 200)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert figures["views"] == {"unique_viewers": 4, "per_day": [
        {"day": (today - datetime.timedelta(days=1)).isoformat(), "viewers": 1}, {"day": today.isoformat(), "viewers": 4}]}
    issued = await rows(client, "SELECT DISTINCT (issued_at AT TIME ZONE 'Africa/Nairobi')::date AS day FROM tickets"
                                " WHERE event_id = $1", uuid.UUID(event["id"]))
    [sale_day] = [row["day"].isoformat() for row in issued]
    assert figures["sales"]["tickets"] == 5 and figures["sales"]["revenue"] == 4 * 500_000 + 2_000_000
    assert figures["sales"]["per_ticket_type"] == [
        {"ticket_type_id": standard["id"], "ticket_type_name": "Standard", "tickets": 4, "revenue": 2_000_000},
        {"ticket_type_id": vip["id"], "ticket_type_name": "VIP", "tickets": 1, "revenue": 2_000_000}]
    assert {(s["day"], s["ticket_type_name"], s["tickets"]) for s in figures["sales"]["per_day"]} == {
        (sale_day, "Standard", 4), (sale_day, "VIP", 1)}
    assert [one["day"]["number"] for one in admitted] == [1, 1, 2]
    assert figures["checkins"] == {"total": 3, "per_hour": [  # each hour in the event's zone
        {"day_id": day_id, "number": number, "hour": hour, "checkins": count}
        for (day_id, number, hour), count in sorted(hours.items(), key=lambda item: (item[0][1], item[0][2]))]}
    assert figures["conversion"] == {"viewers": 4, "buyers": 2, "basis_points": 5000}
    assert (figures["currency"], figures["time_zone"]) == ("TZS", "Africa/Nairobi")

    async with client.app[PLATFORM].core.connection() as conn:  # a refunded ticket is no longer a sale
        await conn.execute("UPDATE tickets SET state = 'cancelled', revoked_at = now() WHERE id = $1", b.ticket_ids[0])
    after = await call(client, "GET", f"/api/events/{event['id']}/analytics", organizer, 200)
    assert (after["sales"]["tickets"], after["sales"]["revenue"], after["conversion"]["buyers"]) == (
        4, 2_000_000, 2)
    refused = await call(client, "GET", f"/api/events/{event['id']}/analytics", scanner, 403)
    assert refused["error"]["code"] == "not_event_staff"
