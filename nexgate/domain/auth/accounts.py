"""Registration, login and the caller's own account."""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from ...platform import Platform
from . import identifiers, lockout, mfa, passwords, repository, sessions, verification
from .caller import Caller
from .events import USER_REGISTERED
from .repository import Account
from .sessions import DeviceInfo, TokenGrant

_UNIQUE_FIELDS = {"users_username_key": "username", "users_email_key": "email", "users_phone_key": "phone"}
_TAKEN = {"username": "This username is taken.", "email": "An account already uses this email address.",
          "phone": "An account already uses this phone number."}


async def register(
    platform: Platform, *, username: str, display_name: str, password: str, email: str | None, phone: str | None,
    device: DeviceInfo,
) -> TokenGrant:
    """Create an account, send its verifications and open its first session."""
    if not email and not phone:
        required = "An email address or a phone number is required."
        raise Invalid.fields("body", {"email": required, "phone": required},
                             message="Give an email address or a phone number")
    username = identifiers.username(username)
    email = identifiers.email(email) if email else None
    phone = identifiers.phone(phone, platform.config.phone_region) if phone else None
    password_hash = await passwords.hash_new_password(
        platform, password,
        personal=[username, display_name, email or "", (email or "").split("@")[0], phone or ""],
    )
    async with platform.core.transaction("auth.register") as conn:
        account = await _insert_account(conn, username, display_name.strip(), email, phone, password_hash)
        await bus.emit(conn, USER_REGISTERED, {"user_id": str(account.id), "username": account.username,
                                               "email": email, "phone": phone, "method": "password"})
        await verification.send_all(platform, conn, account)
        grant = await sessions.start_session(platform, conn, account, device)
    return grant


async def _insert_account(conn: asyncpg.Connection, username, display_name, email, phone, password_hash) -> Account:
    try:
        async with conn.transaction():
            return await repository.insert_user(
                conn, id=uuid.uuid4(), username=username, display_name=display_name, email=email, phone=phone,
                password_hash=password_hash,
            )
    except asyncpg.UniqueViolationError as error:
        field = _UNIQUE_FIELDS.get(error.constraint_name, "username")
        raise Conflict.fields("body", {field: _TAKEN[field]}, message=f"That {field} is already registered",
                              code=f"{field}_taken") from None


async def find_by_login(conn: asyncpg.Connection, login: str, region: str) -> Account | None:
    kind = identifiers.login_kind(login)
    if kind == "email":
        return await repository.user_by_email(conn, login.strip())
    if kind == "phone":
        try:
            return await repository.user_by_phone(conn, identifiers.phone(login, region))
        except Invalid:
            return None
    return await repository.user_by_username(conn, login.strip())


async def check_password(platform: Platform, login: str, password: str, ip: str | None) -> Account:
    """The account a login and password name, counting failures and enforcing lockouts.

    A right password does not clear the account's failures: the caller does once the login
    is complete, so that with a second factor a known password cannot reset the count of
    wrong codes.
    """
    subjects = [lockout.ip_subject(ip), lockout.login_subject(login)]
    await lockout.check(platform, subjects)
    async with platform.core.connection() as conn:
        account = await find_by_login(conn, login, platform.config.phone_region)
    if account is not None:
        subjects[1] = lockout.account_subject(account.id)
        await lockout.check(platform, subjects[1:])
    matches, upgraded = await passwords.verify_password(platform, account.password_hash if account else None, password)
    if not matches:
        await lockout.record_failure(platform, subjects, {
            "user_id": str(account.id) if account else None, "ip": ip, "stage": "password"})
        raise Unauthorized("Wrong login or password", code="invalid_credentials")
    if account.status != "active":
        raise Forbidden("This account is suspended", code="account_suspended")
    if upgraded:
        async with platform.core.connection() as conn:
            await repository.upgrade_password_hash(conn, account.id, account.password_hash, upgraded)
    return account


async def login(
    platform: Platform, *, login: str, password: str, device: DeviceInfo, refresh_token_cookie: bool = False
) -> TokenGrant | mfa.MfaChallenge:
    """Tokens for a correct password, or, with two-step login on, a challenge that a code completes
    (``mfa.complete_login``), which remembers the device and ``refresh_token_cookie``."""
    account = await check_password(platform, login, password, device.ip)
    if await mfa.is_enabled(platform, account.id):
        return await mfa.start_challenge(platform, account, device, refresh_token_cookie=refresh_token_cookie)
    await lockout.clear_account(platform, account.id)
    async with platform.core.transaction("auth.login") as conn:
        return await sessions.start_session(platform, conn, account, device)


async def get_account(platform: Platform, caller: Caller) -> Account:
    async with platform.core.connection() as conn:
        account = await repository.user_by_id(conn, caller.user_id)
    if account is None:
        raise NotFound("Your account no longer exists")
    return account


def account_view(account: Account) -> dict[str, Any]:
    """The owner's own view: the only one that includes email and phone."""
    return {
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "email": account.email,
        "email_verified": account.email_verified_at is not None,
        "phone": account.phone,
        "phone_verified": account.phone_verified_at is not None,
        "roles": list(account.roles),
        "has_password": account.password_hash is not None,
        "created_at": account.created_at,
    }
