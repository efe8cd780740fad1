"""Topics a connection may subscribe to, each kind with the check of who may follow it.

A topic is ``<kind>:<id>``, or ``<kind>:<id>:<suffix>`` for a second feed of the same object
(``event:<id>`` is an event's availability, ``event:<id>:checkins`` its door dashboard, each with
its own check). The kinds come from the areas' manifests (``Area.topics``): each area declares
its kinds (a user's presence, a conversation's typing, a product's price, an event's check-ins)
with the domain check that decides who may listen.
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
    authorize: Authorize  # called with the topic's id (what follows ``<kind>:``, before any ``:<suffix>``)
    suffix: str | None = None  # "checkins": the topics ``<kind>:<id>:checkins``

    @property
    def shape(self) -> str:
        return f"{self.name}:<id>" + (f":{self.suffix}" if self.suffix else "")


class Topics:
    def __init__(self, kinds: Iterable[TopicKind]):
        self.kinds: dict[tuple[str, str | None], Authorize] = {}
        for kind in kinds:
            if (kind.name, kind.suffix) in self.kinds:
                raise RuntimeError(f"Topic kind {kind.shape!r} is declared twice")
            self.kinds[(kind.name, kind.suffix)] = kind.authorize

    async def authorize(self, platform: Platform, caller: Caller, topic: str) -> None:
        """Raise unless ``caller`` may subscribe to ``topic``."""
        name, _, rest = topic.partition(":")
        ident, _, suffix = rest.partition(":")
        check = self.kinds.get((name, suffix or None))
        if check is None or not ident:
            shapes = sorted(name + ":<id>" + (f":{suffix}" if suffix else "") for name, suffix in self.kinds)
            raise Invalid(f"Unknown topic {topic!r}; topics are one of {', '.join(shapes)}",
                          code="unknown_topic", details={"topic": topic})
        await check(platform, caller, ident)


def topic_uuid(ident: str, kind: str, what: str) -> uuid.UUID:
    """The id of a ``<kind>:<uuid>`` topic, or the error naming what it should have been."""
    try:
        return uuid.UUID(ident)
    except ValueError:
        raise Invalid(f"{kind} needs a {what} id", code="unknown_topic", details={"topic": f"{kind}:{ident}"}) from None
