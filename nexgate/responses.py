"""JSON responses, all serialised by orjson, and the one error envelope."""
from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web


def json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Non-string keys: marshmallow names a bad list item by its index.
    return web.Response(body=orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), status=status, headers=headers,
                        content_type="application/json", charset="utf-8")


def one_line(reason: object, limit: int = 200) -> str:
    """A reason for an error message on one line of at most ``limit`` characters (a parser's
    message may span lines and quote the bytes it refused)."""
    return " ".join(str(reason).split())[:limit]


def error(status: int, code: str, message: str, details: dict | None = None, headers=None) -> web.Response:
    return json({"error": {"code": code, "message": message, "details": details or {}}}, status, headers)
