"""Each recipient's notification preferences (spec 000 "User Preferences", spec 003
"Notification Preferences"; docs/notifications.md, "Preferences"), and the one decision the
delivery path asks of them: ``decide``, per channel, whether a notification goes now, waits
until the recipient's quiet hours end, goes in a digest, or does not go.

The model: per category (registry.CATEGORIES) a choice for each channel (``CHOICES``; the
defaults are spec 003's: push on, in-app on, email as a daily digest, SMS for critical ones
only), per type an on/off toggle, and quiet hours (local start and end) in the recipient's
IANA time zone. A critical type (security, payments) is always shown in-app, whatever the
toggles, and neither waits for quiet hours nor counts against the push limit.
"""
from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import uuid
import zoneinfo
from collections.abc import Mapping
from typing import Any

import asyncpg

from ... import limits
from ...errors import Invalid
from ...platform import Platform
from ..auth.caller import Caller
from . import digests, registry
from . import preferences_repository as repository


CHANNELS = ("in_app", "push", "email", "sms")
CHOICES: Mapping[str, tuple[Any, ...]] = {
    "in_app": (True, False),
    "push": ("all", "important_only", "none"),
    "email": ("all", "daily_digest", "weekly_digest", "none"),
    "sms": ("critical_only", "none"),
}
DEFAULTS: Mapping[str, Any] = {"in_app": True, "push": "all", "email": "daily_digest", "sms": "critical_only"}
DEFAULT_TIME_ZONE = "Africa/Nairobi"  # East Africa Time, as the platform's receipts


class Decision(enum.StrEnum):
    SEND = "send"  # now
    HOLD = "hold"  # until quiet hours end (``until``), then with the others held, as one summary
    DAILY_DIGEST = "daily_digest"
    WEEKLY_DIGEST = "weekly_digest"
    OFF = "off"  # the recipient's preferences say no (``reason`` says which)
    SUPPRESSED_BY_RATE_LIMIT = "suppressed_by_rate_limit"  # over limits.NOTIFICATION_PUSHES


@dataclasses.dataclass(frozen=True)
class ChannelDelivery:
    decision: Decision
    reason: str  # critical, chosen, type_off, category_off, not_important, not_critical, quiet_hours, rate_limit
    until: datetime.datetime | None = None  # HOLD: the instant (UTC) the quiet hours end

    @property
    def now(self) -> bool:
        return self.decision is Decision.SEND


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What to do with one notification on each channel."""

    in_app: ChannelDelivery
    push: ChannelDelivery
    email: ChannelDelivery
    sms: ChannelDelivery

    def __getitem__(self, channel: str) -> ChannelDelivery:
        if channel not in CHANNELS:
            raise KeyError(channel)
        return getattr(self, channel)


# Quiet hours

@dataclasses.dataclass(frozen=True)
class QuietHours:
    """From ``start`` (inclusive) to ``end`` (exclusive), local wall-clock times; a window with
    start after end crosses midnight (22:00 to 07:00)."""

    start: datetime.time
    end: datetime.time

    def contains(self, local: datetime.time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, at: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime | None:
        """When the quiet hours ``at`` falls in end (an aware instant in UTC), or None if ``at``
        is outside them. The end is the first instant after ``at`` at which the local clock
        reads ``end`` or later: on the night the clocks go forward past ``end`` (02:30 in a
        02:00-03:00 gap) that is the moment they jump; on the night they go back, ``end``
        read twice, the first reading after ``at``."""
        local = at.astimezone(zone)
        wall = local.time().replace(tzinfo=None)
        if not self.contains(wall):
            return None
        day = local.date()
        if self.start > self.end and wall >= self.start:
            day += datetime.timedelta(days=1)  # before midnight: they end tomorrow morning
        return first_reaching(datetime.datetime.combine(day, self.end), zone, after=at)


def first_reaching(wall: datetime.datetime, zone: zoneinfo.ZoneInfo, *, after: datetime.datetime
                   ) -> datetime.datetime:
    """The first instant later than ``after`` whose local time in ``zone`` is ``wall`` (naive)
    or later, for a ``wall`` that the local clock has not passed at ``after`` (or passed only
    once, on a night it reads twice): the end of quiet hours, the time of a digest (digests.py)."""
    utc = datetime.UTC
    for fold in (0, 1):  # a wall time read twice (clocks back): its first reading, then its second
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(utc)
        if instant > after and instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant
    # The wall time does not exist (the clocks jump over it): the end is the jump, found
    # between the wall time read with the offset after it (earlier) and before it (later).
    def reached(second: int) -> bool:
        return datetime.datetime.fromtimestamp(second, zone).replace(tzinfo=None) >= wall

    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    while high - low > 1:  # not reached at low, reached at high
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle, high)
    return datetime.datetime.fromtimestamp(high, utc)


@functools.cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


# The model

@dataclasses.dataclass(frozen=True)
class Preferences:
    """A recipient's choices; what they did not choose is the default."""

    channels: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)  # category -> channel -> choice
    types: Mapping[str, bool] = dataclasses.field(default_factory=dict)  # type name -> on
    time_zone: str | None = None
    quiet_hours: QuietHours | None = None

    @classmethod
    def from_row(cls, row: asyncpg.Record | None) -> Preferences:
        if row is None:
            return cls()
        quiet = None if row["quiet_start"] is None else QuietHours(row["quiet_start"], row["quiet_end"])
        return cls(row["channels"], row["types"], row["time_zone"], quiet)

    def choice(self, category: str, channel: str) -> Any:
        return self.channels.get(category, {}).get(channel, DEFAULTS[channel])

    def type_on(self, name: str) -> bool:
        return self.types.get(name, True)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone(self.time_zone or DEFAULT_TIME_ZONE)


