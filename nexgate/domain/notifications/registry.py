"""The registry of notification types: what each type is made from and how it reads.

An area declares its types in ``nexgate/domain/<area>/notices.py`` and lists them in its
manifest (``Area(..., notification_types=notices.TYPES)``); the notifications consumer
listens to their source events (docs/notifications.md, "How an area registers a type")::

    NEW_FOLLOWER = notification_type(
        "new_follower", sources=(FOLLOW_CREATED,), category="social", recipient="followee_id",
        actor="follower_id", about=("user", "followee_id"), link="nexgate://users/{follower_id}",
        grouping=Grouping(on="followee_id"),
        in_app={"en": "{actor_name} started following you", "sw": "{actor_name} ameanza kukufuata"})

A template names the parameters its type carries: ``actor_name`` (the actor's display name;
for a group, "Amina, Juma and 10 others") for a type with an actor, and each event field in
``params``. ``notification_type`` refuses a type whose templates miss a language or name a
parameter its events do not carry, so a mistake fails at import and in the registry test.

An event that tells several people (an escrow release to each of its payees) names the list
with ``each=Each("payees", fields=("user_id", "net"))``: the type is told once per item, the
item's fields over the event's, so ``recipient`` and ``params`` may name the item's fields.
``amounts={"amount": "currency"}`` shows a param of integer minor units as people read it
("TZS 15,000", nexgate/money.py); ``params`` keeps the number for apps.
A *scheduled* type (``scheduled=True``, no source events: an event reminder) is made by
another area's call to ``schedules.schedule`` for a time; its fields are its ``recipient``
and its ``params``, which that call gives (nexgate/domain/notifications/schedules.py).
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import string
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from ... import money
from ...bus import Event
from ...bus.catalogue import lookup
from .events import SCHEDULE_FIRED

CATEGORIES = ("social", "messages", "commerce", "events", "payments", "security")
CRITICAL_CATEGORIES = ("payments", "security")  # always critical: in-app always, past quiet hours
CHANNELS = ("in_app",)  # push, email and SMS templates join when those channels do
LANGUAGES = ("en", "sw")
DEFAULT_WINDOW = datetime.timedelta(minutes=5)
ACTOR_NAME = "actor_name"
MANY = "in_app_many"  # the in-app text for several actors, where it differs


@dataclasses.dataclass(frozen=True)
class Grouping:
    """Events of the type for the same recipient and the same value of the field ``on``
    within ``window`` of the group's first event update one notification."""

    on: str
    window: datetime.timedelta = DEFAULT_WINDOW


