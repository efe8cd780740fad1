"""The commerce area's events (docs/bus.md, "Event catalogue"; docs/commerce.md)."""
from __future__ import annotations

from ...bus.catalogue import STRING, UUID, declare, event, list_of, nullable

SHOP_CREATED = "commerce.shop.created"
SHOP_UPDATED = "commerce.shop.updated"
SHOP_STATE_CHANGED = "commerce.shop_state.changed"
STAFF_ADDED = "commerce.staff.added"
STAFF_REMOVED = "commerce.staff.removed"
# Told live to the shop's staff (workers/commerce_live.py).
SHOP_LIVE = (SHOP_UPDATED, SHOP_STATE_CHANGED, STAFF_ADDED, STAFF_REMOVED)

EVENTS = declare("commerce", [
    event(SHOP_CREATED, "a user opened a shop", shop_id=UUID, owner_id=UUID, handle=STRING),
    event(SHOP_UPDATED, "a shop's owner or manager edited it", shop_id=UUID, handle=STRING, fields=list_of(STRING),
          actor_id=UUID),
    event(SHOP_STATE_CHANGED, "a shop was opened, closed, suspended or reinstated", shop_id=UUID, handle=STRING,
          previous_state=STRING, state=STRING, reason=nullable(STRING), actor_id=UUID),
    event(STAFF_ADDED, "a shop's owner made a user a manager", shop_id=UUID, user_id=UUID, role=STRING,
          actor_id=UUID),
    event(STAFF_REMOVED, "a manager left a shop's staff or its owner removed them", shop_id=UUID, user_id=UUID,
          role=STRING, actor_id=UUID),
])
