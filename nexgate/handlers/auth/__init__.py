"""The auth area's manifest: its REST routes (``/api/auth/*`` and the JWKS)."""
from ...area import Area
from ...domain.auth import notices
from . import accounts, devices, mfa, oauth, phone, recovery

AREA = Area(
    "auth",
    routes=(accounts.routes, devices.routes, mfa.routes, oauth.routes, phone.routes, recovery.routes),
    notification_types=notices.TYPES,
)
