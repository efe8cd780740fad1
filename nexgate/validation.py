"""Loading client input with a marshmallow schema: the one loader REST bodies and queries and
WebSocket frames go through, and the rules for the characters text may hold.

Every string a schema loads is checked here, whatever field type declares it: no control
characters (NUL included: PostgreSQL cannot store it), except line breaks and tabs in
multi-line ``Text``; and a ``Name`` (a display name, a group's name) holds no invisible or
direction-changing character, so two names that read the same are the same (docs/rest.md,
"Text").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from .errors import Invalid

# Unicode's control characters (Cc) and lone surrogates (Cs, which UTF-8 cannot encode); a
# multi-line text keeps line breaks and tabs.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Joiners shape Persian and Indic script and join emoji sequences (👩‍💻): allowed between two
# characters that are not themselves invisible.
JOINERS = frozenset("\u200c\u200d")
# Tag characters spell the subdivision flags (🏴 + tags + cancel tag: 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
TAGS = range(0xE0020, 0xE0080)
BLACK_FLAG = "\U0001F3F4"


_LINE = ma.fields.String()


class Text(ma.fields.String):
    """Text that may run over several lines (a message, a bio, a statement): line breaks and
    tabs are allowed, other control characters are not."""


class Name(ma.fields.String):
    """A name people see beside what someone says or does: trimmed before it is validated (so
    ``"   "`` is an empty name), and free of invisible and direction-changing characters."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def load(schema: ma.Schema, data: Any, where: str) -> dict[str, Any]:
    """``data`` loaded by ``schema``, or ``Invalid`` naming every bad field of ``where``."""
    if not isinstance(data, dict):
        raise Invalid(f"The {where} must be a JSON object", details={where: ["Must be an object."]})
    refused = character_problems(schema, data)
    try:
        loaded = schema.load(data)
    except ma.ValidationError as error:
        raise Invalid.fields(where, _merge(error.normalized_messages(), refused)) from None
    if refused:
        raise Invalid.fields(where, refused)
    return loaded


def search_terms(q: str, max_length: int) -> str:
    """What a search looks for: ``q`` with its runs of spaces made one, 1 to ``max_length``
    characters, or ``Invalid`` naming the query's ``q``."""
    q = " ".join(q.split())
    if not 1 <= len(q) <= max_length:
        raise Invalid.fields("query", {"q": f"Give 1 to {max_length} characters to search for."})
    return q


def character_problems(schema: ma.Schema, data: Mapping[str, Any]) -> dict[Any, Any]:
    """The fields of ``data`` whose text breaks the character rules, with the reason, keyed as
    marshmallow keys its own errors (by ``data_key``; a list's items by index)."""
    problems = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in data and (problem := _field_problem(field, data[key])):
            problems[key] = problem
    return problems


def _field_problem(field: ma.fields.Field, value: Any) -> Any:
    if isinstance(field, ma.fields.String):
        return _text_problem(field, value) if isinstance(value, str) else None
    if isinstance(field, ma.fields.Nested) and isinstance(field.schema, ma.Schema):
        if field.many:
            return _items_problems(lambda item: _nested_problems(field.schema, item), value)
        return _nested_problems(field.schema, value)
    if isinstance(field, ma.fields.List):
        return _items_problems(lambda item: _field_problem(field.inner, item), value)
    if isinstance(field, ma.fields.Tuple) and isinstance(value, (list, tuple)):
        return {index: problem for index, (inner, item) in enumerate(zip(field.tuple_fields, value))
                if (problem := _field_problem(inner, item))}
    if isinstance(field, ma.fields.Dict) and field.value_field is not None:
        return _items_problems(lambda item: _field_problem(field.value_field, item), value)
    if isinstance(field, (ma.fields.Dict, ma.fields.Raw)):
        return _raw_problem(value)
    return None


def _raw_problem(value: Any) -> Any:
    """Untyped JSON (a JWK, a free-form object): every string in it, keys too, is one line."""
    if isinstance(value, str):
        return _text_problem(_LINE, value)
    if isinstance(value, dict):
        return {key: problem for key, item in value.items() if (problem := _raw_problem(key) or _raw_problem(item))}
    if isinstance(value, list):
        return {index: problem for index, item in enumerate(value) if (problem := _raw_problem(item))}
    return None


def _nested_problems(schema: ma.Schema, value: Any) -> dict[Any, Any] | None:
    return character_problems(schema, value) if isinstance(value, dict) else None


def _items_problems(check, value: Any) -> dict[Any, Any] | None:
    """The problems of a list's items by index, or of a dict's values by key."""
    items = enumerate(value) if isinstance(value, list) else value.items() if isinstance(value, dict) else ()
    return {key: problem for key, item in items if (problem := check(item))}


def _text_problem(field: ma.fields.String, text: str) -> list[str] | None:
    control = (CONTROL_BUT_LINES if isinstance(field, Text) else CONTROL).search(text)
    if control:
        return [f"Contains a control character ({_code_point(control.group())})."]
    if isinstance(field, Name) and (char := invisible_in_name(text)):
        return [f"Contains an invisible or direction-changing character ({_code_point(char)})."]
    return None


def invisible_in_name(name: str) -> str | None:
    """The first format character (Unicode ``Cf``: zero-width spaces, bidirectional marks,
    embeddings, overrides and isolates, soft hyphens, ...) a name may not hold, if any."""
    for index, char in enumerate(name):
        if unicodedata.category(char) != "Cf":
            continue
        if char in JOINERS and 0 < index < len(name) - 1 and _visible(name[index - 1]) and _visible(name[index + 1]):
            continue
        if ord(char) in TAGS and index > 0 and (name[index - 1] == BLACK_FLAG or ord(name[index - 1]) in TAGS):
            continue
        return char
    return None


def _visible(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char) in ("Cf", "Cc"))


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def _merge(messages: dict[Any, Any], more: dict[Any, Any]) -> dict[Any, Any]:
    """marshmallow's messages with the character problems it does not know of."""
    merged = dict(messages)
    for key, problem in more.items():
        known = merged.get(key)
        if isinstance(known, dict) and isinstance(problem, dict):
            merged[key] = _merge(known, problem)
        elif isinstance(known, list) and isinstance(problem, list):
            merged[key] = known + [message for message in problem if message not in known]
        elif known is None:
            merged[key] = problem
    return merged
