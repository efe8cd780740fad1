"""The commerce area's topic kind: a product's live price and availability, ``product:<id>``."""
from __future__ import annotations

from ...domain.auth.caller import Caller
from ...domain.commerce import products
from ...platform import Platform
from ...ws.topics import TopicKind, topic_uuid


async def may_follow_product(platform: Platform, caller: Caller, ident: str) -> None:
    """Whoever may see the product's page (404 ``product_not_found`` otherwise)."""
    await products.require_visible(platform, caller, topic_uuid(ident, "product", "product"))


TOPICS = (TopicKind("product", may_follow_product),)
