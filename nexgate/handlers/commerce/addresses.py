"""The address book: where the caller has things delivered."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import addresses
from ...domain.commerce.views import address_view
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import ADDRESS_ID, AddressIn, AddressListSchema, AddressSchema, AddressUpdate

routes = Routes("commerce")


@routes.get("/api/addresses", summary="Your addresses", response=AddressListSchema)
async def list_addresses(request: web.Request) -> web.Response:
    """The default first, then the newest (at most 20)."""
    found = await addresses.addresses_of(request.app[PLATFORM], caller(request))
    return json_response(AddressListSchema, {"items": [address_view(address) for address in found]})


@routes.post("/api/addresses", summary="Add an address", body=AddressIn, response=AddressSchema, status=201,
             errors=(409,))
async def add_address(request: web.Request, *, body: dict) -> web.Response:
    """Your first address becomes your default, as does one sent with `is_default: true`. A phone
    that is no valid number of the address's country (written without +country code, it is read
    as one) is 422 naming `phone`. At most 20 (409 `too_many_addresses`)."""
    found = await addresses.add(request.app[PLATFORM], caller(request), body)
    return json_response(AddressSchema, address_view(found), 201)


@routes.get("/api/addresses/{address_id}", summary="One of your addresses", ids=(ADDRESS_ID,),
            response=AddressSchema)
async def get_address(request: web.Request, *, address_id: uuid.UUID) -> web.Response:
    """404 `address_not_found` for one that is not yours (or was deleted)."""
    found = await addresses.address_of(request.app[PLATFORM], caller(request), address_id)
    return json_response(AddressSchema, address_view(found))


@routes.patch("/api/addresses/{address_id}", summary="Change an address, or make it your default",
              ids=(ADDRESS_ID,), body=AddressUpdate, response=AddressSchema)
async def update_address(request: web.Request, *, body: dict, address_id: uuid.UUID) -> web.Response:
    """404 `address_not_found` for one that is not yours, with nothing changed. `is_default: true`
    makes it the default and no other; `false` on your default is 422 (make another the default)."""
    found = await addresses.update(request.app[PLATFORM], caller(request), address_id, body)
    return json_response(AddressSchema, address_view(found))


@routes.delete("/api/addresses/{address_id}", summary="Delete an address", ids=(ADDRESS_ID,), status=204)
async def delete_address(request: web.Request, *, address_id: uuid.UUID) -> web.Response:
    """If it was your default, your newest other address becomes the default."""
    await addresses.delete(request.app[PLATFORM], caller(request), address_id)
    return web.Response(status=204)
