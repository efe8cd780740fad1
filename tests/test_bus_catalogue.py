"""The event catalogue: the bus refuses an event no area declared and a payload that differs
from its declaration, and a declaration must follow <area>.<thing>.<verb>."""
from __future__ import annotations

import uuid

import pytest

from nexgate import bus
from nexgate.bus.catalogue import INTEGER, UUID, PayloadMismatch, UndeclaredEvent, declare, event
from nexgate.domain.users.events import FOLLOW_CREATED
from nexgate.keys import PLATFORM

FOLLOW = {"follower_id": str(uuid.uuid4()), "followee_id": str(uuid.uuid4())}


async def _outbox_rows(client, routing_key: str) -> int:
    async with client.app[PLATFORM].core.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE routing_key = $1", routing_key)


async def test_emit_refuses_an_undeclared_event_and_writes_nothing(client):
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        with pytest.raises(UndeclaredEvent, match="'users.follow.liked' is not declared"):
            await bus.emit(conn, "users.follow.liked", FOLLOW)
    assert await _outbox_rows(client, "users.follow.liked") == 0


@pytest.mark.parametrize(
    "payload, reason",
    [
        ({"follower_id": FOLLOW["follower_id"]}, "missing followee_id"),
        ({**FOLLOW, "extra": 1}, "undeclared extra"),
        ({**FOLLOW, "followee_id": 7}, "followee_id is int, declared uuid"),
        ({**FOLLOW, "followee_id": None}, "followee_id is NoneType, declared uuid"),
    ],
)
async def test_emit_refuses_a_payload_that_differs_from_the_declaration(client, payload, reason):
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        with pytest.raises(PayloadMismatch, match=reason):
            await bus.emit(conn, FOLLOW_CREATED, payload)


async def test_emit_writes_a_declared_event_with_its_payload(client):
    async with client.app[PLATFORM].core.transaction("tests.setup") as conn:
        event_id = await bus.emit(conn, FOLLOW_CREATED, FOLLOW)
        assert await conn.fetchval("SELECT payload FROM outbox WHERE id = $1", event_id) == FOLLOW


def test_pending_checks_as_emit_does_but_for_the_fields_its_statement_adds():
    payload = {"message_id": str(uuid.uuid4()), "conversation_id": str(uuid.uuid4()), "sender_id": str(uuid.uuid4()),
               "type": "text", "preview": "Habari", "product_id": None, "product_name": None, "recipient_ids": [str(uuid.uuid4())]}
    assert bus.pending("messages.message.created", payload, added_later=frozenset({"seq"})) == (
        "messages.message.created", payload)
    with pytest.raises(PayloadMismatch, match="missing seq"):
        bus.pending("messages.message.created", payload)
    with pytest.raises(UndeclaredEvent):
        bus.pending("messages.typing", {})


def test_an_integer_field_refuses_a_boolean(scratch_catalogue):
    [declared] = declare("test", [event(f"test.t{uuid.uuid4().hex[:8]}.counted", "a test event",
                                        n=INTEGER)]).values()
    declared.check({"n": 3})
    with pytest.raises(PayloadMismatch, match="n is bool, declared integer"):
        declared.check({"n": True})


@pytest.mark.parametrize(
    "area, name, reason",
    [
        ("messages", "messages.typing", "is not messages.<thing>.<verb>"),
        ("users", "presence.changed", "is not users.<thing>.<verb>"),
        ("media", "media.media.deleted", "is not media.<thing>.<verb>"),
        ("auth", "auth.login.suspicious", "'suspicious' is not a verb in the past tense"),
        ("auth", "auth.mfa.recovery_code_used", "is not auth.<thing>.<verb>"),
        ("users", "users.follow.created", "is declared twice"),
    ],
)
def test_a_declaration_must_be_area_thing_verb_in_the_past_tense_and_new(scratch_catalogue, area, name, reason):
    with pytest.raises(ValueError, match=reason):
        declare(area, [event(name, "a bad name", user_id=UUID)])
