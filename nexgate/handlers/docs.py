"""The OpenAPI document and a browsable page for it (Swagger UI, served from the
swagger-ui-bundle package so the page works without reaching a CDN)."""
from __future__ import annotations

from pathlib import Path

import orjson
import swagger_ui_bundle
from aiohttp import web

from ..keys import OPENAPI
from .routing import Routes

routes = Routes("docs")
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8"><title>Nexgate API</title>
  <link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/static/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


@routes.get("/api/openapi.json", summary="This OpenAPI document", auth=False)
async def openapi_document(request: web.Request) -> web.Response:
    return web.Response(body=orjson.dumps(request.app[OPENAPI]()), content_type="application/json")


@routes.get("/api/docs", summary="Browsable API documentation", auth=False, content_type="text/html")
async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


def add_static(app: web.Application) -> None:
    app.router.add_static("/api/docs/static", SWAGGER_UI, name="swagger-ui")
