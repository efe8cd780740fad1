"""Blocks and mutes."""
from __future__ import annotations

from ..routing import Routes

routes = Routes("blocks")
