"""Failed logins: counted per account and per IP, with a lockout that doubles each time.

After ``login_failures_before_lockout`` failures on an account (``login_failures_per_ip`` from
an IP) within 15 minutes (the ``auth.login_failures.*`` limits of limits.py) it is locked out
for ``login_lockout_s``; every further lockout within a day doubles it (capped at a day). Each
lockout emits ``auth.lockout.started`` for the notification and trust areas.
"""
from __future__ import annotations

import math
import time

from ... import bus, limits
from ...errors import RateLimited
from ...platform import Platform
from .events import LOCKOUT_STARTED

STRIKES_MEMORY_S = 86_400
MAX_LOCKOUT_S = 86_400


def _limit(subject: str) -> limits.NamedLimit:
    return limits.LOGIN_FAILURES_IP if subject.startswith("ip:") else limits.LOGIN_FAILURES_ACCOUNT


def ip_subject(ip: str | None) -> str:
    return f"ip:{ip or 'unknown'}"


def account_subject(user_id: object) -> str:
    return f"account:{user_id}"


def login_subject(login: str) -> str:
    """For a login that names no account: failures still count against what was typed."""
    return f"login:{login.strip().lower()}"


def _keys(platform: Platform, subject: str) -> tuple[str, str, str]:
    key = platform.redis.key
    return key("auth", "failures", subject), key("auth", "lockout", subject), key("auth", "strikes", subject)


async def check(platform: Platform, subjects: list[str]) -> None:
    """Raise ``RateLimited`` if any subject (``account:<id>``, ``ip:<addr>``) is locked out."""
    async with platform.redis.client.pipeline(transaction=False) as pipe:
        for subject in subjects:
            pipe.pttl(_keys(platform, subject)[1])
        waits = await pipe.execute()
    wait_ms, subject = max(((w, s) for w, s in zip(waits, subjects) if w and w > 0), default=(0, ""))
    if wait_ms:
        seconds = math.ceil(wait_ms / 1000)
        limit = _limit(subject)
        raise RateLimited(
            f"Too many failed logins; try again in {seconds} s", code=limit.code, retry_after=seconds,
            details={"limit": limit.name, "retry_after": seconds},
        )


async def record_failure(platform: Platform, subjects: list[str], context: dict) -> None:
    """Count a failure against each subject; lock out (and report) those past the limit."""
    config = platform.config
    for subject in subjects:
        failures, lockout, strikes = _keys(platform, subject)
        async with platform.redis.client.pipeline(transaction=True) as pipe:
            pipe.incr(failures)
            pipe.expire(failures, _limit(subject).window_s, nx=True)
            count, _ = await pipe.execute()
        if count < _limit(subject).budget(config).count:
            continue
        async with platform.redis.client.pipeline(transaction=True) as pipe:
            pipe.incr(strikes)
            pipe.expire(strikes, STRIKES_MEMORY_S)
            pipe.delete(failures)
            strike, _, _ = await pipe.execute()
        seconds = min(MAX_LOCKOUT_S, config.login_lockout_s * 2 ** (strike - 1))
        await platform.redis.client.set(lockout, int(time.time()), ex=seconds)
        async with platform.core.transaction("auth.login_failure") as conn:
            await bus.emit(conn, LOCKOUT_STARTED, {**context, "subject": subject, "failures": count,
                                                   "lockout_seconds": seconds, "strike": strike})


async def clear_account(platform: Platform, user_id: object) -> None:
    """A login completed: the account's count starts again (an IP's does not)."""
    failures, _, strikes = _keys(platform, account_subject(user_id))
    await platform.redis.client.delete(failures, strikes)
