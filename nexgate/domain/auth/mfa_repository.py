"""The SQL of two-step login (``sql/auth/mfa.sql``); it runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid

from ...sql import queries

_sql = queries("auth")


@dataclasses.dataclass(frozen=True)
class TotpFactor:
    secret: str
    enabled_at: datetime.datetime | None
    last_used_step: int | None

    @property
    def enabled(self) -> bool:
        return self.enabled_at is not None


async def totp_factor(conn, user_id: uuid.UUID) -> TotpFactor | None:
    row = await _sql.mfa_totp(conn, user_id=user_id)
    return TotpFactor(**dict(row)) if row else None


async def put_pending_totp(conn, user_id: uuid.UUID, secret: str) -> bool:
    """Store a pending secret; False if the user has TOTP enabled."""
    return bool(await _sql.mfa_put_pending_totp(conn, user_id=user_id, secret=secret))


async def enable_totp(conn, user_id: uuid.UUID, secret: str, step: int) -> bool:
    """Enable the pending ``secret``, its code of ``step`` counting as used; False if it is no longer pending."""
    return bool(await _sql.mfa_enable_totp(conn, user_id=user_id, secret=secret, step=step))


async def use_totp_step(conn, user_id: uuid.UUID, step: int) -> bool:
    """Record ``step`` as the last accepted one; False if it is not later than the last."""
    return bool(await _sql.mfa_use_totp_step(conn, user_id=user_id, step=step))


async def delete_totp(conn, user_id: uuid.UUID) -> bool:
    return bool(await _sql.mfa_delete_totp(conn, user_id=user_id))


async def replace_recovery_codes(conn, user_id: uuid.UUID, code_hashes: list[bytes]) -> None:
    await _sql.mfa_delete_recovery_codes(conn, user_id=user_id)
    await _sql.mfa_insert_recovery_codes(conn, user_id=user_id, code_hashes=code_hashes)


async def use_recovery_code(conn, user_id: uuid.UUID, code_hash: bytes) -> tuple[bool, bool]:
    """Spend a recovery code: (spent now, the user has or had such a code)."""
    row = await _sql.mfa_use_recovery_code(conn, user_id=user_id, code_hash=code_hash)
    return row["spent"], row["known"]


async def recovery_codes_left(conn, user_id: uuid.UUID) -> int:
    return await _sql.mfa_recovery_codes_left(conn, user_id=user_id)


async def delete_recovery_codes(conn, user_id: uuid.UUID) -> None:
    await _sql.mfa_delete_recovery_codes(conn, user_id=user_id)
