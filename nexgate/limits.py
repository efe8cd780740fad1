"""Every rate limit of Nexgate, in one table: its name, what it counts per (its scope) and its
budget, whose count is a setting (``NEXGATE_*``, config.py). docs/rest.md lists the same
table for client developers; tests/test_limits.py keeps the two in step.

A route takes a limit by name (``rate_limit="users.follows"``; an unknown name fails when
the route is declared), domain code by its constant (``await limits.enforce(platform,
limits.MESSAGES, str(user_id))``). Either way a refusal is ``429`` naming the limit in
``details.limit``, with ``Retry-After``.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING

from . import ratelimit
from .config import Config
from .errors import RateLimited
from .ratelimit import Limit

if TYPE_CHECKING:
    from .platform import Platform


class Scope(enum.Enum):
    """What one budget is counted per."""

    IP = "per IP"
    USER = "per user"
    ACCOUNT = "per account"
    PHONE = "per phone number"
    CONNECTION = "per WebSocket connection"
    RECIPIENT = "per recipient"


@dataclasses.dataclass(frozen=True)
class NamedLimit:
    """At most ``config.<setting>`` hits per ``window_s`` seconds, counted per ``scope``."""

    name: str
    scope: Scope
    setting: str
    window_s: int
    counts: str  # what one hit is, for people: "follows and unfollows"
    code: str = "rate_limited"
    planned: bool = False  # a slot for an area not built yet: declared, configured, not enforced anywhere

    def budget(self, config: Config) -> Limit:
        return Limit(self.name, getattr(config, self.setting), self.window_s)


class UnknownLimit(LookupError):
    """A name that is not in the table (a typo in a route's ``rate_limit``)."""


def _auth_endpoint(name: str, counts: str) -> NamedLimit:
    return NamedLimit(name, Scope.IP, "auth_rate_per_minute", 60, counts)


AUTH_ENDPOINTS = (
    _auth_endpoint("auth.register", "registrations"),
    _auth_endpoint("auth.login", "logins"),
    _auth_endpoint("auth.refresh", "token refreshes"),
    _auth_endpoint("auth.oauth", "sign-ins with Google, Apple or Facebook"),
    _auth_endpoint("auth.forgot_password", "password-reset requests"),
    _auth_endpoint("auth.reset_password", "password resets"),
    _auth_endpoint("auth.verify_email", "email verifications"),
    _auth_endpoint("auth.verify_email_resend", "verification emails asked for"),
    _auth_endpoint("auth.verify_phone_send", "phone codes asked for"),
    _auth_endpoint("auth.verify_phone", "phone verifications"),
    _auth_endpoint("auth.mfa_verify", "second login steps"),
    _auth_endpoint("auth.mfa_enroll", "authenticator enrolments"),
    _auth_endpoint("auth.mfa_confirm", "authenticator confirmations"),
    _auth_endpoint("auth.mfa_disable", "requests to turn two-step login off"),
    _auth_endpoint("auth.mfa_recovery_codes", "recovery-code renewals"),
)
LOGIN_FAILURES_ACCOUNT = NamedLimit(
    "auth.login_failures.account", Scope.ACCOUNT, "login_failures_before_lockout", 15 * 60,
    "failed logins (and wrong second-step codes) before a lockout that doubles each time", code="login_locked",
)
LOGIN_FAILURES_IP = NamedLimit(
    "auth.login_failures.ip", Scope.IP, "login_failures_per_ip", 15 * 60,
    "failed logins before the IP is locked out, doubling each time", code="login_locked",
)
SMS_CODES = NamedLimit("auth.sms_code", Scope.PHONE, "sms_codes_per_hour", 3600, "codes texted", code="too_many_codes")
API_REQUESTS = NamedLimit("api.requests", Scope.USER, "api_requests_per_hour", 3600, "authenticated REST requests")
FOLLOWS = NamedLimit("users.follows", Scope.USER, "follows_per_hour", 3600, "follows and unfollows")
MESSAGES = NamedLimit("messages.send", Scope.USER, "messages_per_hour", 3600, "messages sent or forwarded")
MEDIA_UPLOADS = NamedLimit(
    "media.uploads", Scope.USER, "media_uploads_per_hour", 3600, "upload requests and resumable uploads begun"
)
WS_FRAMES = NamedLimit(
    "ws.frames", Scope.CONNECTION, "ws_frames_per_second", 1, "client frames (bursts up to NEXGATE_WS_FRAME_BURST)"
)
POSTS = NamedLimit("social.posts", Scope.USER, "posts_per_hour", 3600, "posts created (drafts included)")
COMMENTS = NamedLimit("social.comments", Scope.USER, "comments_per_hour", 3600, "comments and replies written")
LIKES = NamedLimit("social.likes", Scope.USER, "likes_per_hour", 3600, "likes and unlikes of posts and comments")
PAYMENTS = NamedLimit("payments.attempts", Scope.USER, "payments_per_minute", 60, "payments begun")
PRODUCT_LISTINGS = NamedLimit("commerce.products", Scope.USER, "product_listings_per_hour", 3600, "products listed")
CHECKOUTS = NamedLimit("commerce.checkouts", Scope.USER, "checkouts_per_minute", 60, "checkouts made")
KIOSK_PAIRINGS = NamedLimit(
    "events.kiosk_pairings", Scope.IP, "events_kiosk_pairings_per_minute", 60, "kiosk pairings asked for"
)
NOTIFICATION_PUSHES = NamedLimit(
    "notifications.pushes", Scope.RECIPIENT, "notifications_pushes_per_minute", 60, "pushes sent to one person"
)

TABLE: dict[str, NamedLimit] = {limit.name: limit for limit in (
    *AUTH_ENDPOINTS, LOGIN_FAILURES_ACCOUNT, LOGIN_FAILURES_IP, SMS_CODES, API_REQUESTS, FOLLOWS, MESSAGES,
    MEDIA_UPLOADS, WS_FRAMES, POSTS, COMMENTS, LIKES, PAYMENTS, PRODUCT_LISTINGS, CHECKOUTS, NOTIFICATION_PUSHES,
    KIOSK_PAIRINGS,
)}


def named(name: str) -> NamedLimit:
    try:
        return TABLE[name]
    except KeyError:
        raise UnknownLimit(f"No rate limit is named {name!r}; the table (nexgate/limits.py) has "
                           f"{', '.join(sorted(TABLE))}") from None


async def enforce(platform: Platform, limit: NamedLimit, subject: str) -> None:
    """Count one hit of ``subject`` (an IP, a user id, ...), or raise ``RateLimited``."""
    budget = limit.budget(platform.config)
    await platform.limiter.check(budget, subject, code=limit.code, what=_what(limit, budget))


async def admits(platform: Platform, limit: NamedLimit, subject: str) -> bool:
    """Count one hit of ``subject`` if it fits the budget (True); False, counting nothing, if it
    does not: for a limit whose refusal is no 429 but a thing not done (a push not sent)."""
    return not await platform.limiter.retry_after(limit.budget(platform.config), subject)


def refused(platform: Platform, limit: NamedLimit, wait: int) -> RateLimited:
    """The 429 ``enforce`` raises, for a hit counted elsewhere (``ratelimit.Hit``) that did not fit."""
    budget = limit.budget(platform.config)
    return ratelimit.refusal(budget, wait, code=limit.code, what=_what(limit, budget))


def _what(limit: NamedLimit, budget: Limit) -> str:
    return f"Too many {limit.counts} ({budget.count} per {_window(budget.window_s)} {limit.scope.value})"


def _window(seconds: int) -> str:
    return {1: "second", 60: "minute", 3600: "hour"}.get(seconds, f"{seconds} s")
