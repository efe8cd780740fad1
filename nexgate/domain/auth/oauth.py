"""Signing in with Google, Apple and Facebook.

The provider's client (``providers/oauth.py``) proves an identity: the provider's stable user
id (``subject``) and an email address, verified or not. Which account it opens, in order:

1. An identity already linked opens its account, whatever the addresses say now.
2. An address the provider verified, which an account also verified, links the identity to
   that account (``auth.oauth.linked``) and opens it: both sides proved the same mailbox.
3. An address some account holds in any other case is refused with 409 ``account_exists``
   and nothing changes. If the provider did not verify the address, anyone could claim it
   there. If the account never verified it, it may be a squatter's: registering under a
   victim's address and waiting for the victim to "sign in with Google" into it would leave
   the squatter's password on the account the victim then uses (pre-account takeover). The
   owner logs in with the password (or resets it) and verifies the address; then step 2 works.
4. Otherwise a new account: no password, the address verified if the provider verified it
   (else the usual verification link goes out), a username made from the address or the
   name, and ``auth.user.registered`` with method ``oauth:<provider>``.

A suspended account is refused (403 ``account_suspended``) however it was found. The users
table needs an email or a phone, so a new account needs the provider to share an address.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import unicodedata
import uuid

import asyncpg

from ... import bus
from ...errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized, Unavailable
from ...platform import Platform
from ...providers import oauth as providers
from . import identifiers, mfa, repository, sessions, verification
from .events import OAUTH_LINKED, USER_REGISTERED
from .repository import Account
from .sessions import DeviceInfo, TokenGrant

log = logging.getLogger(__name__)

PROVIDERS = providers.PROVIDERS
APPLE_RELAY_DOMAIN = "privaterelay.appleid.com"  # "Hide my email" addresses: random local parts
_BASE_LENGTH = 23  # leaves room for "_" and a six-digit suffix within 30 characters
_SIGN_IN_ATTEMPTS = 3


class _Raced(Exception):
    """A concurrent sign-in or registration took the identity or the address first."""


def title(provider: str) -> str:
    return providers.TITLES.get(provider, provider)


def check_enabled(platform: Platform, provider: str) -> None:
    if provider not in PROVIDERS:
        raise NotFound(f"There is no sign-in with {provider!r}; use one of {', '.join(PROVIDERS)}",
                       code="oauth_provider_unknown", details={"provider": provider})
    if not providers.enabled(platform.config, provider):
        raise NotFound(f"Sign-in with {title(provider)} is not enabled on this server",
                       code="oauth_provider_disabled", details={"provider": provider})


async def sign_in(
    platform: Platform, provider: str, *, token: str, nonce: str | None = None, display_name: str | None = None,
    device: DeviceInfo, refresh_token_cookie: bool = False,
) -> TokenGrant | mfa.MfaChallenge:
    """Open a session for the account the provider's token names, creating it if need be.

    ``token`` is the ID token (Google, Apple) or the access token (Facebook). The grant's
    ``new_account`` says whether the account was created. The provider stands in for the
    password only: an account with two-step login on gets a challenge, as a password login does.
    """
    check_enabled(platform, provider)
    identity = await _verify(platform, provider, token, nonce)
    for _ in range(_SIGN_IN_ATTEMPTS):
        try:
            async with platform.core.transaction("auth.oauth_sign_in") as conn:
                account, created = await _account_for(platform, conn, identity, display_name)
                if account.status != "active":
                    raise Forbidden("This account is suspended", code="account_suspended")
                needs_code = not created and await mfa.is_enabled(platform, account.id)
                grant = None if needs_code else await sessions.start_session(platform, conn, account, device)
            if grant is None:
                return await mfa.start_challenge(platform, account, device, refresh_token_cookie=refresh_token_cookie)
            return dataclasses.replace(grant, new_account=created)
        except _Raced:
            continue
    raise Conflict("Another sign-in to this account is under way; try again", code="oauth_busy")


async def _verify(platform: Platform, provider: str, token: str, nonce: str | None) -> providers.Identity:
    client = providers.client(platform.config, platform.redis, provider)
    try:
        if isinstance(client, providers.FacebookClient):
            return await client.verify(token)
        return await client.verify(token, nonce)
    except providers.InvalidToken as error:
        raise Unauthorized(f"{title(provider)} sign-in failed: {error.message}", code="oauth_token_invalid",
                           details={"provider": provider, "reason": error.reason}) from None
    except providers.ProviderUnavailable as error:
        log.warning("%s sign-in could not be checked: %s", provider, error)
        raise Unavailable(f"{title(provider)} could not be reached to check the sign-in; try again shortly",
                          code="oauth_provider_unavailable", details={"provider": provider}) from None


def _address(raw: str | None) -> str | None:
    """The provider's address as accounts store it, or None if it is not one."""
    if not raw:
        return None
    try:
        return identifiers.email(raw)
    except Invalid:
        return None


