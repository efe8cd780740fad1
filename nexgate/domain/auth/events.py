"""The auth area's events (docs/bus.md, "Event catalogue")."""
from __future__ import annotations

from ...bus.catalogue import BOOLEAN, INTEGER, STRING, TIMESTAMP, UUID, declare, event, nullable

USER_REGISTERED = "auth.user.registered"
DEVICE_ADDED = "auth.device.added"
SESSION_REVOKED = "auth.session.revoked"
REFRESH_TOKEN_REUSED = "auth.refresh_token.reused"
LOCKOUT_STARTED = "auth.lockout.started"
EMAIL_VERIFIED = "auth.email.verified"
PHONE_VERIFIED = "auth.phone.verified"
PASSWORD_RESET_REQUESTED = "auth.password_reset.requested"
PASSWORD_RESET = "auth.password.reset"
MFA_ENABLED = "auth.mfa.enabled"
MFA_DISABLED = "auth.mfa.disabled"
RECOVERY_CODES_REGENERATED = "auth.recovery_codes.regenerated"
RECOVERY_CODE_USED = "auth.recovery_code.used"
OAUTH_LINKED = "auth.oauth.linked"

EVENTS = declare("auth", [
    event(USER_REGISTERED, "an account was created", user_id=UUID, username=STRING, email=nullable(STRING),
          phone=nullable(STRING), method=STRING),
    event(DEVICE_ADDED, "a login from a device never seen (or removed) before", user_id=UUID, device_id=UUID,
          platform=STRING, name=STRING, ip=nullable(STRING), user_agent=STRING, first_device=BOOLEAN),
    event(SESSION_REVOKED, "a session ended: logout, device removal, password reset", session_id=UUID, reason=STRING),
    event(REFRESH_TOKEN_REUSED, "a spent refresh token came back; its session is revoked", session_id=UUID,
          ip=nullable(STRING)),
    event(LOCKOUT_STARTED, "failed logins locked an account or an IP out", user_id=nullable(UUID), ip=nullable(STRING),
          stage=STRING, subject=STRING, failures=INTEGER, lockout_seconds=INTEGER, strike=INTEGER),
    event(EMAIL_VERIFIED, "an email address was verified", user_id=UUID, email=STRING),
    event(PHONE_VERIFIED, "a phone number was verified", user_id=UUID, phone=STRING),
    event(PASSWORD_RESET_REQUESTED, "a password reset was asked for", user_id=UUID, channel=STRING),
    event(PASSWORD_RESET, "a password was reset", user_id=UUID, at=TIMESTAMP),
    event(MFA_ENABLED, "two-step login was turned on", user_id=UUID, method=STRING),
    event(MFA_DISABLED, "two-step login was turned off", user_id=UUID, method=STRING, proved_with=STRING),
    event(RECOVERY_CODES_REGENERATED, "a user's recovery codes were replaced", user_id=UUID),
    event(RECOVERY_CODE_USED, "a recovery code was spent on a login", user_id=UUID, left=INTEGER),
    event(OAUTH_LINKED, "a provider identity was linked to an existing account", user_id=UUID, provider=STRING,
          email=STRING),
])
