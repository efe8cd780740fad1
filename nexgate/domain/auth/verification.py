"""Proving an email address (a signed, expiring, single-use link) and a phone number (a
6-digit code by SMS, see ``nexgate/codes.py``), both sent through the bus."""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

import asyncpg

from ... import bus, codes
from ...domain.notifications.email import request_email
from ...errors import Conflict, Invalid, RateLimited
from ...platform import Platform
from . import repository, tokens
from .caller import Caller
from .events import EMAIL_VERIFIED, PHONE_VERIFIED
from .repository import Account

EMAIL_PURPOSE = "email_verification"
EMAIL_LINK_TTL_S = 48 * 3600
PHONE_PURPOSE = "phone_verification"
PHONE_CODE_TEXT = "Your Nexgate code is {code}. It expires in {minutes} minutes."


async def send_all(platform: Platform, conn: asyncpg.Connection, account: Account) -> None:
    """Everything a new account must prove, requested in the registration's transaction."""
    if account.email:
        await send_email_link(platform, conn, account)
    if account.phone:
        try:
            await send_phone_code(platform, conn, account)
        except RateLimited:
            pass  # the number had its share of codes lately; the user can ask again later


async def send_email_link(platform: Platform, conn: asyncpg.Connection, account: Account) -> None:
    token = await tokens.issue_link_token(
        platform.keyring, EMAIL_PURPOSE, account.id, EMAIL_LINK_TTL_S, email=account.email
    )
    link = f"{platform.config.public_url}/api/auth/verify-email?{urlencode({'token': token})}"
    await request_email(conn, to=account.email, template="verify_email", context={
        "display_name": account.display_name, "username": account.username, "email": account.email,
        "link": link, "hours": EMAIL_LINK_TTL_S // 3600,
    })


async def resend_email_link(platform: Platform, caller: Caller) -> None:
    async with platform.core.transaction("auth.email_link_resend") as conn:
        account = await repository.user_by_id(conn, caller.user_id)
        if not account.email:
            raise Invalid("Your account has no email address", code="no_email")
        if account.email_verified_at:
            raise Conflict("Your email address is already verified", code="already_verified")
        await send_email_link(platform, conn, account)


async def verify_email(platform: Platform, token: str) -> Account:
    claims = await tokens.read_link_token(platform.keyring, EMAIL_PURPOSE, token)
    user_id = uuid.UUID(claims["sub"])
    async with platform.core.transaction("auth.email_verify") as conn:
        if not await repository.use_link_token(conn, uuid.UUID(claims["jti"]), EMAIL_PURPOSE):
            raise Invalid("This link was already used", code="token_used")
        if not await repository.mark_email_verified(conn, user_id, claims.get("email", "")):
            raise Invalid("This link is for an email address your account no longer has", code="token_invalid")
        await bus.emit(conn, EMAIL_VERIFIED, {"user_id": str(user_id), "email": claims["email"]})
        return await repository.user_by_id(conn, user_id)


async def send_phone_code(platform: Platform, conn: asyncpg.Connection, account: Account) -> None:
    """Text a new code to the account's phone (``RateLimited`` if it had too many lately)."""
    await codes.text(platform, conn, PHONE_PURPOSE, account.id, account.phone, PHONE_CODE_TEXT, {"phone": account.phone})


async def resend_phone_code(platform: Platform, caller: Caller) -> None:
    async with platform.core.transaction("auth.phone_code_resend") as conn:
        account = await _phone_to_verify(conn, caller)
        await send_phone_code(platform, conn, account)


async def verify_phone(platform: Platform, caller: Caller, code: str) -> Account:
    """Mark the phone verified with the code texted to it; the code works once."""
    async with platform.core.connection() as conn:
        account = await _phone_to_verify(conn, caller)
    try:
        match = await codes.check(platform, PHONE_PURPOSE, account.id, code)
    except codes.CodeRefused as refused:
        raise codes.refusal(refused.reason, refused.attempts_left) from None
    async with platform.core.transaction("auth.phone_verify") as conn:
        if not await repository.mark_phone_verified(conn, account.id, match.data["phone"]):
            raise Invalid("This code was sent to a phone number your account no longer has", code="code_expired")
        if not await codes.spend(platform, match):
            raise codes.refusal("expired")
        await bus.emit(conn, PHONE_VERIFIED, {"user_id": str(account.id), "phone": match.data["phone"]})
        return await repository.user_by_id(conn, account.id)


async def _phone_to_verify(conn: asyncpg.Connection, caller: Caller) -> Account:
    account = await repository.user_by_id(conn, caller.user_id)
    if not account.phone:
        raise Invalid("Your account has no phone number", code="no_phone")
    if account.phone_verified_at:
        raise Conflict("Your phone number is already verified", code="already_verified")
    return account
