"""Password reset: ask by login, answered the same whether or not the account exists.

An account with an email address gets a link by email: signed, expiring, single use. One
with only a phone number gets a 6-digit code by SMS (see ``nexgate/codes.py``: 10 minutes, 5 attempts,
single use). Either stops working once the password changes, and a reset signs the account
out everywhere.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import asyncpg

from ... import bus, codes
from ...domain.notifications.email import request_email
from ...errors import Invalid, RateLimited
from ...platform import Platform
from . import accounts, passwords, repository, sessions, tokens
from .events import PASSWORD_RESET, PASSWORD_RESET_REQUESTED
from .repository import Account

RESET_PURPOSE = "password_reset"
RESET_LINK_TTL_S = 30 * 60
RESET_CODE_TEXT = (
    "Your Nexgate password reset code is {code}. It expires in {minutes} minutes. "
    "Didn't ask for it? Ignore this message."
)


async def forgot_password(platform: Platform, login: str) -> None:
    async with platform.core.transaction("auth.forgot_password") as conn:
        account = await accounts.find_by_login(conn, login, platform.config.phone_region)
        if account is None or account.status != "active" or not (account.email or account.phone):
            return
        changed_at = (await repository.password_changed_at(conn, account.id)).timestamp()
        if account.email:
            await _send_reset_link(platform, conn, account, changed_at)
        else:
            try:
                await codes.text(platform, conn, RESET_PURPOSE, account.id, account.phone, RESET_CODE_TEXT,
                                 {"pwc": changed_at})
            except RateLimited:
                return  # the number had its share of codes lately; answered the same all the same
        await bus.emit(conn, PASSWORD_RESET_REQUESTED, {"user_id": str(account.id),
                                                        "channel": "email" if account.email else "sms"})


async def _send_reset_link(platform: Platform, conn: asyncpg.Connection, account: Account, changed_at: float) -> None:
    token = await tokens.issue_link_token(platform.keyring, RESET_PURPOSE, account.id, RESET_LINK_TTL_S, pwc=changed_at)
    await request_email(conn, to=account.email, template="password_reset", context={
        "display_name": account.display_name, "username": account.username, "minutes": RESET_LINK_TTL_S // 60,
        "link": f"{platform.config.web_url}/reset-password?{urlencode({'token': token})}",
    })


async def reset_password(platform: Platform, token: str, new_password: str) -> None:
    """Set the new password with an emailed link's token and sign the account out everywhere."""
    claims = await tokens.read_link_token(platform.keyring, RESET_PURPOSE, token)

    async def spend(conn: asyncpg.Connection) -> None:
        if not await repository.use_link_token(conn, uuid.UUID(claims["jti"]), RESET_PURPOSE):
            raise Invalid("This link was already used", code="token_used")

    await _reset(
        platform, uuid.UUID(claims["sub"]), new_password, issued_at_pwc=float(claims.get("pwc", 0)), spend=spend,
        stale=lambda: Invalid("This link is no longer valid: the password has changed since", code="token_invalid"),
    )


async def reset_password_with_code(platform: Platform, login: str, code: str, new_password: str) -> None:
    """Set the new password with a texted code and sign the account out everywhere.

    Every refusal reads the same (``code_invalid``), whether the login names no account, no
    code was sent, it expired, it was tried too often or it is wrong, so that it says nothing
    about who has an account.
    """
    async with platform.core.connection() as conn:
        account = await accounts.find_by_login(conn, login, platform.config.phone_region)
    if account is None:
        raise _code_refused()
    try:
        match = await codes.check(platform, RESET_PURPOSE, account.id, code)
    except codes.CodeRefused:
        raise _code_refused() from None

    async def spend(conn: asyncpg.Connection) -> None:
        if not await codes.spend(platform, match):
            raise _code_refused()

    await _reset(
        platform, account.id, new_password, issued_at_pwc=float(match.data["pwc"]), spend=spend, stale=_code_refused,
    )


def _code_refused() -> Invalid:
    return Invalid("This code is wrong or no longer valid; ask for a new one", code="code_invalid")


async def _reset(
    platform: Platform, user_id: uuid.UUID, new_password: str, *, issued_at_pwc: float,
    spend: Callable[[asyncpg.Connection], Awaitable[None]], stale: Callable[[], Invalid],
) -> None:
    """The one way a reset sets a password, whatever proved it: a link or a code issued when
    the password last changed at ``issued_at_pwc`` (else ``stale()`` is raised), which
    ``spend`` uses up (or raises) in the transaction that sets the password."""
    async with platform.core.connection() as conn:
        account = await repository.user_by_id(conn, user_id)
    if account is None:
        raise stale()
    password_hash = await passwords.hash_new_password(
        platform, new_password,
        personal=[account.username, account.display_name, account.email or "", account.phone or ""],
    )
    async with platform.core.transaction("auth.reset_password") as conn:
        changed_at = await repository.password_changed_at(conn, user_id)
        if changed_at is None or abs(changed_at.timestamp() - issued_at_pwc) > 1e-3:
            raise stale()
        await spend(conn)
        await repository.set_password(conn, user_id, password_hash)
        await sessions.revoke_all_for_user(platform, conn, user_id, "password reset")
        await bus.emit(conn, PASSWORD_RESET, {"user_id": str(user_id),
                                              "at": datetime.datetime.now(datetime.UTC).isoformat()})
