"""The ticket signing keys: published for scanners (JWKS and PEM, no sign-in), rotated and
retired by operators (docs/events.md, "The ticket format")."""
from __future__ import annotations

from aiohttp import web

from ...domain.events import signing, ticket_format
from ...domain.events.views import signing_key_view
from ...keys import PLATFORM
from ..routing import Routes, json_response
from .ticket_schemas import TicketKeySetSchema, SigningKeyListSchema, SigningKeySchema

routes = Routes("events")
OPERATORS = ("admin",)


@routes.get("/api/events/keys", summary="The public keys that sign tickets (JWKS)", response=TicketKeySetSchema,
            auth=False)
async def jwks(request: web.Request) -> web.Response:
    """A JSON Web Key Set (RFC 7517): every key by its `kid` (the key id a ticket's payload
    names), RSA, `alg` PS256, with its `state`: `active`, `rotated` (still verifies) or `retired`
    (what it signed no longer admits). Scanners keep it to verify tickets offline."""
    keys = await signing.published(request.app[PLATFORM])
    return json_response(TicketKeySetSchema, {"keys": [ticket_format.jwk(key.id, key.state, key.public_key_pem)
                                               for key in keys]})


@routes.get("/api/events/keys/{kid}.pem", summary="One ticket signing key, as PEM", auth=False,
            content_type="application/x-pem-file", errors=(404,))
async def pem(request: web.Request) -> web.Response:
    """The SubjectPublicKeyInfo PEM of the key `kid`, for `openssl dgst -verify` (docs/events.md).
    Its state is in the `Nexgate-Key-State` header. 404 `ticket_key_not_found`."""
    key = await signing.public_key(request.app[PLATFORM], request.match_info["kid"])
    return web.Response(text=key.public_key_pem, content_type="application/x-pem-file",
                        headers={"Nexgate-Key-State": key.state})


@routes.get("/api/admin/events/keys", summary="The ticket signing keys, for operators", roles=OPERATORS,
            response=SigningKeyListSchema)
async def list_keys(request: web.Request) -> web.Response:
    """Admin role. Newest first."""
    keys = await signing.published(request.app[PLATFORM])
    return json_response(SigningKeyListSchema, {"items": [signing_key_view(key) for key in keys]})


@routes.post("/api/admin/events/keys/rotate", summary="Rotate the ticket signing key, for operators",
             roles=OPERATORS, response=SigningKeySchema, status=201)
async def rotate(request: web.Request) -> web.Response:
    """Admin role. A new key signs every ticket from now on; the previous one becomes `rotated`
    and still verifies the tickets it signed. Answers the new key."""
    return json_response(SigningKeySchema, signing_key_view(await signing.rotate(request.app[PLATFORM])), 201)


@routes.post("/api/admin/events/keys/{kid}/retire", summary="Retire a ticket signing key, for operators",
             roles=OPERATORS, response=SigningKeySchema, errors=(404, 409))
async def retire(request: web.Request) -> web.Response:
    """Admin role: for a key thought compromised. Every ticket it signed answers
    `ticket_key_retired` at check-in from now on (scanners see the state in the published keys);
    the active key retired, the next ticket issued makes a new one. 404 `ticket_key_not_found`;
    409 `ticket_key_retired`."""
    key = await signing.retire(request.app[PLATFORM], request.match_info["kid"])
    return json_response(SigningKeySchema, signing_key_view(key))
