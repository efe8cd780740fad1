"""Who is calling: resolved from an access token by ``sessions.authenticate``."""
from __future__ import annotations

import dataclasses
import uuid

from ...errors import Forbidden

ROLES = ("user", "moderator", "admin")


@dataclasses.dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    username: str
    roles: tuple[str, ...]
    session_id: uuid.UUID
    device_id: uuid.UUID
    expires_at: float = dataclasses.field(default=0.0, compare=False)  # the access token's expiry (epoch s)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


def require_role(caller: Caller, *roles: str) -> None:
    """Raise ``Forbidden`` unless the caller holds one of ``roles``."""
    if not caller.has_role(*roles):
        raise Forbidden(f"This needs the {' or '.join(roles)} role", code="role_required", details={"roles": list(roles)})
