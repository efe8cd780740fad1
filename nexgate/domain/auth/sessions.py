"""Devices, sessions and refresh tokens; resolving an access token to its caller.

The durable state is in PostgreSQL; Redis keeps each session's live copy
(``auth:session:<id>``: state, last-seen time and IP), which every authenticated request
reads, so that revoking a session stops its access tokens at once rather than when they
expire. If Redis lost a session's key, the database answers and the key is rebuilt.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import time
import uuid
from typing import Any

import asyncpg

from ... import bus, limits, ratelimit
from ...errors import NotFound, Unauthorized
from ...platform import Platform
from . import repository, tokens
from .caller import Caller
from .events import DEVICE_ADDED, REFRESH_TOKEN_REUSED, SESSION_REVOKED
from .repository import Account

LAST_SEEN_RESOLUTION_S = 60

# The session's live copy, and a hit on the caller's limit counted in the same round trip if
# the session is live (KEYS[2] and ARGV, a ratelimit.Hit, when a limit is counted).
_READ_LIVE = ratelimit.HIT_FUNCTION + """
local live = redis.call('HMGET', KEYS[1], 'state', 'last_seen')
local wait = 0
if live[1] == 'active' and KEYS[2] then
  wait = hit(KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
end
return {live[1], live[2], wait}
"""


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    """What the client says about itself, plus its User-Agent and IP as the server saw them."""

    client_device_id: str | None
    platform: str
    name: str
    user_agent: str
    ip: str | None

    @property
    def fingerprint(self) -> str:
        raw = "\x1f".join((self.client_device_id or "", self.platform, self.user_agent))
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class TokenGrant:
    account: Account
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: uuid.UUID
    device_id: uuid.UUID
    new_account: bool = False


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _live_key(platform: Platform, session_id: uuid.UUID) -> str:
    return platform.redis.key("auth", "session", str(session_id))


def _live_ttl(platform: Platform) -> int:
    # Long enough to spare the database, short enough that a lost revocation heals itself.
    return 2 * platform.config.access_token_ttl_s


async def _publish_live(platform: Platform, session_id: uuid.UUID, fields: dict[str, Any]) -> None:
    key = _live_key(platform, session_id)
    async with platform.redis.client.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping={k: str(v) for k, v in fields.items()})
        pipe.expire(key, _live_ttl(platform))
        await pipe.execute()


async def _mark_revoked(platform: Platform, session_ids: list[uuid.UUID]) -> None:
    for session_id in session_ids:
        await _publish_live(platform, session_id, {"state": "revoked"})
    await platform.realtime.sessions_revoked(session_ids)


async def _grant(platform: Platform, conn: asyncpg.Connection, account: Account, session_id, device_id, ip) -> TokenGrant:
    """A new refresh token for the session, and an access token for it."""
    config = platform.config
    refresh_token = tokens.new_opaque_token()
    expires_at = _now() + datetime.timedelta(seconds=config.refresh_token_ttl_s)
    await repository.insert_refresh_token(
        conn, token_hash=tokens.digest(refresh_token), session_id=session_id, expires_at=expires_at
    )
    await repository.extend_session(conn, session_id, ip, expires_at)
    caller = Caller(account.id, account.username, account.roles, session_id, device_id)
    access_token = await tokens.issue_access_token(platform.keyring, caller, config.access_token_ttl_s)
    return TokenGrant(account, access_token, refresh_token, config.access_token_ttl_s, session_id, device_id)


async def start_session(platform: Platform, conn: asyncpg.Connection, account: Account, device: DeviceInfo) -> TokenGrant:
    """Open a session for ``account`` on ``device`` inside the caller's transaction.

    The live copy is written before commit; a transaction that then rolls back leaves a
    Redis key for a session id nobody holds a token for, which expires on its own.
    """
    row = await repository.upsert_device(
        conn, user_id=account.id, fingerprint=device.fingerprint, client_device_id=device.client_device_id,
        platform=device.platform, name=device.name, user_agent=device.user_agent, ip=device.ip,
    )
    session_id = uuid.uuid4()
    await repository.insert_session(
        conn, id=session_id, user_id=account.id, device_id=row["id"], ip=device.ip,
        expires_at=_now() + datetime.timedelta(seconds=platform.config.refresh_token_ttl_s),
    )
    if row["is_new"]:
        await bus.emit(conn, DEVICE_ADDED, {
            "user_id": str(account.id), "device_id": str(row["id"]), "platform": device.platform,
            "name": device.name, "ip": device.ip, "user_agent": device.user_agent, "first_device": row["first_device"],
        })
    grant = await _grant(platform, conn, account, session_id, row["id"], device.ip)
    await _publish_live(platform, session_id, {
        "state": "active", "user_id": account.id, "device_id": row["id"], "ip": device.ip or "",
        "last_seen": int(time.time()),
    })
    return grant


async def refresh(platform: Platform, refresh_token: str, ip: str | None) -> TokenGrant:
    """Trade a refresh token for a new pair. A token already used revokes its whole session."""
    token_hash = tokens.digest(refresh_token)
    async with platform.core.transaction("auth.refresh") as conn:
        session_id = await repository.use_refresh_token(conn, token_hash)
        if session_id is not None:
            session = await repository.lock_live_session(conn, session_id)
            account = await repository.user_by_id(conn, session["user_id"]) if session else None
            if session is not None and account.status == "active":
                grant = await _grant(platform, conn, account, session_id, session["device_id"], ip)
                await repository.touch_device(conn, session["device_id"], ip)
                return grant
        known = None if session_id else await repository.refresh_token(conn, token_hash)
        revoked = []
        if known is not None and known["used_at"] is not None:
            revoked = await repository.revoke_session(conn, known["session_id"], "refresh token reused")
            if revoked:
                await bus.emit(conn, REFRESH_TOKEN_REUSED, {"session_id": str(known["session_id"]), "ip": ip})
    await _mark_revoked(platform, revoked)
    if known is not None and known["used_at"] is not None:
        raise Unauthorized(
            "This refresh token was already used; the session is revoked, log in again", code="refresh_token_reused"
        )
    raise Unauthorized("The refresh token is not valid or has expired; log in again", code="refresh_token_invalid")


async def authenticate(
    platform: Platform, access_token: str, ip: str | None, *, counted: limits.NamedLimit | None = None
) -> Caller:
    """The caller of a request: a valid access token whose session is still live.

    ``counted``, a per-user limit (every REST request's ``api.requests``), gets one hit of the
    caller's, counted in the same Redis round trip as the session is read and only for a live
    session; one that does not fit raises ``RateLimited``."""
    caller = await tokens.read_access_token(platform.keyring, access_token)
    key = _live_key(platform, caller.session_id)
    hit = platform.limiter.hit(counted.budget(platform.config), str(caller.user_id)) if counted else None
    state, last_seen, wait_ms = await platform.redis.script(_READ_LIVE)(
        keys=[key] if hit is None else [key, hit.key], args=[] if hit is None else hit.args
    )
    if state is None:
        state = await _reload_live(platform, caller.session_id)
        last_seen = wait_ms = None
    if state != b"active":
        raise Unauthorized("This session has been signed out; log in again", code="session_revoked")
    if last_seen is None or int(last_seen) < time.time() - LAST_SEEN_RESOLUTION_S:
        await _publish_live(platform, caller.session_id, {"last_seen": int(time.time()), "ip": ip or ""})
    if counted is not None and wait_ms is None:  # reloaded: the hit is still to count
        await limits.enforce(platform, counted, str(caller.user_id))
    elif counted is not None and ratelimit.wait_seconds(wait_ms):
        raise limits.refused(platform, counted, ratelimit.wait_seconds(wait_ms))
    return caller


async def _reload_live(platform: Platform, session_id: uuid.UUID) -> bytes:
    async with platform.core.connection() as conn:
        row = await repository.session_state(conn, session_id)
    active = row is not None and row["revoked_at"] is None and row["expires_at"] > _now()
    fields: dict[str, Any] = {"state": "active" if active else "revoked"}
    if row is not None:
        fields |= {"user_id": row["user_id"], "device_id": row["device_id"]}
    await _publish_live(platform, session_id, fields)
    return fields["state"].encode()


async def live_sessions(platform: Platform, session_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sessions are still signed in (for other areas: push goes only to the
    devices of live sessions), from their live copies, the database where one is missing."""
    if not session_ids:
        return set()
    async with platform.redis.client.pipeline(transaction=False) as pipe:
        for session_id in session_ids:
            pipe.hget(_live_key(platform, session_id), "state")
        states = await pipe.execute()
    live = set()
    for session_id, state in zip(session_ids, states):
        if state is None:
            state = await _reload_live(platform, session_id)
        if state == b"active":
            live.add(session_id)
    return live


async def revoke_sessions(platform: Platform, conn: asyncpg.Connection, session_ids: list[uuid.UUID], reason: str) -> None:
    """Emit the revocations made in ``conn`` and stop their access tokens at once."""
    for session_id in session_ids:
        await bus.emit(conn, SESSION_REVOKED, {"session_id": str(session_id), "reason": reason})
    await _mark_revoked(platform, session_ids)


async def logout(platform: Platform, caller: Caller) -> None:
    async with platform.core.transaction("auth.logout") as conn:
        await revoke_sessions(platform, conn, await repository.revoke_session(conn, caller.session_id, "logout"), "logout")


async def logout_everywhere(platform: Platform, caller: Caller) -> int:
    async with platform.core.transaction("auth.logout_everywhere") as conn:
        revoked = await repository.revoke_user_sessions(conn, caller.user_id, "logout of all devices")
        await revoke_sessions(platform, conn, revoked, "logout of all devices")
    return len(revoked)


async def list_devices(platform: Platform, caller: Caller) -> list[dict[str, Any]]:
    """The caller's devices with their sessions' live last-seen time and IP."""
    async with platform.core.connection() as conn:
        devices = await repository.devices_of_user(conn, caller.user_id)
    session_ids = [sid for device in devices for sid in device["session_ids"]]
    async with platform.redis.client.pipeline(transaction=False) as pipe:
        for session_id in session_ids:
            pipe.hmget(_live_key(platform, session_id), "last_seen", "ip")
        live = dict(zip(session_ids, await pipe.execute()))
    return [_device_view(device, live, caller) for device in devices]


def _device_view(device: asyncpg.Record, live: dict, caller: Caller) -> dict[str, Any]:
    last_seen, last_ip = device["last_seen_at"], device["last_ip"]
    for session_id in device["session_ids"]:
        seen, ip = live.get(session_id, (None, None))
        if seen is not None and int(seen) > last_seen.timestamp():
            last_seen = datetime.datetime.fromtimestamp(int(seen), datetime.UTC)
            last_ip = ip.decode() or last_ip
    return {
        "id": device["id"], "platform": device["platform"], "name": device["name"],
        "user_agent": device["user_agent"], "first_seen_at": device["first_seen_at"], "last_seen_at": last_seen,
        "last_ip": last_ip, "active_sessions": len(device["session_ids"]), "current": device["id"] == caller.device_id,
    }


async def remove_device(platform: Platform, caller: Caller, device_id: uuid.UUID) -> None:
    """Forget a device of the caller's and revoke every session on it."""
    async with platform.core.transaction("auth.remove_device") as conn:
        if not await repository.remove_device(conn, device_id, caller.user_id):
            raise NotFound("You have no such device", details={"device_id": str(device_id)})
        revoked = await repository.revoke_device_sessions(conn, device_id, "device removed")
        await revoke_sessions(platform, conn, revoked, "device removed")


async def revoke_all_for_user(platform: Platform, conn: asyncpg.Connection, user_id: uuid.UUID, reason: str) -> None:
    """For other flows (password reset, suspension): every session of the user, in ``conn``."""
    await revoke_sessions(platform, conn, await repository.revoke_user_sessions(conn, user_id, reason), reason)