def _off(reason: str) -> ChannelDelivery:
    return ChannelDelivery(Decision.OFF, reason)


_SEND = ChannelDelivery(Decision.SEND, "chosen")
_CRITICAL = ChannelDelivery(Decision.SEND, "critical")
_DIGESTS = {"daily_digest": Decision.DAILY_DIGEST, "weekly_digest": Decision.WEEKLY_DIGEST}


def plan(prefs: Preferences, kind: registry.NotificationType, at: datetime.datetime) -> Delivery:
    """The decision for each channel by the preferences alone (``decide`` adds the push limit)."""
    category, type_on = kind.category, prefs.type_on(kind.name)
    return Delivery(in_app=_in_app(prefs, kind, type_on), push=_push(prefs, kind, type_on, at),
                    email=_email(prefs, category, type_on), sms=_sms(prefs, kind, type_on))


def _in_app(prefs: Preferences, kind: registry.NotificationType, type_on: bool) -> ChannelDelivery:
    if kind.critical:
        return _CRITICAL
    if not type_on:
        return _off("type_off")
    return _SEND if prefs.choice(kind.category, "in_app") else _off("category_off")


def _push(prefs: Preferences, kind: registry.NotificationType, type_on: bool, at: datetime.datetime
          ) -> ChannelDelivery:
    choice = prefs.choice(kind.category, "push")
    if not type_on:
        return _off("type_off")
    if choice == "none":
        return _off("category_off")
    if choice == "important_only" and not kind.is_important:
        return _off("not_important")
    if kind.critical:
        return _CRITICAL
    if prefs.quiet_hours is not None and (until := prefs.quiet_hours.end_after(at, prefs.zone)) is not None:
        return ChannelDelivery(Decision.HOLD, "quiet_hours", until)
    return _SEND


def _email(prefs: Preferences, category: str, type_on: bool) -> ChannelDelivery:
    choice = prefs.choice(category, "email")
    if not type_on:
        return _off("type_off")
    if choice == "none":
        return _off("category_off")
    return _SEND if choice == "all" else ChannelDelivery(_DIGESTS[choice], "chosen")


def _sms(prefs: Preferences, kind: registry.NotificationType, type_on: bool) -> ChannelDelivery:
    if not type_on:
        return _off("type_off")
    if prefs.choice(kind.category, "sms") == "none":
        return _off("category_off")
    return _CRITICAL if kind.critical else _off("not_critical")


