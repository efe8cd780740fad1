"""Topics a connection may subscribe to, each kind with the check of who may follow it.

A topic is ``<kind>:<id>``. The kinds come from the areas' manifests (``Area.topics``): each
area declares its kinds (a user's presence, a conversation's typing; later a post's counters,
a group buy's seats, an event's check-in feed) with the domain check that decides who may listen.
"""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Iterable

from ..domain.auth.caller import Caller
from ..errors import Invalid
from ..platform import Platform

Authorize = Callable[[Platform, Caller, str], Awaitable[None]]  # raises unless the caller may subscribe


@dataclasses.dataclass(frozen=True)
class TopicKind:
    name: str
    authorize: Authorize  # called with the topic's id (what follows ``<kind>:``)


class Topics:
    def __init__(self, kinds: Iterable[TopicKind]):
        self.kinds: dict[str, Authorize] = {}
        for kind in kinds:
            if kind.name in self.kinds:
                raise RuntimeError(f"Topic kind {kind.name!r} is declared twice")
            self.kinds[kind.name] = kind.authorize

    async def authorize(self, platform: Platform, caller: Caller, topic: str) -> None:
        """Raise unless ``caller`` may subscribe to ``topic``."""
        name, _, ident = topic.partition(":")
        check = self.kinds.get(name)
        if check is None or not ident:
            raise Invalid(f"Unknown topic {topic!r}; topics are <kind>:<id> with kind one of {sorted(self.kinds)}",
                          code="unknown_topic", details={"topic": topic})
        await check(platform, caller, ident)


def topic_uuid(ident: str, kind: str, what: str) -> uuid.UUID:
    """The id of a ``<kind>:<uuid>`` topic, or the error naming what it should have been."""
    try:
        return uuid.UUID(ident)
    except ValueError:
        raise Invalid(f"{kind} needs a {what} id", code="unknown_topic", details={"topic": f"{kind}:{ident}"}) from None
