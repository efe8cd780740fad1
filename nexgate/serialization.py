"""Dumping data through the marshmallow schemas that describe it, fast.

A response's schema is the contract (it is the OpenAPI document's too), but marshmallow's
``dump`` calls several functions a field: about 24 us for an account of ten fields, a tenth
of an authenticated read's CPU, where orjson writes the same ten values in 1 us. ``dump``
walks the schema's fields once, ahead of time: a value that already is what the field would
write (a ``str`` for a ``String``, a ``UUID`` or a ``datetime`` orjson writes as marshmallow
would, a list of those, a nested object) is passed through as it is, and anything else (a
field or a value of another kind, a missing value, a schema with dump hooks) goes through the
field's own ``serialize``. ``CHECK`` (on in the tests) compares every dump with marshmallow's.
"""
from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
import marshmallow as ma
import orjson

CHECK = False  # the tests set it: every dump is compared with marshmallow's own

_Dump = Callable[[Any], Any]
_MISSING = ma.missing


@functools.cache
def schema_instance(schema: type[ma.Schema]) -> ma.Schema:
    """The one instance of a schema that loads and dumps for every request (marshmallow keeps
    no state between calls). Building one per request deep-copies its fields into reference
    cycles, about 40 objects a response that only the garbage collector frees, in pauses."""
    return schema()


def dump(schema: type[ma.Schema], data: Any) -> Any:
    """What ``schema().dump(data)`` gives, with orjson left to write UUIDs and datetimes."""
    instance = schema_instance(schema)
    dumped = _dumper(instance)(data)
    if CHECK:
        _compare(instance, data, dumped)
    return dumped


def _compare(instance: ma.Schema, data: Any, dumped: Any) -> None:
    expected, got = orjson.dumps(instance.dump(data)), orjson.dumps(dumped)
    if expected != got:
        raise AssertionError(f"{type(instance).__name__}: the fast dump wrote {got!r}, marshmallow {expected!r}")


_dumpers: dict[int, tuple[ma.Schema, _Dump]] = {}


def _dumper(instance: ma.Schema) -> _Dump:
    known = _dumpers.get(id(instance))
    if known is None:
        known = _dumpers[id(instance)] = (instance, _compile(instance))  # the instance kept: its id stays its
    return known[1]


def _compile(instance: ma.Schema) -> _Dump:
    if (type(instance).get_attribute is not ma.Schema.get_attribute
            or any(hook[0] in ("pre_dump", "post_dump") for hook in instance._hooks)):
        return instance.dump
    one = _compile_one(instance)
    if instance.many:  # a Nested(many=True)'s schema: a list of them
        return lambda objs: [one(obj) for obj in objs]
    return one


def _compile_one(instance: ma.Schema) -> _Dump:
    plan = [(field.data_key or name, field.attribute or name, field, _unchanged(field, value_dump), value_dump)
            for name, field in instance.dump_fields.items() for value_dump in (_value_dumper(field),)]
    if any("." in attribute for _, attribute, *_ in plan):
        return functools.partial(instance.dump, many=False)  # a dotted attribute: marshmallow's own lookup

    def dump(obj: Any) -> dict[str, Any]:
        get = obj.get if isinstance(obj, Mapping) or type(obj) is asyncpg.Record else functools.partial(getattr, obj)
        out = {}
        for key, attribute, field, kinds, value_dump in plan:
            value = get(attribute, _MISSING)
            if type(value) in kinds:
                out[key] = value
            elif value is _MISSING or value_dump is None:
                value = field.serialize(attribute, obj)  # marshmallow's lookup, default and field
                if value is not _MISSING:
                    out[key] = value
            else:
                out[key] = value_dump(value, attribute, obj)
        return out

    return dump


def _value_dumper(field: ma.fields.Field) -> Callable[[Any, str, Any], Any] | None:
    """How a field writes a present value, or None when only its own ``serialize`` knows."""
    if _plain(field, ma.fields.UUID):
        return _uuid_text(field)
    if _as_is(field):
        return field._serialize  # a value of another kind than it writes unchanged
    if _plain(field, ma.fields.List) and _as_is(field.inner):
        return _passing_items(_as_is(field.inner), field)
    if type(field) is ma.fields.Nested:
        return _nested(field)
    if type(field) is ma.fields.Raw:
        return lambda value, attribute, obj: value
    return None


def _unchanged(field: ma.fields.Field, value_dump) -> frozenset[type]:
    """The types of value a field writes as they are: None for each field whose own
    ``_serialize`` is known here (it has a ``value_dump``), plus what ``_as_is`` says."""
    if value_dump is None:
        return frozenset()
    return frozenset((type(None), *(_as_is(field) or ())))


def _plain(field: ma.fields.Field, base: type[ma.fields.Field]) -> bool:
    """A ``base`` field (or a subclass's) that writes values as ``base`` does."""
    return isinstance(field, base) and type(field)._serialize is base._serialize


def _as_is(field: ma.fields.Field) -> tuple[type, ...] | None:
    """The types of value the field writes unchanged (orjson then writing them as it would)."""
    if type(field) is ma.fields.Integer and not field.as_string:
        return (int,)
    if _plain(field, ma.fields.DateTime) and field.format in (None, "iso"):
        return (datetime.datetime,)  # orjson writes an aware or naive datetime as isoformat() does
    if _plain(field, ma.fields.UUID):
        return (uuid.UUID,)
    if _plain(field, ma.fields.String):
        return (str,)
    if _plain(field, ma.fields.Boolean):
        return (bool,)
    return None


def _uuid_text(field: ma.fields.UUID) -> Callable[[Any, str, Any], Any]:
    def value_dump(value, attribute, obj):
        if isinstance(value, uuid.UUID):
            return str(value)  # asyncpg's own UUID, which orjson does not write
        return field._serialize(value, attribute, obj)

    return value_dump


def _passing_items(kinds: tuple[type, ...], field: ma.fields.List) -> Callable[[Any, str, Any], Any]:
    def value_dump(value, attribute, obj):
        if (type(value) is list or type(value) is tuple) and all(type(item) in kinds for item in value):
            return list(value)
        return field._serialize(value, attribute, obj)

    return value_dump


def _nested(field: ma.fields.Nested) -> Callable[[Any, str, Any], Any]:
    def value_dump(value, attribute, obj):
        if value is None:
            return None
        return _dumper(field.schema)(value)  # the nested schema, with the field's many, only and exclude

    return value_dump
