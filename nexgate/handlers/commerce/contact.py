"""Contacting a seller from a product page: a product message in the buyer's conversation with
the shop's owner."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import contact
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .discovery_schemas import ContactIn, ContactSchema
from .schemas import PRODUCT_ID

routes = Routes("commerce")



@routes.post("/api/products/{product_id}/contact", summary="Message the seller about a product", ids=(PRODUCT_ID,),
             body=ContactIn, body_optional=True, response=ContactSchema, status=201, other_statuses=(200,),
             errors=(403, 404, 409, 429))
async def contact_seller(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """Opens your one-to-one conversation with the shop's owner (or reuses the one you have) and
    sends a product message in it: its banner is the product as it is now (name, first image,
    lowest price, shop). 201; 200 with the stored message for a `client_id` already used (409
    `client_id_reused` if it was used in another conversation). A product you may not see
    (hidden across a block either way, a draft, a suspended shop's) is 404 `product_not_found`;
    your own shop's product 422 `own_product`; a seller who takes messages only from people they
    follow 403 `messages_restricted`; the messages rate limit 429."""
    done = await contact.contact_seller(request.app[PLATFORM], caller(request), product_id, **body)
    return json_response(ContactSchema, {"conversation": done.conversation, "message": done.message,
                                         "conversation_created": done.conversation_created},
                         201 if done.message_created else 200)
