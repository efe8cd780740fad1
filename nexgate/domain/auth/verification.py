"""Proving an email address: a signed, expiring, single-use link sent through the bus."""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

import asyncpg

from ... import bus
from ...domain.notifications.email import request_email
from ...errors import Conflict, Invalid
from ...platform import Platform
from . import repository, tokens
from .caller import Caller
from .repository import Account

EMAIL_PURPOSE = "email_verification"
EMAIL_LINK_TTL_S = 48 * 3600
EMAIL_VERIFIED = "auth.email.verified"


async def send_all(platform: Platform, conn: asyncpg.Connection, account: Account) -> None:
    """Everything a new account must prove, requested in the registration's transaction."""
    if account.email:
        await send_email_link(platform, conn, account)


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
    async with platform.core.transaction() as conn:
        account = await repository.user_by_id(conn, caller.user_id)
        if not account.email:
            raise Invalid("Your account has no email address", code="no_email")
        if account.email_verified_at:
            raise Conflict("Your email address is already verified", code="already_verified")
        await send_email_link(platform, conn, account)


async def verify_email(platform: Platform, token: str) -> Account:
    claims = await tokens.read_link_token(platform.keyring, EMAIL_PURPOSE, token)
    user_id = uuid.UUID(claims["sub"])
    async with platform.core.transaction() as conn:
        if not await repository.use_link_token(conn, uuid.UUID(claims["jti"]), EMAIL_PURPOSE):
            raise Invalid("This link was already used", code="token_used")
        if not await repository.mark_email_verified(conn, user_id, claims.get("email", "")):
            raise Invalid("This link is for an email address your account no longer has", code="token_invalid")
        await bus.emit(conn, EMAIL_VERIFIED, {"user_id": str(user_id), "email": claims["email"]})
        return await repository.user_by_id(conn, user_id)
