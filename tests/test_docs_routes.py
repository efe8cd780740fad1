"""Every REST route the client docs name exists (with the method they name): a client written
from the docs alone calls routes that answer."""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).parent.parent
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
SEGMENT = r"(?:[A-Za-z0-9_.-]+|\{[^}]+\}(?:\.[A-Za-z0-9]+)?)"  # {kid}.pem: a file name made of an id
MENTION = re.compile(rf"(?:\b(GET|POST|PUT|PATCH|DELETE) +)?(/api(?:/{SEGMENT})+)")
NOT_ROUTES = {  # named on purpose though not served (yet)
    "/api/things",  # architecture.md: the examples of a route declaration
    "/api/things/{}",
    "/api/products/{}/contact",  # messages.md: comes with commerce
    "/api/posts/{}",  # operations.md: an example of a metric's route label
    "/api/auth",  # auth.md: the refresh cookie's path
}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("."))


def _mentions() -> set[tuple[str, str | None, str]]:
    return {(doc.name, method or None, _template(path)) for doc in DOCS for method, path in MENTION.findall(doc.read_text())}


async def test_every_route_the_docs_name_is_served(client):
    served: dict[str, set[str]] = {}
    for route in client.app.router.routes():
        served.setdefault(_template(route.resource.canonical), set()).add(route.method)
    wrong = sorted(
        (doc, method or "", path) for doc, method, path in _mentions()
        if path not in NOT_ROUTES and (path not in served or (method and method not in served[path]))
    )
    assert not wrong, f"docs name routes the server does not serve: {wrong}"


def test_the_check_finds_the_mentions():
    mentions = _mentions()
    assert ("websocket.md", "POST", "/api/auth/refresh-token") in mentions
    assert ("privacy.md", "GET", "/api/users/{}") in mentions
