"""Follows, follow requests and the followers/following lists."""
from __future__ import annotations

from ..routing import Routes

routes = Routes("users")
