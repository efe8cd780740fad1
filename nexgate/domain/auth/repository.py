"""The auth area's SQL (``sql/auth/*.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import asyncpg

from ...sql import queries

_sql = queries("auth")


@dataclasses.dataclass(frozen=True)
class Account:
    id: uuid.UUID
    username: str
    display_name: str
    email: str | None
    email_verified_at: datetime.datetime | None
    phone: str | None
    phone_verified_at: datetime.datetime | None
    password_hash: str | None
    roles: tuple[str, ...]
    status: str
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Account | None:
        if row is None:
            return None
        return cls(**{**dict(row), "roles": tuple(row["roles"])})


# accounts

async def insert_user(conn, *, id, username, display_name, email, phone, password_hash) -> Account:
    return Account.from_row(
        await _sql.insert_user(
            conn, id=id, username=username, display_name=display_name, email=email, phone=phone,
            password_hash=password_hash,
        )
    )


async def user_by_id(conn, user_id: uuid.UUID) -> Account | None:
    return Account.from_row(await _sql.user_by_id(conn, id=user_id))


async def users_by_ids(conn, user_ids) -> dict[uuid.UUID, Account]:
    return {row["id"]: Account.from_row(row) async for row in _sql.users_by_ids(conn, ids=list(user_ids))}


async def user_by_username(conn, username: str) -> Account | None:
    return Account.from_row(await _sql.user_by_username(conn, username=username))


async def user_by_email(conn, email: str) -> Account | None:
    return Account.from_row(await _sql.user_by_email(conn, email=email))


async def user_by_phone(conn, phone: str) -> Account | None:
    return Account.from_row(await _sql.user_by_phone(conn, phone=phone))


async def set_password(conn, user_id: uuid.UUID, password_hash: str) -> None:
    await _sql.set_password(conn, id=user_id, password_hash=password_hash)


async def upgrade_password_hash(conn, user_id: uuid.UUID, old_hash: str, new_hash: str) -> None:
    await _sql.upgrade_password_hash(conn, id=user_id, old_hash=old_hash, new_hash=new_hash)


async def password_changed_at(conn, user_id: uuid.UUID) -> datetime.datetime | None:
    return await _sql.password_changed_at(conn, id=user_id)


async def mark_email_verified(conn, user_id: uuid.UUID, email: str) -> bool:
    return bool(await _sql.mark_email_verified(conn, id=user_id, email=email))


async def mark_phone_verified(conn, user_id: uuid.UUID, phone: str) -> bool:
    return bool(await _sql.mark_phone_verified(conn, id=user_id, phone=phone))


async def set_roles(conn, user_id: uuid.UUID, roles: list[str]) -> None:
    await _sql.set_roles(conn, id=user_id, roles=roles)


# signing keys and single-use link tokens

async def lock_signing_keys(conn) -> None:
    await _sql.lock_signing_keys(conn)


async def live_signing_keys(conn) -> list[asyncpg.Record]:
    return [row async for row in _sql.live_signing_keys(conn)]


async def all_signing_keys(conn) -> list[asyncpg.Record]:
    return [row async for row in _sql.all_signing_keys(conn)]


async def insert_signing_key(conn, kid: str, private_pem: str, public_jwk: dict[str, Any], *, algorithm: str) -> None:
    await _sql.insert_signing_key(conn, kid=kid, algorithm=algorithm, private_pem=private_pem, public_jwk=public_jwk)


async def retire_signing_key(conn, kid: str) -> bool:
    return bool(await _sql.retire_signing_key(conn, kid=kid))


async def use_link_token(conn, jti: uuid.UUID, purpose: str) -> bool:
    """Record a link token as used; False if it already was."""
    return bool(await _sql.use_link_token(conn, jti=jti, purpose=purpose))


# devices, sessions, refresh tokens

async def upsert_device(conn, *, user_id, fingerprint, client_device_id, platform, name, user_agent, ip) -> asyncpg.Record:
    return await _sql.upsert_device(
        conn, id=uuid.uuid4(), user_id=user_id, fingerprint=fingerprint, client_device_id=client_device_id,
        platform=platform, name=name, user_agent=user_agent, ip=ip,
    )


async def insert_session(conn, *, id, user_id, device_id, ip, expires_at) -> None:
    await _sql.insert_session(conn, id=id, user_id=user_id, device_id=device_id, ip=ip, expires_at=expires_at)


async def insert_refresh_token(conn, *, token_hash: bytes, session_id: uuid.UUID, expires_at) -> None:
    await _sql.insert_refresh_token(conn, token_hash=token_hash, session_id=session_id, expires_at=expires_at)


async def use_refresh_token(conn, token_hash: bytes) -> uuid.UUID | None:
    return await _sql.use_refresh_token(conn, token_hash=token_hash)


async def refresh_token(conn, token_hash: bytes) -> asyncpg.Record | None:
    return await _sql.refresh_token(conn, token_hash=token_hash)


async def lock_live_session(conn, session_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.lock_live_session(conn, id=session_id)


async def session_state(conn, session_id: uuid.UUID) -> asyncpg.Record | None:
    return await _sql.session_state(conn, id=session_id)


async def extend_session(conn, session_id: uuid.UUID, ip: str | None, expires_at) -> None:
    await _sql.extend_session(conn, id=session_id, ip=ip, expires_at=expires_at)


async def touch_device(conn, device_id: uuid.UUID, ip: str | None) -> None:
    await _sql.touch_device(conn, id=device_id, ip=ip)


async def revoke_session(conn, session_id: uuid.UUID, reason: str) -> list[uuid.UUID]:
    return [row["id"] async for row in _sql.revoke_session(conn, id=session_id, reason=reason)]


async def revoke_user_sessions(conn, user_id: uuid.UUID, reason: str) -> list[uuid.UUID]:
    return [row["id"] async for row in _sql.revoke_user_sessions(conn, user_id=user_id, reason=reason)]


async def remove_device(conn, device_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(await _sql.remove_device(conn, id=device_id, user_id=user_id))


async def revoke_device_sessions(conn, device_id: uuid.UUID, reason: str) -> list[uuid.UUID]:
    return [row["id"] async for row in _sql.revoke_device_sessions(conn, device_id=device_id, reason=reason)]


async def devices_of_user(conn, user_id: uuid.UUID) -> list[asyncpg.Record]:
    return [row async for row in _sql.devices_of_user(conn, user_id=user_id)]


# OAuth identities (sql/auth/oauth.sql)

async def use_oauth_identity(conn, *, provider: str, subject: str, email: str | None) -> uuid.UUID | None:
    """The user an identity is linked to (noting this sign-in), or None."""
    return await _sql.oauth_use_identity(conn, provider=provider, subject=subject, email=email)


async def insert_oauth_identity(conn, *, provider: str, subject: str, user_id: uuid.UUID, email: str | None) -> bool:
    """Link an identity; False if it is already linked (to anyone)."""
    return bool(await _sql.oauth_insert_identity(conn, provider=provider, subject=subject, user_id=user_id, email=email))


async def insert_oauth_user(conn, *, id, username, display_name, email, email_verified: bool) -> Account:
    """An account without a password; its email counts as verified if the provider verified it."""
    return Account.from_row(
        await _sql.oauth_insert_user(
            conn, id=id, username=username, display_name=display_name, email=email, email_verified=email_verified,
        )
    )


async def usernames_taken(conn, names: list[str]) -> set[str]:
    return {row["username"] async for row in _sql.oauth_usernames_taken(conn, names=[n.lower() for n in names])}
