"""Topics a connection may subscribe to, each kind with the check of who may follow it.

A topic is ``<kind>:<id>``. Areas add their kinds here as they come (a post's counters and
comments, a group buy's seats, an event's check-in feed, a conversation's typing), each
with the domain check that decides who may listen.
"""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from ..domain.auth.caller import Caller
from ..domain.messages import conversations
from ..domain.users import visibility
from ..errors import Forbidden, Invalid
from ..platform import Platform

Authorize = Callable[[Platform, Caller, str], Awaitable[None]]
KINDS: dict[str, Authorize] = {}


def kind(name: str) -> Callable[[Authorize], Authorize]:
    def register(authorize: Authorize) -> Authorize:
        KINDS[name] = authorize
        return authorize

    return register


async def authorize(platform: Platform, caller: Caller, topic: str) -> None:
    """Raise unless ``caller`` may subscribe to ``topic``."""
    name, _, ident = topic.partition(":")
    check = KINDS.get(name)
    if check is None or not ident:
        raise Invalid(f"Unknown topic {topic!r}; topics are <kind>:<id> with kind one of {sorted(KINDS)}",
                      code="unknown_topic", details={"topic": topic})
    await check(platform, caller, ident)


def _uuid(ident: str, topic: str, what: str = "user") -> uuid.UUID:
    try:
        return uuid.UUID(ident)
    except ValueError:
        raise Invalid(f"{topic} needs a {what} id", code="unknown_topic", details={"topic": topic}) from None


@kind("presence")
async def _presence(platform: Platform, caller: Caller, ident: str) -> None:
    user_id = _uuid(ident, "presence")
    if not await visibility.can_see_presence(platform, caller.user_id, user_id):
        raise Forbidden("This user's presence is not visible to you", code="presence_not_visible",
                        details={"user_id": ident})


@kind("conversation")
async def _conversation(platform: Platform, caller: Caller, ident: str) -> None:
    """A conversation's typing indicators: its current members only."""
    await conversations.require_active_member(platform, caller, _uuid(ident, "conversation", "conversation"))
