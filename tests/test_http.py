"""The middleware stack as a client sees it: request ids, the error envelope, body limits."""
from __future__ import annotations

import dataclasses

import marshmallow as ma
from aiohttp import web

from nexgate.app import create_app
from nexgate.handlers.routing import Routes


class GreetingSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))
    times = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=3))


test_routes = Routes("test")


@test_routes.post("/test/greet", summary="Greet someone", body=GreetingSchema, auth=False)
async def _greet(request: web.Request, *, body: dict) -> web.Response:
    return web.json_response({"greeting": " ".join([f"hello {body['name']}"] * body["times"])})


async def _explode(request: web.Request) -> web.Response:
    raise RuntimeError("secret internals")


async def _dependency_refuses(request: web.Request) -> web.Response:
    raise ConnectionRefusedError("a dependency refused the connection")  # not the client's doing


async def app_with_test_routes(aiohttp_client, config):
    app = create_app(dataclasses.replace(config, max_body_bytes=2048))
    test_routes.add_to(app)
    app.router.add_get("/test/explode", _explode)
    app.router.add_get("/test/dependency-refuses", _dependency_refuses)
    return await aiohttp_client(app)


def assert_envelope(body: dict, code: str) -> dict:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


async def test_request_id_is_generated_and_echoed(client):
    generated = await client.get("/health/live")
    assert generated.status == 200
    assert len(generated.headers["X-Request-ID"]) == 32
    another = await client.get("/health/live")
    assert another.headers["X-Request-ID"] != generated.headers["X-Request-ID"]
    echoed = await client.get("/health/live", headers={"X-Request-ID": "mobile-1234.abc"})
    assert echoed.headers["X-Request-ID"] == "mobile-1234.abc"
    # A header that could forge log lines is replaced, not echoed.
    forged = await client.get("/health/live", headers={"X-Request-ID": "bad id\" injected"})
    assert forged.headers["X-Request-ID"] != "bad id\" injected"


async def test_valid_body_is_accepted(aiohttp_client, config):
    client = await app_with_test_routes(aiohttp_client, config)
    response = await client.post("/test/greet", json={"name": "Amina", "times": 2})
    assert response.status == 200
    assert await response.json() == {"greeting": "hello Amina hello Amina"}


async def test_unknown_route_and_method(client):
    missing = await client.get("/api/nothing-here")
    assert missing.status == 404
    assert "/api/nothing-here" in assert_envelope(await missing.json(), "not_found")["message"]
    wrong_method = await client.delete("/health/live")
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "GET"
    assert_envelope(await wrong_method.json(), "method_not_allowed")


async def test_malformed_json(aiohttp_client, config):
    client = await app_with_test_routes(aiohttp_client, config)
    response = await client.post("/test/greet", data=b'{"name": "Amina",', headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "not valid JSON" in assert_envelope(await response.json(), "malformed_json")["message"]


async def test_wrong_content_type(aiohttp_client, config):
    client = await app_with_test_routes(aiohttp_client, config)
    response = await client.post("/test/greet", data=b"name=Amina", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 415
    assert "application/json" in assert_envelope(await response.json(), "unsupported_media_type")["message"]


async def test_every_bad_field_is_named(aiohttp_client, config):
    client = await app_with_test_routes(aiohttp_client, config)
    response = await client.post("/test/greet", json={"name": "", "times": 9, "extra": True})
    assert response.status == 422
    error = assert_envelope(await response.json(), "invalid")
    assert set(error["details"]["fields"]) == {"name", "times", "extra"}
    not_an_object = await client.post("/test/greet", json=["Amina"])
    assert not_an_object.status == 422


async def test_oversized_body(aiohttp_client, config):
    client = await app_with_test_routes(aiohttp_client, config)
    response = await client.post("/test/greet", json={"name": "x" * 5000})
    assert response.status == 413
    assert "2048" in assert_envelope(await response.json(), "payload_too_large")["message"]


async def test_server_error_hides_internals(aiohttp_client, config):
    client = await app_with_test_routes(aiohttp_client, config)
    response = await client.get("/test/explode")
    assert response.status == 500
    text = await response.text()
    assert "secret internals" not in text and "Traceback" not in text
    assert_envelope(await response.json(), "internal")
    # A connection error while the client is still there is ours (a dependency), not a hang-up.
    refused = await client.get("/test/dependency-refuses", headers={"X-Request-ID": "dependency-1"})
    assert refused.status == 500 and refused.headers["X-Request-ID"] == "dependency-1"
    assert_envelope(await refused.json(), "internal")


async def test_cors_preflight_for_configured_origin(make_client, config):
    client = await make_client(dataclasses.replace(config, cors_origins=("https://app.nexgate.example",)))
    preflight = await client.options(
        "/health/live",
        headers={"Origin": "https://app.nexgate.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.nexgate.example"
    foreign = await client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


async def test_a_wrong_method_names_only_the_methods_of_that_exact_path(client):
    # /api/users/me (GET) also matches /api/users/{user_id} (GET, PATCH, which answer 404 for "me"),
    # /api/users/me/verification (GET) also /api/users/{user_id}/verification (POST, DELETE).
    for method, path, allowed in (("DELETE", "/api/users/me", "GET"),
                                  ("PUT", "/api/users/me/verification", "GET"),
                                  ("PUT", "/api/messages/search", "GET"),
                                  ("PUT", "/api/users/00000000-0000-4000-8000-000000000000/block", "DELETE, POST")):
        response = await client.request(method, path)
        assert response.status == 405, path
        assert response.headers["Allow"] == allowed, path
        assert f"allowed: {allowed}" in assert_envelope(await response.json(), "method_not_allowed")["message"]
