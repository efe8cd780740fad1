"""Two-step login: an authenticator app (TOTP, RFC 6238) as the second factor, with
one-time recovery codes for when the phone is lost.

Enrolment makes a pending secret that counts only once the user proves their app has it.
With TOTP on, a correct password no longer logs in by itself: it opens a challenge in
Redis (``CHALLENGE_TTL_S``, at most ``CHALLENGE_MAX_FAILURES`` wrong codes) that a code
completes. Wrong codes count toward the login lockout like wrong passwords, and only a
completed login clears the account's failures, so typing the password again cannot reset
the count of guessed codes.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime
import io
import re
import secrets
import time
import uuid

import asyncpg
import orjson
import pyotp
import qrcode
from pyotp.exceptions import OTPVerificationError

from ... import bus, cpu
from ...errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from ...platform import Platform
from . import lockout, mfa_repository, passwords, repository, sessions, tokens
from .caller import Caller
from .events import MFA_DISABLED, MFA_ENABLED, RECOVERY_CODES_REGENERATED, RECOVERY_CODE_USED
from .mfa_repository import TotpFactor
from .repository import Account
from .sessions import DeviceInfo, TokenGrant

ISSUER = "Nexgate"
DRIFT_STEPS = 1
CHALLENGE_TTL_S = 300
CHALLENGE_MAX_FAILURES = 5
RECOVERY_CODE_COUNT = 10
METHODS = ("totp", "recovery_code")
TOTP_CODE = re.compile(r"[0-9]{6}")


# Count a wrong code only on a live challenge (an expired one must not come back without a
# TTL), and end the challenge at the limit.
_COUNT_FAILURE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return failures
"""

_REFUSALS = {
    "invalid": ("invalid_mfa_code", "This code is not right"),
    "used": ("mfa_code_used", "This code was already used; wait for your app to show the next one"),
}


@dataclasses.dataclass(frozen=True)
class Enrollment:
    secret: str
    provisioning_uri: str
    qr_code: str


@dataclasses.dataclass(frozen=True)
class MfaChallenge:
    """What a correct password earns when TOTP is on: the login goes on with a code."""

    challenge: str
    expires_in: int
    methods: tuple[str, ...] = METHODS


@dataclasses.dataclass(frozen=True)
class MfaLogin:
    grant: TokenGrant
    refresh_token_cookie: bool


@dataclasses.dataclass(frozen=True)
class MfaStatus:
    totp_enabled: bool
    enabled_at: datetime.datetime | None
    recovery_codes_left: int


class CodeRefused(Exception):
    """A wrong (``invalid``) or already spent (``used``) code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _now() -> float:
    return time.time()


# codes

def _normalized(code: str) -> str:
    """A code as typed, without the spaces and dashes apps and printouts put in it."""
    return re.sub(r"[\s-]", "", code).lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step within ±``DRIFT_STEPS`` of now whose code ``code`` is, if any."""
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=_now(), valid_window=DRIFT_STEPS)
    except OTPVerificationError:
        return None


def _recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits in 16 characters
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


