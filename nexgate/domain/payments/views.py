"""Payments' objects as clients see them: one view function per object, whose dict the REST
answer carries (its schema in handlers/payments/schemas.py documents it and dumps it unchanged)."""
from __future__ import annotations

from typing import Any

from ...config import Config
from .methods import provider_of
from .methods_repository import Method
from .operators import OPERATORS


def method_view(method: Method, config: Config) -> dict[str, Any]:
    """A payment method; a card shows its brand and last four digits, never the provider's token."""
    operator = OPERATORS.get(method.operator) if method.operator else None
    return {
        "id": method.id,
        "kind": method.kind,
        "phone": method.phone,
        "operator": method.operator,
        "channel": operator.channel if operator else None,
        "provider": provider_of(config, method),
        "country": method.country,
        "currency": method.currency,
        "card": None if method.kind != "card" else {"brand": method.card_brand, "last4": method.card_last4},
        "label": method.label,
        "is_default": method.is_default,
        "verified": method.verified_at is not None,
        "verified_at": method.verified_at,
        "verified_by": method.verified_by,
        "created_at": method.created_at,
    }
