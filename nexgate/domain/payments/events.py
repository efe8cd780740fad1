"""The payments area's events (docs/bus.md, "Event catalogue")."""
from __future__ import annotations

from ...bus.catalogue import STRING, UUID, declare, event, nullable

METHOD_ADDED = "payments.method.added"
METHOD_VERIFIED = "payments.method.verified"
METHOD_REMOVED = "payments.method.removed"

EVENTS = declare("payments", [
    event(METHOD_ADDED, "a user added a payment method", method_id=UUID, user_id=UUID, kind=STRING,
          operator=nullable(STRING), currency=STRING),
    event(METHOD_VERIFIED, "a payment method was proved to be the user's", method_id=UUID, user_id=UUID,
          verified_by=STRING),
    event(METHOD_REMOVED, "a user removed a payment method", method_id=UUID, user_id=UUID,
          promoted_method_id=nullable(UUID)),
])
