"""What a post is made of, checked as it is written or edited (docs/social.md, "Entities",
"Media", "Embeds"): its text's entities resolved to users and shops under the reach rules, its
media attached through the media area, its embeds checked with their owning areas."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

from ... import entities as text_entities
from ...errors import DomainError, Invalid
from ...platform import Platform
from ..commerce import cards as commerce_cards
from ..commerce import shops
from ..events import cards as event_cards
from ..media import attachments
from ..users import named, visibility
from .posts_repository import Embed

MEDIA_PURPOSE = "post"
MAX_EMBEDS = 10
MAX_POSITIONS = 20  # post_embeds.position: explicit embeds, then the shops $mentioned in the text


@dataclasses.dataclass(frozen=True)
class Text:
    text: str
    entities: list[dict[str, Any]]
    mentioned: list[uuid.UUID]  # the users mentioned, the author left out
    shop_ids: list[uuid.UUID]  # the shops $mentioned


async def text(platform: Platform, conn, author_id: uuid.UUID, raw: str) -> Text:
    """The text as typed with its entities (``resolve``)."""
    resolved, mentioned = await resolve(platform, conn, author_id, text_entities.parse(raw))
    shop_ids = list(dict.fromkeys(uuid.UUID(e["shop_id"]) for e in resolved if e["type"] == "shop"))
    return Text(raw, resolved, mentioned, shop_ids)


async def resolve(platform: Platform, conn, author_id: uuid.UUID,
                  found: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
    """Parsed entities resolved: each ``@mention`` of a user given its ``user_id`` (a name of no
    one stays plain text) and each ``$handle`` of a shop its ``shop_id``; and the users
    mentioned, the author left out. Mentioning someone out of reach (who blocked you, or whom
    you blocked) is 422 ``mention_not_allowed`` naming ``text``."""
    names = text_entities.usernames(found)
    ids = await named.ids_by_usernames(conn, names)
    refused = []
    for name in names:
        user_id = ids.get(name.lower())
        if user_id is None:
            continue
        try:
            visibility.require_reach(await visibility.relationship_in(conn, author_id, user_id), author_id, user_id,
                                     "mention")
        except DomainError:
            refused.append(name)
    if refused:
        raise Invalid.fields("body", {"text": [f"You cannot mention @{name}." for name in refused]},
                             code="mention_not_allowed", message="You cannot mention some of these users",
                             usernames=refused)
    shown = await shops.resolve_handles(platform, author_id, text_entities.handles(found))
    resolved = []
    for entity in found:
        if entity["type"] == "mention":
            user_id = ids.get(entity["username"].lower())
            if user_id is None:
                continue
            entity = {**entity, "user_id": str(user_id)}
        elif entity["type"] == "shop":
            shop = shown.get(entity["handle"].lower())
            if shop is None:
                continue
            entity = {**entity, "shop_id": str(shop.id)}
        resolved.append(entity)
    mentioned = list(dict.fromkeys(uuid.UUID(e["user_id"]) for e in resolved if e["type"] == "mention"))
    return resolved, [i for i in mentioned if i != author_id]


async def media(conn, author_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> list[str]:
    """The kinds of the media (image, video), once each is the author's own, ready and of
    purpose ``post``; a refusal names ``media_ids``."""
    try:
        found = await attachments.attach(conn, owner_id=author_id, media_ids=media_ids, purpose=MEDIA_PURPOSE)
    except DomainError as refused:
        raise type(refused).fields("body", {"media_ids": refused.message}, message=refused.message,
                                   code=refused.code, **refused.details) from refused
    return [m.kind for m in found]


async def embeds(conn, author_id: uuid.UUID, wanted: Sequence[dict[str, Any]],
                 mentioned_shop_ids: Sequence[uuid.UUID], *, kept: frozenset = frozenset()) -> list[Embed]:
    """The post's embeds in order: those of the body (each a published product, an open or
    closed shop, a published event, that the author may see; else 422 ``embed_not_available``
    naming ``embeds.N.id``; the same one twice is 422 naming the second), then the shops its text
    ``$mentions`` that are not embedded already. What an edit keeps (``kept``: (kind, id)) is not
    checked again: an embed that was published when posted stays, showing its state now."""
    problems: dict[str, Any] = {}
    seen: set[tuple[str, uuid.UUID]] = set()
    for n, item in enumerate(wanted):
        key = (item["kind"], item["id"])
        if key in seen:
            problems[str(n)] = {"id": ["Embedded twice."]}
        seen.add(key)
    if problems:
        raise Invalid.fields("body", {"embeds": problems}, code="embed_duplicate", message="An embed is there twice")
    of = {kind: [item["id"] for item in wanted if item["kind"] == kind and (kind, item["id"]) not in kept]
          for kind in ("product", "shop", "event")}
    bad_products, bad_shops = await commerce_cards.unembeddable(conn, author_id, of["product"], of["shop"]) \
        if of["product"] or of["shop"] else (set(), set())
    bad_events = await event_cards.unembeddable(conn, author_id, of["event"]) if of["event"] else set()
    bad = {"product": bad_products, "shop": bad_shops, "event": bad_events}
    problems = {str(n): {"id": [f"No published {item['kind']} you may embed has this id."]}
                for n, item in enumerate(wanted) if item["id"] in bad[item["kind"]]}
    if problems:
        raise Invalid.fields("body", {"embeds": problems}, code="embed_not_available",
                             message="Some embeds do not exist or are not published")
    found = [Embed(item["kind"], item["id"], "link" if item["kind"] == "shop" else None) for item in wanted]
    found += [Embed("shop", shop_id, "mention") for shop_id in mentioned_shop_ids if ("shop", shop_id) not in seen]
    return found[:MAX_POSITIONS]


def post_type(media_kinds: Sequence[str], found: Sequence[Embed], has_poll: bool) -> str:
    """What the post shows first: a product or an event it embeds first (a product or event
    post), else its poll, else its media (image, video, or mixed), else its text."""
    first = next((e.kind for e in found if e.kind in ("product", "event")), None)
    if first is not None:
        return first
    if has_poll:
        return "poll"
    kinds = set(media_kinds)
    if not kinds:
        return "text"
    return kinds.pop() if len(kinds) == 1 else "mixed"
