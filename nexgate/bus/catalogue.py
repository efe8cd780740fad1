"""The event catalogue: every event an area emits, with its payload's fields and their types.

Each area declares its events in one module, ``nexgate/domain/<area>/events.py``::

    FOLLOW_CREATED = "users.follow.created"
    EVENTS = declare("users", [
        event(FOLLOW_CREATED, "a public account was followed", follower_id=UUID, followee_id=UUID),
    ])

``bus.emit`` and ``bus.pending`` refuse a name that is not declared and a payload whose fields
are not exactly the declared ones, each of its declared JSON type. The check is a set
comparison and one ``isinstance`` per field (no schema library), because the message send path
runs it on every message. docs/bus.md lists the catalogue; tests/test_bus_docs.py keeps the two
equal.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

NAME = re.compile(r"[a-z][a-z0-9]*\.[a-z][a-z0-9_]*\.[a-z]+")
# Past tenses that do not end in -ed; a verb is one word, in the past tense.
IRREGULAR_PAST = frozenset({
    "bought", "frozen", "held", "left", "lost", "made", "paid", "read", "reset", "sent", "sold", "unfrozen", "won",
})


class UndeclaredEvent(ValueError):
    """An event name that no area declared."""


class PayloadMismatch(ValueError):
    """A payload whose fields or types differ from its event's declaration."""


@dataclasses.dataclass(frozen=True)
class Kind:
    """A payload field's JSON type: its name as docs/bus.md writes it, and the Python types it
    may hold (UUIDs and timestamps travel as strings; a boolean is not an integer)."""

    name: str
    types: tuple[type, ...]

    def admits(self, value: Any) -> bool:
        return isinstance(value, self.types) and (value.__class__ is not bool or bool in self.types)


UUID = Kind("uuid", (str,))
STRING = Kind("string", (str,))
TIMESTAMP = Kind("timestamp", (str,))
INTEGER = Kind("integer", (int,))
BOOLEAN = Kind("boolean", (bool,))
OBJECT = Kind("object", (dict,))


def nullable(kind: Kind) -> Kind:
    return Kind(f"{kind.name} or null", (*kind.types, type(None)))


def list_of(kind: Kind) -> Kind:
    return Kind(f"list of {kind.name}", (list,))


@dataclasses.dataclass(frozen=True)
class EventType:
    name: str
    meaning: str
    fields: Mapping[str, Kind]
    keys: frozenset[str] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset(self.fields))

    def check(self, payload: Mapping[str, Any], added_later: frozenset[str] = frozenset()) -> None:
        """Raise ``PayloadMismatch`` unless ``payload`` has exactly the declared fields (but for
        ``added_later``: those the statement that writes the row adds), each of its kind."""
        if payload.keys() != (self.keys - added_later if added_later else self.keys):
            raise PayloadMismatch(self._difference(payload.keys() | added_later))
        fields = self.fields
        for field, value in payload.items():
            if not fields[field].admits(value):
                raise PayloadMismatch(f"{self.name}: {field} is {type(value).__name__}, declared {fields[field].name}")

    def _difference(self, keys: set[str]) -> str:
        missing, unknown = self.keys - keys, keys - self.keys
        parts = [f"missing {', '.join(sorted(missing))}" if missing else "",
                 f"undeclared {', '.join(sorted(unknown))}" if unknown else ""]
        return f"{self.name}: payload fields differ from the declaration: " + "; ".join(p for p in parts if p)


def event(name: str, meaning: str, /, **fields: Kind) -> EventType:
    return EventType(name, meaning, MappingProxyType(fields))


_DECLARED: dict[str, EventType] = {}


def declare(area: str, events: Iterable[EventType]) -> Mapping[str, EventType]:
    """Add an area's events to the catalogue; each name is ``<area>.<thing>.<verb>``, the verb
    one word in the past tense, and declared once."""
    declared = {}
    for declaration in events:
        name = declaration.name
        verb = name.rsplit(".", 1)[-1]
        if not NAME.fullmatch(name) or name.split(".", 1)[0] != area or name.split(".")[1] == area:
            raise ValueError(f"event {name!r} of area {area!r} is not {area}.<thing>.<verb>")
        if not verb.endswith("ed") and verb not in IRREGULAR_PAST:
            raise ValueError(f"event {name!r}: {verb!r} is not a verb in the past tense")
        if name in _DECLARED or name in declared:
            raise ValueError(f"event {name!r} is declared twice")
        declared[name] = declaration
    _DECLARED.update(declared)
    return MappingProxyType(declared)


def lookup(name: str) -> EventType:
    try:
        return _DECLARED[name]
    except KeyError:
        raise UndeclaredEvent(
            f"event {name!r} is not declared: add it to nexgate/domain/<area>/events.py (docs/bus.md)"
        ) from None


def declared() -> Mapping[str, EventType]:
    """Every event declared so far (each area's ``events`` module declares its own on import)."""
    return MappingProxyType(_DECLARED)