@dataclasses.dataclass(frozen=True)
class Each:
    """An event's list (``field``), one recipient per item: of objects, whose ``fields`` the type
    names (the catalogue declares the list, not what its items hold); or of values, each told as
    the field ``as_field`` (``Each("recipient_ids", as_field="recipient_id")``)."""

    field: str
    fields: tuple[str, ...] = ()
    as_field: str | None = None

    def items(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        listed = payload[self.field]
        return [{self.as_field: item} for item in listed] if self.as_field else list(listed)


@dataclasses.dataclass(frozen=True)
class NotificationType:
    name: str
    sources: tuple[str, ...]  # the events that make it
    category: str
    recipient: str  # the event field holding the recipient's user id
    templates: Mapping[str, Mapping[str, str]]  # channel -> language -> template
    link: str  # the deep link the client opens, formatted with the event's fields
    actor: str | None = None  # the event field holding the actor's user id, if someone did it
    about: tuple[str, str] | None = None  # (object type, event field holding its id)
    params: tuple[str, ...] = ()  # event fields the templates may name
    critical: bool = False
    important: bool = False  # pushed to those who chose "important_only" (a critical type always is)
    push_when_offline: bool = False  # pushed only to a recipient with no device connected (new messages)
    grouping: Grouping | None = None
    # only events whose fields equal these (or, for a tuple, are one of its values)
    when: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    each: Each | None = None  # told once per item of an event's list (the item's fields over the event's)
    amounts: Mapping[str, str] = dataclasses.field(default_factory=dict)  # param -> its currency param: "TZS 15,000"
    scheduled: bool = False  # made by schedules.schedule for a time, not by source events

    def matches(self, event: Event) -> bool:
        return event.type in self.sources and all(
            event.payload.get(k) in v if isinstance(v, (tuple, frozenset)) else event.payload.get(k) == v
            for k, v in self.when.items())

    def told(self, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The payload as each recipient's notification reads it: the event's, or one per item
        of its ``each`` list with the item's fields over the event's."""
        if self.each is None:
            return [dict(payload)]
        return [{**payload, **item} for item in self.each.items(payload)]

    @property
    def is_important(self) -> bool:
        return self.critical or self.important

    def group_key(self, payload: Mapping[str, Any]) -> str | None:
        return None if self.grouping is None else f"{self.name}:{payload[self.grouping.on]}"


def template_parameters(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def problems(kind: NotificationType) -> list[str]:
    """What is wrong with a type: each missing template, each parameter it cannot fill."""
    found = []
    if kind.category not in CATEGORIES:
        found.append(f"{kind.name}: category {kind.category!r} is not one of {', '.join(CATEGORIES)}")
    if kind.category in CRITICAL_CATEGORIES and not kind.critical:
        found.append(f"{kind.name}: a {kind.category} notification is critical")
    if kind.grouping and not kind.actor:
        found.append(f"{kind.name}: a grouped type has an actor (a group gathers the people who acted)")
    named = {kind.recipient, *kind.params, *kind.when, *template_parameters(kind.link)}
    named |= {kind.actor} if kind.actor else set()
    named |= {kind.about[1]} if kind.about else set()
    named |= {kind.grouping.on} if kind.grouping else set()
    if kind.scheduled:
        if kind.sources or kind.each or kind.when:
            found.append(f"{kind.name}: a scheduled type has no source events, each list or when")
        found += [f"{kind.name}: a scheduled type names {field!r}, which is neither its recipient nor one of its params"
                  for field in sorted(named - {kind.recipient, *kind.params})]
    elif not kind.sources:
        found.append(f"{kind.name}: no source events (or scheduled=True)")
    items = (set(kind.each.fields) | ({kind.each.as_field} if kind.each.as_field else set())) if kind.each else set()
    for source in kind.sources:
        fields = set(lookup(source).fields)
        if kind.each and kind.each.field not in fields:
            found.append(f"{kind.name}: {source} carries no list {kind.each.field!r}")
        found += [f"{kind.name}: {source} carries no field {field!r}" for field in sorted(named - fields - items)]
    found += [f"{kind.name}: the amount {amount!r} and its currency {currency!r} are both params"
              for amount, currency in kind.amounts.items() if not {amount, currency} <= set(kind.params)]
    carried = set(kind.params) | ({ACTOR_NAME} if kind.actor else set())
    for channel in CHANNELS:
        found += language_problems(kind.name, channel, kind.templates.get(channel, {}), carried)
    for language, template in kind.templates.get(MANY, {}).items():
        if language not in LANGUAGES or not kind.actor:
            found.append(f"{kind.name}: a text for several actors in {language!r} needs a type with an actor "
                         f"and one of {', '.join(LANGUAGES)}")
        found += [f"{kind.name}: the {MANY} {language!r} template names {name!r}, which it does not carry"
                  for name in sorted(template_parameters(template) - carried)]
    return found


def language_problems(owner: str, channel: str, templates: Mapping[str, str], carried: set[str]) -> list[str]:
    """What is wrong with the texts of one thing people read (a type's channel, a digest's
    subject, one of the service's own texts: ``channel`` empty): each language of ``LANGUAGES``
    it lacks, each parameter it names but is not given."""
    found, what = [], f"{channel} " if channel else ""
    for language in LANGUAGES:
        if not templates.get(language, "").strip():
            found.append(f"{owner}: no {what}template in {language!r}")
            continue
        found += [f"{owner}: the {what}{language!r} template names {name!r}, which it does not carry"
                  for name in sorted(template_parameters(templates[language]) - carried)]
    return found


def notification_type(name: str, *, sources: tuple[str, ...] = (), in_app: Mapping[str, str],
                      in_app_many: Mapping[str, str] | None = None, **declared) -> NotificationType:
    """A type, checked: ``ValueError`` naming every problem (see ``problems``). ``in_app_many``
    holds, for the languages whose verb agrees with a plural subject (Swahili: "ameanza" for
    one, "wameanza" for several), the text for a group of actors."""
    templates = {"in_app": MappingProxyType(in_app)}
    if in_app_many:
        templates[MANY] = MappingProxyType(in_app_many)
    kind = NotificationType(name, tuple(sources), templates=MappingProxyType(templates), **declared)
    if found := problems(kind):
        raise ValueError("; ".join(found))
    return kind


@dataclasses.dataclass(frozen=True)
class Text:
    """A text of the service's own, told of no one type (the summary push of quiet hours): a
    template per language, naming only its ``params``."""

    name: str
    templates: Mapping[str, str]
    params: tuple[str, ...] = ()

    def render(self, language: str, **values: Any) -> str:
        return (self.templates.get(language) or self.templates["en"]).format(**values)


def text_problems(text: Text) -> list[str]:
    """What is wrong with a text: each missing language, each parameter it does not carry."""
    return language_problems(text.name, "", text.templates, set(text.params))


_TEXTS: dict[str, Text] = {}


def own_text(name: str, *, params: tuple[str, ...] = (), **templates: str) -> Text:
    """A text of the service's own, checked as a type's templates are (``ValueError`` naming a
    missing language or an unknown parameter), and listed in ``own_texts`` for the registry test."""
    text = Text(name, MappingProxyType(templates), tuple(params))
    if found := text_problems(text):
        raise ValueError("; ".join(found))
    _TEXTS[name] = text
    return text


def own_texts() -> tuple[Text, ...]:
    return tuple(_TEXTS.values())


class Registry:
    """Every registered type, by name and by source event."""

    def __init__(self, types: Iterable[NotificationType]):
        self.types: dict[str, NotificationType] = {}
        for kind in types:
            if kind.name in self.types:
                raise ValueError(f"notification type {kind.name!r} is registered twice")
            self.types[kind.name] = kind

    def sources(self) -> tuple[str, ...]:
        """The events the consumer listens to: every type's sources, and the scheduled types' firing."""
        sources = {source for kind in self.types.values() for source in kind.sources}
        sources |= {SCHEDULE_FIRED} if any(kind.scheduled for kind in self.types.values()) else set()
        return tuple(sorted(sources))

    def for_event(self, event: Event) -> list[NotificationType]:
        return [kind for kind in self.types.values() if kind.matches(event)]

    def __getitem__(self, name: str) -> NotificationType:
        return self.types[name]


def registry_of(areas: Iterable[Any]) -> Registry:
    """The registry of every area's ``notification_types``."""
    return Registry(kind for area in areas for kind in area.notification_types)


@functools.cache
def registered() -> Registry:
    """The registry of every area the platform lists (nexgate/areas.py)."""
    from ...areas import AREAS  # imported late: the manifests import the areas' types, which import this module

    return registry_of(AREAS)


# Rendering

_OTHERS = {"en": ("{names} and {others} other", "{names} and {others} others", " and "),
           "sw": ("{names} na mwingine {others}", "{names} na wengine {others}", " na ")}
SHOWN_NAMES = 2  # "Amina, Juma and 10 others"


def actors_phrase(language: str, names: list[str], count: int) -> str:
    """The actors as a template's ``actor_name``: "Amina", "Amina and Juma", "Amina, Juma and
    1 other", "Amina, Juma and 10 others" (Swahili: "Amina, Juma na wengine 10")."""
    one, many, conjunction = _OTHERS[language]
    if count <= SHOWN_NAMES or len(names) < SHOWN_NAMES:
        return conjunction.join(names[:count]) if count <= SHOWN_NAMES else names[0]
    others = count - SHOWN_NAMES
    return (one if others == 1 else many).format(names=", ".join(names[:SHOWN_NAMES]), others=others)


def render(kind: NotificationType, channel: str, language: str, params: Mapping[str, Any],
           actor_names: list[str], actor_count: int) -> str:
    values = dict(params)
    for amount, currency in kind.amounts.items():  # minor units as people read them (nexgate/money.py)
        values[amount] = money.for_people(params[amount], params[currency])
    if kind.actor:
        values[ACTOR_NAME] = actors_phrase(language, actor_names, actor_count)
    many = kind.templates.get(MANY, {}) if channel == "in_app" and actor_count > 1 else {}
    templates = kind.templates[channel]
    return (many.get(language) or templates.get(language) or templates["en"]).format(**values)


def link(kind: NotificationType, payload: Mapping[str, Any]) -> str:
    return kind.link.format(**payload)
