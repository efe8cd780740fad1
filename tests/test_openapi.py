"""The OpenAPI document is valid OpenAPI 3 and documents what the server serves."""
from __future__ import annotations

import marshmallow as ma
from openapi_spec_validator import validate

from nexgate import openapi

from nexgate.app import all_routes
from nexgate.handlers.routing import Routes
from nexgate.openapi import openapi_path


async def test_document_is_valid_openapi_3(client):
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    document = await response.json()
    validate(document)
    assert document["openapi"].startswith("3.")


async def test_every_route_is_documented_with_its_error_envelope(client):
    document = await (await client.get("/api/openapi.json")).json()
    declared = {(spec.method.lower(), openapi_path(spec.path)) for routes in all_routes() for spec in routes.specs if spec.in_openapi}
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert declared == documented
    assert document["paths"]["/health/ready"]["get"]["responses"]["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    served = {(route.method.lower(), route.resource.canonical) for route in client.app.router.routes()}
    assert declared <= served


async def test_browsable_page_and_its_assets_are_served_locally(client):
    page = await client.get("/api/docs")
    assert page.status == 200
    html = await page.text()
    assert "/api/openapi.json" in html and "/api/docs/static/swagger-ui-bundle.js" in html
    script = await client.get("/api/docs/static/swagger-ui-bundle.js")
    assert script.status == 200
    assert "SwaggerUIBundle" in await script.text()


async def test_auth_routes_say_which_need_a_token_and_which_are_limited(client):
    paths = (await (await client.get("/api/openapi.json")).json())["paths"]
    register = paths["/api/auth/register"]["post"]
    assert "security" not in register and {"409", "422", "429"} <= set(register["responses"])
    me = paths["/api/users/me"]["get"]
    assert me["security"] == [{"bearer": []}] and "401" in me["responses"]
    assert paths["/api/auth/devices/{device_id}"]["delete"]["parameters"][0]["name"] == "device_id"


async def test_a_repeated_create_answers_a_status_the_document_declares(client):
    """A repeated create (the same direct conversation, a reused client_id, a repeat follow)
    answers 200 where the first answered 201: the document declares both."""
    from tests.support.auth import signed_in_user

    responses = (await (await client.get("/api/openapi.json")).json())["paths"]
    me, other = await signed_in_user(client), await signed_in_user(client)
    answered: dict[tuple[str, str], list[int]] = {}

    async def post_twice(path: str, template: str, body: dict | None = None) -> dict:
        for _ in range(2):
            response = await client.post(path, json=body, headers=me["headers"])
            answered.setdefault((template, "post"), []).append(response.status)
        return await response.json()

    conversation = await post_twice("/api/conversations", "/api/conversations", {"user_ids": [other["user"]["id"]]})
    await post_twice(f"/api/conversations/{conversation['id']}/messages", "/api/conversations/{conversation_id}/messages",
                     {"text": "habari", "client_id": "c0ffee00-0000-4000-8000-000000000001"})
    await post_twice(f"/api/users/{other['user']['id']}/follow", "/api/users/{user_id}/follow")
    for (path, method), statuses in answered.items():
        assert statuses == [201, 200], (path, statuses)
        assert set(map(str, statuses)) <= set(responses[path][method]["responses"]), path


async def test_each_route_declares_the_errors_its_declaration_implies(client):
    paths = (await (await client.get("/api/openapi.json")).json())["paths"]
    declared = lambda path, method: set(map(int, paths[path][method]["responses"]))  # noqa: E731
    assert {401, 403} <= declared("/api/auth/login", "post")  # invalid_credentials, though no token is needed
    assert 401 in declared("/api/auth/refresh-token", "post")
    assert 422 in declared("/api/auth/verify-phone/send", "post")
    assert {400, 408, 413, 415, 422} <= declared("/api/media", "post")  # a body: multipart, not JSON
    assert 400 in declared("/api/conversations", "get")  # a query string over 8,190 bytes is unreadable

    class ThingSchema(ma.Schema):
        name = ma.fields.String(required=True)

    routes = Routes("things")

    @routes.post("/api/things/{thing_id}/copies", summary="Copy a thing", body=ThingSchema, response=ThingSchema,
                 status=201, other_statuses=(200,))
    async def copy_thing(request, *, body):
        raise AssertionError("never called")

    operation = openapi.build([routes], "http://localhost")["paths"]["/api/things/{thing_id}/copies"]["post"]
    assert set(operation["responses"]) == {"200", "201", "400", "401", "404", "408", "413", "415", "422", "429"}
    assert operation["responses"]["200"]["content"] == operation["responses"]["201"]["content"]
