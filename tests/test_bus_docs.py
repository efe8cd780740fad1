"""docs/bus.md stays true: its event catalogue lists every declared event with its payload
fields and their types, and nothing that is not declared."""
from __future__ import annotations

import pathlib
import re

import nexgate.app  # noqa: F401  (imports every area, and with it every area's events module)
from nexgate.bus import catalogue

DOC = (pathlib.Path(__file__).parent.parent / "docs" / "bus.md").read_text()
ROW = re.compile(r"^\| `([a-z0-9_.]+)` \| (.+?) \| .+ \|$", re.MULTILINE)
FIELD = re.compile(r"`([a-z0-9_]+)` ([a-z ]+)")


def _section(title: str) -> str:
    return DOC.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _documented() -> dict[str, dict[str, str]]:
    """Each event of the catalogue section: its payload fields and their types as written."""
    events = {}
    for name, payload in ROW.findall(_section("Event catalogue")):
        assert name not in events, f"{name} is documented twice"
        fields = [FIELD.fullmatch(item) for item in payload.split(", ")]
        assert all(fields), f"{name}: payload {payload!r} is not a list of `field` type"
        events[name] = {match[1]: match[2] for match in fields}
    return events


def test_the_catalogue_documents_every_declared_event_and_nothing_else():
    assert set(_documented()) == set(catalogue.declared())


def test_each_event_is_documented_with_its_declared_payload_fields_and_types():
    documented = _documented()
    for name, declaration in catalogue.declared().items():
        assert documented.get(name) == {field: kind.name for field, kind in declaration.fields.items()}, name


def test_each_area_declares_its_events_under_its_own_heading():
    for name in catalogue.declared():
        area = name.split(".", 1)[0]
        table = DOC.split(f"\n### {area}\n", 1)[1].split("\n### ", 1)[0]
        assert f"| `{name}` |" in table, f"{name} is not under ### {area}"