async def _new_recovery_codes(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[str]:
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    await mfa_repository.replace_recovery_codes(conn, user_id, [tokens.digest(_normalized(c)) for c in codes])
    return codes


async def _spend_code(conn: asyncpg.Connection, user_id: uuid.UUID, factor: TotpFactor, code: str) -> str:
    """Spend a TOTP or recovery code of the user's: the method it was, or ``CodeRefused``."""
    code = _normalized(code)
    if TOTP_CODE.fullmatch(code):
        step = _matching_step(factor.secret, code)
        if step is None:
            raise CodeRefused("invalid")
        if not await mfa_repository.use_totp_step(conn, user_id, step):
            raise CodeRefused("used")
        return "totp"
    spent, known = await mfa_repository.use_recovery_code(conn, user_id, tokens.digest(code))
    if not spent:
        raise CodeRefused("used" if known else "invalid")
    return "recovery_code"


def _refusal(error: type[DomainError], refused: CodeRefused, **details) -> DomainError:
    code, message = _REFUSALS[refused.reason]
    return error.fields("body", {"code": f"{message}."}, message=message, code=code, **details)


def _subjects(user_id: uuid.UUID, ip: str | None) -> list[str]:
    return [lockout.ip_subject(ip), lockout.account_subject(user_id)]


async def _record_failure(platform: Platform, user_id: uuid.UUID, ip: str | None) -> None:
    await lockout.record_failure(platform, _subjects(user_id, ip), {"user_id": str(user_id), "ip": ip, "stage": "mfa"})


def qr_code_data_uri(text: str) -> str:
    """A PNG QR code of ``text`` as a ``data:`` URI (run in the process pool)."""
    buffer = io.BytesIO()
    qrcode.make(text, box_size=6, border=4).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# managing the factor

async def _account(conn: asyncpg.Connection, caller: Caller) -> Account:
    account = await repository.user_by_id(conn, caller.user_id)
    if account is None:
        raise NotFound("Your account no longer exists")
    return account


def _already_enabled() -> Conflict:
    return Conflict("Two-step login is already on; turn it off first to change apps", code="mfa_already_enabled")


async def _enabled_factor(conn: asyncpg.Connection, user_id: uuid.UUID) -> TotpFactor:
    factor = await mfa_repository.totp_factor(conn, user_id)
    if factor is None or not factor.enabled:
        raise Conflict("Two-step login is not on", code="mfa_not_enabled")
    return factor


async def status(platform: Platform, caller: Caller) -> MfaStatus:
    async with platform.core.connection() as conn:
        factor = await mfa_repository.totp_factor(conn, caller.user_id)
        left = await mfa_repository.recovery_codes_left(conn, caller.user_id)
    enabled = factor is not None and factor.enabled
    return MfaStatus(enabled, factor.enabled_at if enabled else None, left)


async def enroll(platform: Platform, caller: Caller) -> Enrollment:
    """A new pending secret for an authenticator app; it replaces one not yet confirmed."""
    secret = pyotp.random_base32()
    async with platform.core.transaction("auth.mfa_enroll") as conn:
        account = await _account(conn, caller)
        # The second factor guards the password; an account without one has nothing to add it to.
        if account.password_hash is None:
            raise Conflict("Set a password before turning on two-step login", code="password_required")
        if not await mfa_repository.put_pending_totp(conn, account.id, secret):
            raise _already_enabled()
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name=ISSUER)
    return Enrollment(secret, uri, await cpu.run(platform.cpu_pool, qr_code_data_uri, uri))


async def confirm(platform: Platform, caller: Caller, code: str) -> list[str]:
    """Turn TOTP on with a code from the app; the new recovery codes, shown this once."""
    async with platform.core.transaction("auth.mfa_confirm") as conn:
        factor = await mfa_repository.totp_factor(conn, caller.user_id)
        if factor is None:
            raise Conflict("There is no authenticator app to confirm; enrol first", code="mfa_not_enrolled")
        if factor.enabled:
            raise _already_enabled()
        step = _matching_step(factor.secret, _normalized(code))
        if step is None:
            raise _refusal(Forbidden, CodeRefused("invalid"))
        if not await mfa_repository.enable_totp(conn, caller.user_id, factor.secret, step):
            raise Conflict("The enrolment changed meanwhile; enrol again", code="mfa_enrollment_changed")
        codes = await _new_recovery_codes(conn, caller.user_id)
        await bus.emit(conn, MFA_ENABLED, {"user_id": str(caller.user_id), "method": "totp"})
    return codes


async def disable(platform: Platform, caller: Caller, *, password: str, code: str, ip: str | None) -> None:
    """Turn TOTP off and forget the recovery codes: needs the password and a code."""
    await lockout.check(platform, _subjects(caller.user_id, ip))
    async with platform.core.connection() as conn:
        account = await _account(conn, caller)
        factor = await _enabled_factor(conn, caller.user_id)
    if not (await passwords.verify_password(platform, account.password_hash, password))[0]:
        await _record_failure(platform, caller.user_id, ip)
        raise Forbidden.fields("body", {"password": "Wrong password."}, message="Wrong password", code="invalid_password")
    try:
        async with platform.core.transaction("auth.mfa_disable") as conn:
            method = await _spend_code(conn, caller.user_id, factor, code)
            await mfa_repository.delete_totp(conn, caller.user_id)
            await mfa_repository.delete_recovery_codes(conn, caller.user_id)
            await bus.emit(conn, MFA_DISABLED, {"user_id": str(caller.user_id), "method": "totp",
                                                "proved_with": method})
    except CodeRefused as refused:
        await _record_failure(platform, caller.user_id, ip)
        raise _refusal(Forbidden, refused) from None