async def _account_for(
    platform: Platform, conn: asyncpg.Connection, identity: providers.Identity, display_name: str | None,
) -> tuple[Account, bool]:
    """(account, created) per the rules in this module's docstring."""
    email = _address(identity.email)
    verified = identity.email_verified and email is not None
    user_id = await repository.use_oauth_identity(conn, provider=identity.provider, subject=identity.subject, email=email)
    if user_id is not None:
        return await repository.user_by_id(conn, user_id), False
    existing = await repository.user_by_email(conn, email) if email else None
    if existing is not None:
        _check_may_link(identity, existing, verified)
        if existing.status != "active":
            raise Forbidden("This account is suspended", code="account_suspended")
        await _link(conn, identity, existing.id, email)
        await bus.emit(conn, OAUTH_LINKED, {"user_id": str(existing.id), "provider": identity.provider, "email": email})
        return existing, False
    if email is None:
        raise Invalid(
            f"{title(identity.provider)} did not share an email address; allow it, or register with a phone number",
            code="email_required", details={"provider": identity.provider},
        )
    return await _create(platform, conn, identity, email, verified, display_name), True


def _check_may_link(identity: providers.Identity, account: Account, verified: bool) -> None:
    provider = title(identity.provider)
    details = {"provider": identity.provider, "email": account.email}
    if not verified:
        raise Conflict(
            f"An account already uses this email address and {provider} has not verified that it is yours; "
            "log in with your password instead", code="account_exists", details=details,
        )
    if account.email_verified_at is None:
        raise Conflict(
            "An account already uses this email address but has not verified it; log in with its password, "
            f"verify the address, then sign in with {provider}", code="account_exists", details=details,
        )


async def _link(conn: asyncpg.Connection, identity: providers.Identity, user_id: uuid.UUID, email: str | None) -> None:
    if not await repository.insert_oauth_identity(
        conn, provider=identity.provider, subject=identity.subject, user_id=user_id, email=email,
    ):
        raise _Raced()


async def _create(
    platform: Platform, conn: asyncpg.Connection, identity: providers.Identity, email: str, verified: bool,
    display_name: str | None,
) -> Account:
    name = " ".join((display_name or identity.name or "").split())[:60]
    for username in await _usernames(conn, identity, email, name):
        try:
            async with conn.transaction():
                account = await repository.insert_oauth_user(
                    conn, id=uuid.uuid4(), username=username, display_name=name or username, email=email,
                    email_verified=verified,
                )
            break
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name != "users_username_key":
                raise _Raced() from None  # the address was registered meanwhile: decide again
    else:
        raise _Raced()
    await _link(conn, identity, account.id, email)
    await bus.emit(conn, USER_REGISTERED, {
        "user_id": str(account.id), "username": account.username, "email": email, "phone": None,
        "method": f"oauth:{identity.provider}",
    })
    if not verified:
        await verification.send_email_link(platform, conn, account)
    return account


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]+", "_", ascii_text.lower())).strip("_")[:_BASE_LENGTH].strip("_")


def _username_base(identity: providers.Identity, email: str, name: str) -> str:
    """From the address's local part (before any +tag), else the name; never a reserved one."""
    local = email.rsplit("@", 1)[0].split("+", 1)[0]
    sources = [name, local] if email.lower().endswith("@" + APPLE_RELAY_DOMAIN) else [local, name]
    for source in sources:
        base = _slug(source)
        if identifiers.USERNAME.match(base) and base not in identifiers.RESERVED_USERNAMES:
            return base
    return "user"


async def _usernames(conn: asyncpg.Connection, identity: providers.Identity, email: str, name: str) -> list[str]:
    """Free usernames to try in order: base, base_2 ... base_9, then random suffixes."""
    base = _username_base(identity, email, name)
    candidates = [base] + [f"{base}_{n}" for n in range(2, 10)]
    taken = await repository.usernames_taken(conn, candidates)
    free = [candidate for candidate in candidates if candidate not in taken]
    free += [f"{base}_{100_000 + secrets.randbelow(900_000)}" for _ in range(3)]
    return [identifiers.username(candidate) for candidate in free]
