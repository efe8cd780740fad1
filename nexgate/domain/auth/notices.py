"""The auth area's notification types (nexgate/domain/notifications/registry.py,
docs/notifications.md): the welcome, and what a user must hear about their account's
security: a password reset, a sign-in from a new device, a login lockout."""
from __future__ import annotations

from ..notifications.registry import notification_type
from .events import DEVICE_ADDED, LOCKOUT_STARTED, PASSWORD_RESET, USER_REGISTERED

WELCOME = notification_type(
    "welcome", sources=(USER_REGISTERED,), category="social", recipient="user_id", params=("username",),
    link="nexgate://discover",
    in_app={"en": "Welcome to Nexgate, @{username}! Find people to follow and shops to explore",
            "sw": "Karibu Nexgate, @{username}! Tafuta watu wa kufuata na maduka ya kutembelea"})

PASSWORD_WAS_RESET = notification_type(
    "password_reset", sources=(PASSWORD_RESET,), category="security", critical=True, recipient="user_id",
    link="nexgate://settings/security",
    in_app={"en": "Your password was changed and your other devices were signed out. If this wasn't you, "
                  "reset it now",
            "sw": "Nenosiri lako limebadilishwa na vifaa vyako vingine vimetolewa. Kama si wewe, libadilishe sasa"})

NEW_DEVICE_SIGN_IN = notification_type(
    "new_device_sign_in", sources=(DEVICE_ADDED,), when={"first_device": False}, category="security", critical=True,
    recipient="user_id", about=("device", "device_id"), params=("name", "platform"),
    link="nexgate://settings/devices",
    in_app={"en": "New sign-in to your account on {name} ({platform}). If this wasn't you, remove the device "
                  "and change your password",
            "sw": "Akaunti yako imefunguliwa kwenye kifaa kipya: {name} ({platform}). Kama si wewe, ondoa kifaa "
                  "hicho na ubadilishe nenosiri"})

SUSPICIOUS_LOGIN = notification_type(
    "suspicious_login", sources=(LOCKOUT_STARTED,), category="security", critical=True, recipient="user_id",
    params=("failures",), link="nexgate://settings/security",
    in_app={"en": "{failures} wrong passwords were tried on your account, so signing in is paused for a while. "
                  "If this wasn't you, change your password",
            "sw": "Nenosiri lisilo sahihi limejaribiwa mara {failures} kwenye akaunti yako, kwa hiyo kuingia "
                  "kumesimamishwa kwa muda. Kama si wewe, badilisha nenosiri lako"})

TYPES = (WELCOME, PASSWORD_WAS_RESET, NEW_DEVICE_SIGN_IN, SUSPICIOUS_LOGIN)
