"""Password reset: ask by login, answered the same whether or not the account exists; the
emailed link is signed, expires, works once, and stops working once the password changes."""
from __future__ import annotations

import datetime
import uuid
from urllib.parse import urlencode

from ... import bus
from ...domain.notifications.email import request_email
from ...errors import Invalid
from ...platform import Platform
from . import accounts, passwords, repository, sessions, tokens

RESET_PURPOSE = "password_reset"
RESET_LINK_TTL_S = 30 * 60
PASSWORD_RESET = "auth.password.reset"
PASSWORD_RESET_REQUESTED = "auth.password.reset_requested"


async def forgot_password(platform: Platform, login: str) -> None:
    async with platform.core.transaction() as conn:
        account = await accounts.find_by_login(conn, login, platform.config.phone_region)
        if account is None or account.status != "active" or not account.email:
            return
        changed_at = await repository.password_changed_at(conn, account.id)
        token = await tokens.issue_link_token(
            platform.keyring, RESET_PURPOSE, account.id, RESET_LINK_TTL_S, pwc=changed_at.timestamp()
        )
        await request_email(conn, to=account.email, template="password_reset", context={
            "display_name": account.display_name, "username": account.username, "minutes": RESET_LINK_TTL_S // 60,
            "link": f"{platform.config.web_url}/reset-password?{urlencode({'token': token})}",
        })
        await bus.emit(conn, PASSWORD_RESET_REQUESTED, {"user_id": str(account.id), "channel": "email"})


async def reset_password(platform: Platform, token: str, new_password: str) -> None:
    """Set the new password and sign the account out everywhere."""
    claims = await tokens.read_link_token(platform.keyring, RESET_PURPOSE, token)
    user_id = uuid.UUID(claims["sub"])
    async with platform.core.connection() as conn:
        account = await repository.user_by_id(conn, user_id)
    password_hash = await passwords.hash_new_password(
        platform.cpu_pool, passwords.HashParameters.from_config(platform.config), new_password,
        personal=[account.username, account.display_name, account.email or "", account.phone or ""],
    )
    async with platform.core.transaction() as conn:
        changed_at = await repository.password_changed_at(conn, user_id)
        if changed_at is None or abs(changed_at.timestamp() - float(claims.get("pwc", 0))) > 1e-3:
            raise Invalid("This link is no longer valid: the password has changed since", code="token_invalid")
        if not await repository.use_link_token(conn, uuid.UUID(claims["jti"]), RESET_PURPOSE):
            raise Invalid("This link was already used", code="token_used")
        await repository.set_password(conn, user_id, password_hash)
        await sessions.revoke_all_for_user(platform, conn, user_id, "password reset")
        await bus.emit(conn, PASSWORD_RESET, {"user_id": str(user_id),
                                              "at": datetime.datetime.now(datetime.UTC).isoformat()})
