"""Every area of the platform: the one list a new area joins (its manifest: ``nexgate/area.py``).

The app adds their routes, the gateway their commands and topic kinds, the workers their
consumer groups, the OpenAPI document and the tests read them from here.
"""
from __future__ import annotations

from .area import Area
from .handlers import auth, commerce, events, media, messages, notifications, payments, social, users

AREAS: tuple[Area, ...] = (auth.AREA, users.AREA, media.AREA, messages.AREA, notifications.AREA, payments.AREA,
                          commerce.AREA, events.AREA, social.AREA)
