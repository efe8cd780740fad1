"""The verified badge: applications, grants and revocations; trust scores."""
from __future__ import annotations

from ..routing import Routes

routes = Routes("verification")
