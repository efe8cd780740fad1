"""Email templates: ``templates/email/<name>.subject.txt``, ``<name>.txt`` and ``<name>.html``.

Jinja2 (autoescaping the HTML part) rather than string formatting, so user-supplied
values such as display names can never inject markup into a message.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

from ...errors import Invalid
from ...providers.email import Email

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "email"


@functools.cache
def _environment(html: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@functools.cache
def available() -> frozenset[str]:
    """The templates shipped with the server (read once: they change only with a release)."""
    return frozenset(path.name.removesuffix(".subject.txt") for path in TEMPLATE_DIR.glob("*.subject.txt"))


@functools.cache
def _has_html(name: str) -> bool:
    return (TEMPLATE_DIR / f"{name}.html").exists()


def render(name: str, to: str, context: dict[str, Any]) -> Email:
    if name not in available():
        raise Invalid(f"No email template named {name!r}", details={"template": name})
    try:
        subject = _environment(False).get_template(f"{name}.subject.txt").render(context).strip()
        text = _environment(False).get_template(f"{name}.txt").render(context)
        html = _environment(True).get_template(f"{name}.html").render(context) if _has_html(name) else None
    except jinja2.UndefinedError as error:
        raise Invalid(f"Email template {name!r} needs more context: {error}", details={"template": name}) from None
    return Email(to=to, subject=subject, text=text, html=html)


def render_html(name: str, context: dict[str, Any]) -> str:
    """A template's HTML part alone, escaped as in an email: for a page served over HTTP too."""
    if name not in available():
        raise Invalid(f"No email template named {name!r}", details={"template": name})
    return _environment(True).get_template(f"{name}.html").render(context)