async def preferences_of(conn: asyncpg.Connection, recipient_id: uuid.UUID) -> Preferences:
    return Preferences.from_row(await repository.preferences(conn, recipient_id))


async def decide(platform: Platform, conn: asyncpg.Connection, *, recipient_id: uuid.UUID,
                 kind: registry.NotificationType, at: datetime.datetime) -> Delivery:
    """What to do with a notification of ``kind`` for the recipient, made at ``at``, on each
    channel. Call it once per notification to deliver: a push it answers ``send`` counts
    against the recipient's push budget (limits.NOTIFICATION_PUSHES; over it, the answer is
    ``suppressed_by_rate_limit``). A critical push is never held nor limited."""
    delivery = plan(await preferences_of(conn, recipient_id), kind, at)
    if delivery.push.reason == "chosen" and delivery.push.now and not await limits.admits(
            platform, limits.NOTIFICATION_PUSHES, str(recipient_id)):
        delivery = dataclasses.replace(
            delivery, push=ChannelDelivery(Decision.SUPPRESSED_BY_RATE_LIMIT, "rate_limit"))
    return delivery


# The settings as the recipient reads and changes them

def settings_view(prefs: Preferences, types: registry.Registry) -> dict[str, Any]:
    quiet = prefs.quiet_hours
    return {
        "categories": {category: {channel: prefs.choice(category, channel) for channel in CHANNELS}
                       for category in registry.CATEGORIES},
        "types": {name: prefs.type_on(name) for name in sorted(types.types)},
        "quiet_hours": None if quiet is None else {"start": quiet.start, "end": quiet.end},
        "time_zone": prefs.time_zone or DEFAULT_TIME_ZONE,
    }


async def settings(platform: Platform, caller: Caller) -> dict[str, Any]:
    async with platform.notify.connection() as conn:
        prefs = await preferences_of(conn, caller.user_id)
    return settings_view(prefs, registry.registered())


async def update_settings(platform: Platform, caller: Caller, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply what ``changes`` names (the body of PATCH /api/notifications/settings, loaded):
    ``categories`` (category -> channel -> choice), ``types`` (name -> on), ``quiet_hours``
    ({start, end}, or None: none) and ``time_zone``; the rest stays as it was."""
    _refuse_critical_in_app_off(changes.get("categories", {}))
    async with platform.notify.transaction("notifications.update_settings") as conn:
        before = Preferences.from_row(await repository.lock_preferences(conn, caller.user_id))
        prefs = merged(before, changes)
        quiet = prefs.quiet_hours
        await repository.save_preferences(
            conn, caller.user_id, channels=prefs.channels, types=prefs.types, time_zone=prefs.time_zone,
            quiet_start=None if quiet is None else quiet.start, quiet_end=None if quiet is None else quiet.end)
        await digests.preferences_changed(platform, conn, caller.user_id, before, prefs)  # moved, or called off
    return settings_view(prefs, registry.registered())


def _refuse_critical_in_app_off(categories: Mapping[str, Mapping[str, Any]]) -> None:
    refused = {category: {"in_app": [f"{category.capitalize()} notifications are critical: always shown in-app."]}
               for category, channels in categories.items()
               if category in registry.CRITICAL_CATEGORIES and channels.get("in_app") is False}
    if refused:
        raise Invalid.fields("body", {"categories": refused})


def merged(prefs: Preferences, changes: Mapping[str, Any]) -> Preferences:
    channels = {category: dict(chosen) for category, chosen in prefs.channels.items()}
    for category, chosen in changes.get("categories", {}).items():
        channels.setdefault(category, {}).update(chosen)
    replaced: dict[str, Any] = {"channels": channels, "types": {**prefs.types, **changes.get("types", {})}}
    if "time_zone" in changes:
        replaced["time_zone"] = changes["time_zone"]
    if "quiet_hours" in changes:
        quiet = changes["quiet_hours"]
        replaced["quiet_hours"] = None if quiet is None else QuietHours(quiet["start"], quiet["end"])
    return dataclasses.replace(prefs, **replaced)
