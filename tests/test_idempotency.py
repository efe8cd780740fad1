"""The Idempotency-Key contract (nexgate/idempotency.py, docs/rest.md "Idempotency"), through
its first route, POST /api/payments/methods: a retry replays the first answer, another body
under the same key is refused, a duplicate while the first still runs is refused, and a first
attempt that failed on the server's side frees the key."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from nexgate.app import all_routes
from nexgate.domain.payments import methods
from nexgate.errors import RateLimited
from nexgate.keys import OPENAPI, PLATFORM
from nexgate.openapi import implied_errors, openapi_path
from tests.support.auth import bearer, register
from tests.support.payment_methods import METHODS, events, listing, number


async def post(client, tokens, body, key: str | None) -> tuple[int, dict, dict]:
    headers = bearer(tokens) | ({} if key is None else {"Idempotency-Key": key})
    response = await client.post(METHODS, json=body, headers=headers)
    return response.status, await response.json(), dict(response.headers)


WAIT_S = 10  # for a request to reach the held door: a test whose rule broke fails, never hangs


class Held:
    """Holds every add_mobile_money call at its door until ``release``: the first request is
    still running for as long as the test wants, with no sleep."""

    def __init__(self, monkeypatch):
        self.entered, self.released = asyncio.Event(), asyncio.Event()
        self.calls = 0
        original = methods.add_mobile_money

        async def held(*args, **kwargs):
            self.calls += 1
            self.entered.set()
            await self.released.wait()
            return await original(*args, **kwargs)

        monkeypatch.setattr(methods, "add_mobile_money", held)

    def release(self) -> None:
        self.released.set()

    async def reached_by(self, request: asyncio.Task) -> None:
        """Wait until a call is at the door; fail (releasing it) if ``request`` answered instead."""
        entered = asyncio.ensure_future(self.entered.wait())
        done, _ = await asyncio.wait({entered, request}, timeout=WAIT_S, return_when=asyncio.FIRST_COMPLETED)
        if entered not in done:
            entered.cancel()
            self.release()
            answer = request.result()[:2] if request.done() else "nothing"
            raise AssertionError(f"the request did not run: it answered {answer}")


@pytest.fixture
def held(monkeypatch):
    door = Held(monkeypatch)
    yield door
    door.release()  # whatever the test asserted, no request stays held


async def added(client, tokens) -> int:
    return len(await events(client, "payments.method.added", user_id=tokens["user"]["id"]))


async def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_again(client):
    amina, key = await register(client), str(uuid.uuid4())
    body = {"phone": number("+25575"), "label": "Duka"}
    status, first, headers = await post(client, amina, body, key)
    assert status == 201 and "Idempotent-Replayed" not in headers
    again = await post(client, amina, {"label": "Duka", "phone": body["phone"]}, key)  # key order does not count
    assert again[:2] == (201, first) and again[2]["Idempotent-Replayed"] == "true"
    assert again[2]["Content-Type"] == headers["Content-Type"]
    assert await listing(client, amina) == [first] and await added(client, amina) == 1


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(client):
    amina, key = await register(client), str(uuid.uuid4())
    status, first, _ = await post(client, amina, {"phone": number("+25575")}, key)
    assert status == 201
    status, refused, _ = await post(client, amina, {"phone": number("+25575")}, key)
    assert status == 422 and refused["error"]["code"] == "idempotency_key_reused"
    assert refused["error"]["details"] == {"header": "Idempotency-Key"}
    assert await listing(client, amina) == [first] and await added(client, amina) == 1


async def test_a_duplicate_while_the_first_still_runs_is_refused_and_exactly_one_creates(client, held):
    amina, key, body = await register(client), str(uuid.uuid4()), {"phone": number("+25571")}
    first = asyncio.create_task(post(client, amina, body, key))
    await held.reached_by(first)
    duplicates = await asyncio.wait_for(asyncio.gather(*(post(client, amina, body, key) for _ in range(3))), WAIT_S)
    assert [(status, answer["error"]["code"]) for status, answer, _ in duplicates] == [
        (409, "idempotency_key_in_use")] * 3
    held.release()
    status, created, _ = await first
    assert status == 201 and held.calls == 1
    replayed = await post(client, amina, body, key)
    assert replayed[:2] == (201, created) and replayed[2]["Idempotent-Replayed"] == "true"
    assert held.calls == 1 and await added(client, amina) == 1


async def test_requests_at_once_with_one_key_create_once(client):
    amina, key, body = await register(client), str(uuid.uuid4()), {"phone": number("+25568")}
    answers = await asyncio.gather(*(post(client, amina, body, key) for _ in range(8)))
    ran = [answer for status, answer, headers in answers if status == 201 and "Idempotent-Replayed" not in headers]
    assert len(ran) == 1
    for status, answer, headers in answers:
        if answer is not ran[0]:  # refused while it ran, or its answer replayed
            assert (status, answer["error"]["code"]) == (409, "idempotency_key_in_use") if status == 409 else (
                status, answer, headers["Idempotent-Replayed"]) == (201, ran[0], "true")
    assert await added(client, amina) == 1 and len(await listing(client, amina)) == 1


@pytest.mark.parametrize("failure, status", [
    (ConnectionResetError("the database went away"), 500),
    (RateLimited("Too many", retry_after=30), 429),
])
async def test_a_first_attempt_that_failed_on_our_side_frees_the_key(client, monkeypatch, failure, status):
    amina, key, body = await register(client), str(uuid.uuid4()), {"phone": number("+25562")}
    original = methods.add_mobile_money

    async def failing(*args, **kwargs):
        monkeypatch.setattr(methods, "add_mobile_money", original)  # the retry finds the dependency back
        raise failure

    monkeypatch.setattr(methods, "add_mobile_money", failing)
    assert (await post(client, amina, body, key))[0] == status
    assert await listing(client, amina) == []
    status, created, headers = await post(client, amina, body, key)
    assert status == 201 and "Idempotent-Replayed" not in headers and await listing(client, amina) == [created]


async def test_a_refusal_the_route_decided_is_kept_and_replayed(client):
    amina, key = await register(client), str(uuid.uuid4())
    status, refused, _ = await post(client, amina, {"phone": "+256772123456"}, key)
    assert status == 422 and refused["error"]["code"] == "country_unsupported"
    again = await post(client, amina, {"phone": "+256772123456"}, key)
    assert again[:2] == (422, refused) and again[2]["Idempotent-Replayed"] == "true"


async def test_a_body_refused_before_it_runs_keeps_the_key_free(client):
    amina, key = await register(client), str(uuid.uuid4())
    status, refused, _ = await post(client, amina, {"phone": 255754123456}, key)
    assert status == 422 and list(refused["error"]["details"]["fields"]) == ["phone"]
    assert (await post(client, amina, {"phone": number("+25575")}, key))[0] == 201


@pytest.mark.parametrize("key, code", [
    (None, "idempotency_key_missing"), ("k" * 256, "idempotency_key_invalid"), ("ufunguo-é", "idempotency_key_invalid"),
])
async def test_a_missing_or_malformed_key_is_refused_naming_the_header(client, key, code):
    amina = await register(client)
    headers = bearer(amina) | ({} if key is None else {"Idempotency-Key": key})
    response = await client.post(METHODS, json={"phone": number("+25575")}, headers=headers)
    answer = await response.json()
    assert response.status == 400 and answer["error"]["code"] == code
    assert answer["error"]["details"] == {"header": "Idempotency-Key"} and "Idempotency-Key" in answer["error"]["message"]
    assert await listing(client, amina) == []


async def test_keys_are_each_users_own(client):
    amina, baraka, key = await register(client), await register(client), "order-2026-12-01-0001"
    phone = number("+25575")
    first = await post(client, amina, {"phone": phone}, key)
    theirs = await post(client, baraka, {"phone": phone}, key)
    assert first[0] == theirs[0] == 201 and first[1]["id"] != theirs[1]["id"]
    assert "Idempotent-Replayed" not in theirs[2]


async def test_an_expired_key_is_new_again(client):
    amina, key = await register(client), str(uuid.uuid4())
    assert (await post(client, amina, {"phone": number("+25575")}, key))[0] == 201
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", key)
    status, _, headers = await post(client, amina, {"phone": number("+25575")}, key)  # another body: a new operation
    assert status == 201 and "Idempotent-Replayed" not in headers
    assert len(await listing(client, amina)) == 2


async def test_a_claim_sweeps_expired_keys_of_others(client):
    amina, baraka, old = await register(client), await register(client), str(uuid.uuid4())
    assert (await post(client, amina, {"phone": number("+25575")}, old))[0] == 201
    async with client.app[PLATFORM].core.connection() as conn:
        await conn.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", old)
        assert (await post(client, baraka, {"phone": number("+25575")}, str(uuid.uuid4())))[0] == 201
        assert await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = $1", old) == 0


async def test_an_attempt_that_outlived_its_lease_is_taken_over_by_a_retry(client, held):
    amina, key, body = await register(client), str(uuid.uuid4()), {"phone": number("+25571")}
    first = asyncio.create_task(post(client, amina, body, key))
    await held.reached_by(first)
    async with client.app[PLATFORM].core.connection() as conn:  # as if its server had died long ago
        await conn.execute("UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = $1", key)
    held.entered.clear()
    retry = asyncio.create_task(post(client, amina, body, key))
    await held.reached_by(retry)
    assert held.calls == 2
    held.release()
    answers = {(await first)[0], (await retry)[0]}
    assert answers == {200, 201}  # the domain's own rule (one method per number) still holds
    status, replayed, headers = await post(client, amina, body, key)
    assert headers["Idempotent-Replayed"] == "true" and replayed["id"] == (await listing(client, amina))[0]["id"]
    assert await added(client, amina) == 1


async def test_every_idempotent_route_documents_the_header_and_its_refusals(client):
    idempotent = [spec for routes in all_routes() for spec in routes.specs if spec.idempotent]
    assert [(spec.method, spec.path) for spec in idempotent] == [
        ("POST", METHODS), ("POST", "/api/payments/payouts"), ("POST", "/api/payments"), ("POST", "/api/checkout"),
        ("POST", "/api/events/{event_id}/checkout")]
    document = client.app[OPENAPI]()
    for spec in idempotent:
        operation = document["paths"][openapi_path(spec.path)][spec.method.lower()]
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is True
        assert header["schema"]["maxLength"] == 255
        assert {"400", "409", "422"} <= set(operation["responses"])
        assert {409, 422} <= implied_errors(spec)  # by its being idempotent, whatever else it declares
        assert "Idempotent-Replayed" in operation["responses"][str(spec.status)]["headers"]
