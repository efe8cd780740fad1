"""The auth area's REST routes (``/api/auth/*`` and the JWKS)."""
from . import accounts, devices, mfa, oauth, phone, recovery

ROUTES = (accounts.routes, devices.routes, mfa.routes, oauth.routes, phone.routes, recovery.routes)
