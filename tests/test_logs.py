"""No log line holds a secret, whichever logger writes it: a database error's failing row,
a token or a password hash in a message, a traceback or an extra field is scrubbed."""
from __future__ import annotations

import logging

import asyncpg
import orjson
import pytest

from nexgate import logs

ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$Zm9yZ2VkaGFzaGZvcmdlZGhhc2hmb3JnZWQ"
REFRESH_TOKEN = "q3Xv9_TmZc2LpW8eRk1YbN4sHd7uJf0aGi6oKx5yBwE"
ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSIsImV4cCI6MX0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
SECRETS = ("$argon2id$v=19$m=65536", "c29tZXNhbHRzb21lc2FsdA", "Zm9yZ2VkaG", REFRESH_TOKEN, ACCESS_TOKEN)


async def _refused_row(config) -> asyncpg.PostgresError:
    """What registration's failing check raised: an asyncpg error whose DETAIL is the whole row."""
    conn = await asyncpg.connect(config.database_url)
    try:
        await conn.execute("CREATE TEMP TABLE accounts (name text CHECK (length(btrim(name)) > 0),"
                           " password_hash text, refresh_token text)")
        with pytest.raises(asyncpg.CheckViolationError) as refused:
            await conn.execute("INSERT INTO accounts VALUES ($1, $2, $3)", "   ", ARGON2, REFRESH_TOKEN)
        return refused.value
    finally:
        await conn.close()


async def test_a_logged_database_error_keeps_no_secret_of_its_row(config, capsys):
    error = await _refused_row(config)
    assert "c29tZXNhbHRzb21lc2FsdA$Zm9yZ2VkaG" in str(error)  # the row: salt, a hash's first characters
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for as_json in (True, False):
            logs.configure("INFO", as_json=as_json)  # as ``serve`` does: every logger goes through it
            try:
                raise error
            except asyncpg.PostgresError:
                logging.getLogger("any.logger").exception(
                    "registration failed for token %s", ACCESS_TOKEN, extra={"sent": f"Bearer {ACCESS_TOKEN}"})
            logging.getLogger("another").warning("refresh_token=%s password_hash=%s", REFRESH_TOKEN, ARGON2)
            written = capsys.readouterr().err
            assert "accounts_name_check" in written and "Failing row contains (<redacted>)" in written
            assert "registration failed for token <redacted>" in written
            assert not [secret for secret in SECRETS if secret in written], written
            if as_json:
                lines = [orjson.loads(line) for line in written.splitlines()]
                assert lines[0]["sent"] == "Bearer <redacted>" and "<redacted>" in lines[0]["exc"]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


@pytest.mark.parametrize("kept", [
    "GET /api/users/0b7e7c2a-6d1e-4b8e-9d55-5f0cbb2f8a11 200",
    "request 0b7e7c2a6d1e4b8e9d555f0cbb2f8a11 answered 401 invalid_credentials",
    'Key (username)=(amina_2) already exists.',
    'Key (id)=(0b7e7c2a-6d1e-4b8e-9d55-5f0cbb2f8a11) is not present in table "users".',
])
def test_what_is_not_secret_is_kept(kept):
    assert logs.scrub(kept) == kept


async def test_an_access_line_names_the_request_and_keeps_no_secret_of_its_path(client, capsys):
    """``serve``'s JSON access line, written without a LogRecord, is the one the formatter writes."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("INFO", as_json=True)
        answered = await client.get(f"/api/users/{ACCESS_TOKEN}", headers={"X-Request-ID": "line-1"})
        listed = await client.get("/health/live")
        root.handlers[0].flush()  # info lines are written together, within 50 ms
        written = capsys.readouterr().err
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    lines = [orjson.loads(line) for line in written.splitlines()]
    access = [line for line in lines if line["logger"] == "nexgate.access"]
    assert [line["request_id"] for line in access] == ["line-1", listed.headers["X-Request-ID"]]
    first, second = access
    assert answered.status == 404 and ACCESS_TOKEN not in written
    assert first["path"] == "/api/users/<redacted>" and first["msg"] == "GET /api/users/<redacted> 404"
    assert first["route"] == "/api/users/{user_id}" and first["status"] == 404 and first["method"] == "GET"
    assert first["level"] == "info" and first["remote"] == "127.0.0.1" and first["duration_ms"] >= 0
    assert first["ts"].endswith("Z") and len(first["ts"]) == len("2026-12-01T09:40:00.123Z")
    assert second["path"] == "/health/live" and second["status"] == 200
