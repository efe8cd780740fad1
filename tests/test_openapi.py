"""The OpenAPI document is valid OpenAPI 3 and documents what the server serves."""
from __future__ import annotations

from openapi_spec_validator import validate

from nexgate.app import all_routes
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
