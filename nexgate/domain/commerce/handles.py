"""Shop handles: what a ``$handle`` may be (docs/commerce.md, "Handles").

A handle is 3 to 30 letters (a-z, A-Z), digits and underscores, kept as typed and unique in any
letter case (the unique index on ``lower(handle)``, migration 0023). Reserved are the names
that would pass for the platform, its staff or its routes: the reserved usernames, and the
words of the commerce routes.
"""
from __future__ import annotations

import re

from ...errors import Invalid
from ..auth.identifiers import RESERVED_USERNAMES

HANDLE = re.compile(r"^[A-Za-z0-9_]{3,30}$")
HANDLE_RULE = "3 to 30 letters (a-z, A-Z), digits and underscores"
# A $handle in text: a "$" not inside a word, then a handle (the social area's mention parser reads these).
MENTION = re.compile(r"(?<![A-Za-z0-9_$])\$([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")
RESERVED_HANDLES = RESERVED_USERNAMES | frozenset(
    """nexgate_shop nexgateshop nexgate_store official_shop addresses address mine new edit create delete
    staff managers manager owner owners state suspend suspended reinstate admin_shop marketplace market sellers
    seller buyers buyer categories category reviews review wishlist saved deals offers group_buy groupbuy
    buy_together installments installment mpesa m_pesa selcom tembo tembopay""".split()
)


def problem(raw: str) -> str | None:
    """Why ``raw`` cannot be a handle, or None."""
    if not HANDLE.match(raw):
        return f"Use {HANDLE_RULE}."
    if raw.lower() in RESERVED_HANDLES:
        return "This handle is reserved."
    return None


def handle(raw: str, field: str = "handle") -> str:
    """The handle as typed, or 422 naming ``field``."""
    reason = problem(raw)
    if reason is not None:
        raise Invalid.fields("body", {field: reason}, code="shop_handle_reserved" if reason.endswith("reserved.")
                             else None)
    return raw


def from_ref(ref: str) -> str | None:
    """The handle a path segment names (``$duka`` or ``duka``), or None if it cannot be one."""
    name = ref[1:] if ref.startswith("$") else ref
    return name if HANDLE.match(name) else None


def mentioned(text: str) -> list[str]:
    """The handles ``$mentioned`` in a text, lower-cased, each once, in order."""
    return list(dict.fromkeys(match.lower() for match in MENTION.findall(text)))