async def regenerate_recovery_codes(platform: Platform, caller: Caller, *, code: str, ip: str | None) -> list[str]:
    """New recovery codes for a TOTP or recovery code; the old ones stop working."""
    await lockout.check(platform, _subjects(caller.user_id, ip))
    try:
        async with platform.core.transaction("auth.mfa_recovery_codes") as conn:
            factor = await _enabled_factor(conn, caller.user_id)
            await _spend_code(conn, caller.user_id, factor, code)
            codes = await _new_recovery_codes(conn, caller.user_id)
            await bus.emit(conn, RECOVERY_CODES_REGENERATED, {"user_id": str(caller.user_id)})
    except CodeRefused as refused:
        await _record_failure(platform, caller.user_id, ip)
        raise _refusal(Forbidden, refused) from None
    return codes


# logging in

def _challenge_key(platform: Platform, challenge: str) -> str:
    # Keyed by its hash, so that reading Redis does not hand out live challenges.
    return platform.redis.key("auth", "mfa_challenge", tokens.digest(challenge).hex())


def _challenge_invalid() -> Unauthorized:
    return Unauthorized("This login challenge has expired or is not valid; log in again",
                        code="mfa_challenge_invalid")


async def is_enabled(platform: Platform, user_id: uuid.UUID) -> bool:
    async with platform.core.connection() as conn:
        factor = await mfa_repository.totp_factor(conn, user_id)
    return factor is not None and factor.enabled


async def start_challenge(
    platform: Platform, account: Account, device: DeviceInfo, *, refresh_token_cookie: bool
) -> MfaChallenge:
    """A challenge for an account whose password (or other first factor) is proven."""
    challenge = tokens.new_opaque_token()
    login = {"user_id": str(account.id), "device": dataclasses.asdict(device),
             "refresh_token_cookie": refresh_token_cookie}
    key = _challenge_key(platform, challenge)
    async with platform.redis.client.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping={"login": orjson.dumps(login), "failures": 0})
        pipe.expire(key, CHALLENGE_TTL_S)
        await pipe.execute()
    return MfaChallenge(challenge, CHALLENGE_TTL_S)


async def _count_failure(platform: Platform, key: str) -> int:
    """The attempts the challenge has left after one more wrong code."""
    script = platform.redis.client.register_script(_COUNT_FAILURE)
    failures = int(await script(keys=[key], args=[CHALLENGE_MAX_FAILURES]))
    return 0 if failures < 0 else max(0, CHALLENGE_MAX_FAILURES - failures)


async def complete_login(platform: Platform, challenge: str, code: str, ip: str | None) -> MfaLogin:
    """Finish a login with a code: a session on the device the challenge was made for."""
    key = _challenge_key(platform, challenge)
    raw = await platform.redis.client.hget(key, "login")
    if raw is None:
        raise _challenge_invalid()
    login = orjson.loads(raw)
    user_id = uuid.UUID(login["user_id"])
    await lockout.check(platform, _subjects(user_id, ip))
    try:
        async with platform.core.transaction("auth.mfa_login") as conn:
            factor = await mfa_repository.totp_factor(conn, user_id)
            if factor is None or not factor.enabled:  # turned off since the password was checked
                raise _challenge_invalid()
            method = await _spend_code(conn, user_id, factor, code)
            account = await repository.user_by_id(conn, user_id)
            if account.status != "active":
                raise Forbidden("This account is suspended", code="account_suspended")
            if not await platform.redis.client.delete(key):  # another request completed it first
                raise _challenge_invalid()
            if method == "recovery_code":
                await bus.emit(conn, RECOVERY_CODE_USED, {
                    "user_id": str(user_id), "left": await mfa_repository.recovery_codes_left(conn, user_id)})
            device = DeviceInfo(**{**login["device"], "ip": ip})
            grant = await sessions.start_session(platform, conn, account, device)
    except CodeRefused as refused:
        attempts_left = await _count_failure(platform, key)
        await _record_failure(platform, user_id, ip)
        raise _refusal(Unauthorized, refused, attempts_left=attempts_left) from None
    await lockout.clear_account(platform, user_id)
    return MfaLogin(grant, login["refresh_token_cookie"])
