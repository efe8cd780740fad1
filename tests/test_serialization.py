"""The fast dump writes what marshmallow's own dump writes, for every kind of field and value.
(Every response of the suite is also compared, by ``serialization.CHECK``, set in conftest.)"""
from __future__ import annotations

import dataclasses
import datetime
import uuid

import asyncpg.pgproto.pgproto as pgproto
import marshmallow as ma
import orjson
import pytest

from nexgate import serialization
from nexgate.validation import Text

AWARE = datetime.datetime(2026, 12, 1, 9, 30, 5, 120000, tzinfo=datetime.UTC)
ID = uuid.UUID("0b7e7c2a-6d1e-4b8e-9d55-5f0cbb2f8a11")


class CardSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    title = ma.fields.String()


class EverythingSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = Text()
    count = ma.fields.Integer()
    count_text = ma.fields.Integer(as_string=True)
    flag = ma.fields.Boolean()
    at = ma.fields.AwareDateTime()
    day_text = ma.fields.DateTime(format="%Y-%m-%d")
    tags = ma.fields.List(ma.fields.String())
    numbers = ma.fields.List(ma.fields.Integer())
    card = ma.fields.Nested(CardSchema, allow_none=True)
    cards = ma.fields.Nested(CardSchema, many=True)
    only_ids = ma.fields.Nested(CardSchema, only=("id",), many=True)
    renamed = ma.fields.String(data_key="renamedKey")
    from_other = ma.fields.String(attribute="other")
    absent = ma.fields.String()
    with_default = ma.fields.String(dump_default="fallback")
    raw = ma.fields.Raw()
    price = ma.fields.Float()
    computed = ma.fields.Method("_computed")
    secret = ma.fields.String(load_only=True)

    def _computed(self, obj):
        return "computed"


def _values(**changes):
    values = {
        "id": ID, "name": "Amina", "count": 3, "count_text": 4, "flag": True, "at": AWARE, "day_text": AWARE,
        "tags": ["a", "b"], "numbers": (1, 2), "card": {"id": ID, "title": "x"},
        "cards": [{"id": pgproto.UUID(str(ID)), "title": "y"}], "only_ids": [{"id": ID, "title": "z"}],
        "renamed": "r", "other": "o", "raw": {"k": [1, "v"]}, "price": 1.5, "computed": None, "secret": "s",
    }
    return values | changes


@pytest.mark.parametrize("changes", [
    {},
    {"id": pgproto.UUID(str(ID))},  # asyncpg's UUID, which orjson cannot write
    {"id": str(ID), "name": 5, "count": "7", "flag": 1, "tags": ("x", 3), "numbers": ["1"]},  # other kinds
    {"name": None, "count": None, "flag": None, "at": None, "tags": None, "card": None, "cards": [], "raw": None},
    {"at": datetime.datetime(2026, 12, 1, 9, 30)},  # naive, whole seconds
    {"at": AWARE.astimezone(datetime.timezone(datetime.timedelta(hours=3)))},  # East Africa Time
])
def test_every_kind_of_field_and_value_is_written_as_marshmallow_writes_it(changes):
    data = _values(**changes)
    expected = orjson.dumps(EverythingSchema().dump(data))
    assert orjson.dumps(serialization.dump(EverythingSchema, data)) == expected


def test_an_object_is_read_by_attribute_as_marshmallow_reads_it():
    @dataclasses.dataclass
    class Card:
        id: uuid.UUID
        title: str | None

    card = Card(ID, None)
    assert serialization.dump(CardSchema, card) == {"id": ID, "title": None} == CardSchema().dump(card) | {"id": ID}


def test_a_dump_that_differs_from_marshmallows_fails_where_checked(monkeypatch):
    monkeypatch.setattr(serialization, "CHECK", True)
    monkeypatch.setattr(serialization, "_dumper", lambda instance: lambda data: {"id": "forged"})
    with pytest.raises(AssertionError, match="CardSchema"):
        serialization.dump(CardSchema, {"id": ID})
