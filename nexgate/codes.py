"""Six-digit codes sent by SMS, for proving a phone number: the account's own (auth's phone
verification), a password reset, a payment method's number (payments). Any area issues,
checks and spends them here, and tells a refusal with ``refusal``.

A code lives in Redis under ``code:<purpose>:<subject id>`` for ``CODE_TTL_S`` (the subject
is what the code proves something about: a user, a payment method): its salted SHA-256, the
attempts made so far and what it is about (the number it was sent to, ...). Sending a new code replaces the previous one. Every check counts an attempt before
comparing (in constant time), so after ``MAX_ATTEMPTS`` the code stops working, even when
right, until a new one is sent. A right code is spent with ``spend``, which deletes it only
if it is still that same code: of two requests racing with it, one wins. One number gets
at most ``NEXGATE_SMS_CODES_PER_HOUR`` codes an hour (the ``auth.sms_code`` limit), so nobody
can make the platform flood a phone (or its SMS bill).

The hash keeps codes from being read off a Redis dump at a glance; with a million possible
codes, what really protects them is their short life and the attempt limit.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

import orjson

import asyncpg

from . import limits
from .domain.notifications.sms import request_sms
from .errors import Invalid
from .platform import Platform

CODE_DIGITS = 6
CODE_TTL_S = 600
MAX_ATTEMPTS = 5
_REFUSALS = {
    "expired": ("code_expired", "This code has expired or was already used; ask for a new one"),
    "invalid": ("code_invalid", "This code is not right"),
    "exhausted": ("code_attempts_exceeded", "This code was tried too many times; ask for a new one"),
}

# Count the attempt and return what the code is, in one step (nil if there is no live code).
_CHECK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local fields = redis.call('HMGET', KEYS[1], 'salt', 'digest', 'data')
return {attempts, fields[1], fields[2], fields[3]}
"""
# Delete the code only if it is still the one that was checked (not a newer one).
_SPEND = """
if redis.call('HGET', KEYS[1], 'digest') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class CodeRefused(Exception):
    """``expired`` (no live code: none sent, expired, spent or replaced), ``invalid`` (wrong)
    or ``exhausted`` (tried ``MAX_ATTEMPTS`` times already)."""

    def __init__(self, reason: str, attempts_left: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.attempts_left = attempts_left


@dataclasses.dataclass(frozen=True)
class CodeMatch:
    """A right code, not spent yet, and what it was issued with."""

    key: str
    digest: bytes
    data: dict[str, Any]


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def minutes() -> int:
    """How long a code lives, for the SMS text."""
    return max(1, CODE_TTL_S // 60)


def _digest(salt: bytes, code: str) -> bytes:
    return hashlib.sha256(salt + code.encode()).hexdigest().encode()


def _key(platform: Platform, purpose: str, subject_id: uuid.UUID) -> str:
    return platform.redis.key("code", purpose, str(subject_id))


async def issue(platform: Platform, purpose: str, subject_id: uuid.UUID, number: str, data: dict[str, Any]) -> str:
    """A new code for ``subject_id``, to send to ``number``, replacing any earlier one.

    Raises ``RateLimited`` if ``number`` was sent too many codes lately.
    """
    await limits.enforce(platform, limits.SMS_CODES, number)
    code, salt = new_code(), secrets.token_bytes(16)
    key = _key(platform, purpose, subject_id)
    async with platform.redis.client.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping={"salt": salt.hex(), "digest": _digest(salt, code), "attempts": 0,
                                "data": orjson.dumps(data)})
        pipe.expire(key, CODE_TTL_S)
        await pipe.execute()
    return code


async def text(platform: Platform, conn: asyncpg.Connection, purpose: str, subject_id: uuid.UUID, number: str,
               message: str, data: dict[str, Any]) -> None:
    """Issue a code and queue the SMS that carries it in ``conn``'s transaction: ``message`` with
    ``{code}`` and ``{minutes}`` filled in. ``RateLimited`` if ``number`` had too many lately."""
    code = await issue(platform, purpose, subject_id, number, data)
    await request_sms(conn, to=number, text=message.format(code=code, minutes=minutes()), kind=purpose)


async def check(platform: Platform, purpose: str, subject_id: uuid.UUID, code: str) -> CodeMatch:
    """The live code of ``subject_id`` if ``code`` is it (counting the attempt); ``CodeRefused`` otherwise."""
    key = _key(platform, purpose, subject_id)
    found = await platform.redis.client.register_script(_CHECK)(keys=[key])
    if not found:
        raise CodeRefused("expired")
    attempts, salt, digest, data = found
    if int(attempts) > MAX_ATTEMPTS:
        raise CodeRefused("exhausted")
    typed = re.sub(r"[\s-]", "", code)
    if not hmac.compare_digest(_digest(bytes.fromhex(salt.decode()), typed), digest):
        raise CodeRefused("invalid", attempts_left=MAX_ATTEMPTS - int(attempts))
    return CodeMatch(key=key, digest=digest, data=orjson.loads(data))


async def spend(platform: Platform, match: CodeMatch) -> bool:
    """Use up a checked code; False if it was spent (or replaced) in the meantime."""
    return bool(await platform.redis.client.register_script(_SPEND)(keys=[match.key], args=[match.digest]))


def refusal(reason: str, attempts_left: int = 0) -> Invalid:
    """The 422 a client is told for a ``CodeRefused`` reason: ``code_expired``, ``code_invalid``
    (with ``details.attempts_left``) or ``code_attempts_exceeded``."""
    error_code, message = _REFUSALS[reason]
    details = {"attempts_left": attempts_left} if reason == "invalid" else {}
    return Invalid(message, code=error_code, details=details)
