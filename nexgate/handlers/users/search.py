"""User search and suggested users."""
from __future__ import annotations

from ..routing import Routes

routes = Routes("search")
