"""Contacting a seller from a product (spec 003, "Product-Context Messaging"; docs/commerce.md,
"Contacting the seller"): the buyer's one-to-one conversation with the shop's owner (the
existing one, or a new one) and, in it, a product message: its banner built from the product
(``messages.products.product_snapshot``), its text the buyer's or the default ("Hi, I'm
interested in ..."). The messages area's rules hold: a block either way (the product is then
404 to the buyer already), the seller's "only people I follow" setting, the messages rate limit,
and a client id makes it idempotent.
"""
from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from ...errors import Invalid
from ...platform import Platform
from ..auth.caller import Caller
from ..messages import conversations, sending
from . import products
from . import shops_repository


@dataclasses.dataclass(frozen=True)
class Contacted:
    conversation: dict[str, Any]
    message: dict[str, Any]
    conversation_created: bool
    message_created: bool  # False: the client id was used already, and this is that message


async def contact_seller(platform: Platform, caller: Caller, product_id: uuid.UUID, *, text: str | None = None,
                         client_id: str | None = None) -> Contacted:
    async with platform.core.connection() as conn:
        product = await products.visible_product(conn, caller.user_id, product_id)
        shop = await shops_repository.shop_by_id(conn, product.shop_id)
        if await shops_repository.staff_role(conn, shop.id, caller.user_id) is not None:
            raise Invalid("This is your own shop's product", code="own_product")
    started = await conversations.start_direct(platform, caller, shop.owner_id)
    conversation_id = uuid.UUID(str(started.conversation["id"]))
    sent = await sending.send(platform, caller, conversation_id, text=text, client_id=client_id,
                              product={"product_id": product_id})
    conversation = await conversations.get(platform, caller, conversation_id)  # with the message as its last
    return Contacted(conversation, sent.message, started.created, sent.created)
