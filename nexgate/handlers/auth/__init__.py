"""The auth area's REST routes (``/api/auth/*`` and the JWKS)."""
from . import accounts, devices, recovery

ROUTES = (accounts.routes, devices.routes, recovery.routes)
