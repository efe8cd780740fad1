"""Posts: writing one (published at once or saved as a draft), and reading posts as a viewer may
see them (docs/social.md, "Posts", "Entities", "Visibility").

``visible_posts`` is the one reader: a single post, a feed page and a post's embedded original
all go through it, in a fixed number of queries whatever the number of posts.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ... import entities as text_entities
from ...errors import DomainError, Invalid
from ...platform import Platform
from ..auth.caller import Caller
from ..commerce import shops
from ..media import attachments
from ..users import named, visibility
from . import access, publishing
from . import posts_repository as repository
from .views import NO_VIEWER_STATE, PostView, post_view

MAX_TEXT = 5000
MAX_MEDIA = 20
VISIBILITIES = ("public", "followers", "private")
MEDIA_PURPOSE = "post"


# writing

async def _resolve_mentions(platform: Platform, conn, author_id: uuid.UUID,
                            found: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
    """The entities with each ``@mention`` of a user given its ``user_id`` (a name of no one
    stays plain text) and each ``$handle`` of a shop its ``shop_id``; and the users mentioned.
    Mentioning someone out of reach (who blocked you, or whom you blocked) is 422
    ``mention_not_allowed`` naming them."""
    ids = await named.ids_by_usernames(conn, text_entities.usernames(found))
    refused = []
    for name in text_entities.usernames(found):
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
    return resolved, [user_id for user_id in mentioned if user_id != author_id]


def _post_type(media_kinds: Sequence[str]) -> str:
    kinds = set(media_kinds)
    if not kinds:
        return "text"
    return kinds.pop() if len(kinds) == 1 else "mixed"


async def create_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """A new post of the caller's: published now (``publish``, the default) or saved as a draft.
    Its text is stored as typed; its entities are parsed from it and resolved."""
    text = body.get("text") or ""
    media_ids = list(body.get("media_ids") or [])
    if not text.strip() and not media_ids:
        raise Invalid.fields("body", {"text": ["A post needs text or media."]}, code="post_empty",
                             message="A post needs text or media")
    post_id = uuid.uuid4()
    async with platform.core.transaction("social.post_create") as conn:
        found, mentioned = await _resolve_mentions(platform, conn, caller.user_id, text_entities.parse(text))
        try:
            media = await attachments.attach(conn, owner_id=caller.user_id, media_ids=media_ids, purpose=MEDIA_PURPOSE)
        except DomainError as refused:
            raise type(refused).fields("body", {"media_ids": refused.message}, message=refused.message,
                                       code=refused.code, **refused.details) from refused
        await repository.insert_post(
            conn, id=post_id, author_id=caller.user_id, kind="original",
            post_type=_post_type([m.kind for m in media]), state="draft", visibility=body.get("visibility", "public"),
            text=text, entities=found, original_post_id=None, scheduled_at=None, published_at=None)
        await repository.insert_media(conn, post_id, media_ids)
        await repository.insert_mentions(conn, post_id, mentioned)
        if body.get("publish", True):
            await publishing.publish_in(conn, await repository.lock_post(conn, post_id))
    return await get_post(platform, caller.user_id, post_id)


# reading

async def get_post(platform: Platform, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> dict[str, Any]:
    """The post as the viewer (None: anonymous) sees it, or 404 ``post_not_found``."""
    shown = await visible_posts(platform, viewer_id, [post_id])
    if not shown:
        raise access.post_not_found()
    return shown[0]


async def may_see_post(platform: Platform, viewer_id: uuid.UUID | None, post_id: uuid.UUID) -> bool:
    """Whether the viewer may see the post (the post topic's check): one query."""
    async with platform.core.connection() as conn:
        row = (await repository.posts_for_viewer(conn, viewer_id, [post_id])).get(post_id)
    return row is not None and access.may_see(row, viewer_id)


async def visible_posts(platform: Platform, viewer_id: uuid.UUID | None,
                        post_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The views (``views.post_view``) of the posts of ``post_ids`` the viewer may see, in the
    order given; what they may not see (or what does not exist) is left out. A fixed number of
    queries whatever the count: the posts, their originals, their media (and the media's views),
    and the viewer's own state."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return []
    async with platform.core.connection() as conn:
        rows = await repository.posts_for_viewer(conn, viewer_id, ids)
        seen = {post_id: row for post_id, row in rows.items() if access.may_see(row, viewer_id)}
        original_ids = [row.original_post_id for row in seen.values()
                        if row.original_post_id is not None and row.original_post_id not in seen]
        originals = await repository.posts_for_viewer(conn, viewer_id, original_ids) if original_ids else {}
        seen_originals = {**{i: r for i, r in originals.items() if access.may_see(r, viewer_id)}, **seen}
        every = list(seen_originals)
        media_ids = await repository.media_of_posts(conn, every)
        states = await repository.viewer_states(conn, viewer_id, every) if viewer_id is not None else {}
    # the same for every viewer (no uploader-only fields): a post's media is what its readers see
    views = await attachments.attachment_views(platform, [m for ms in media_ids.values() for m in ms])

    def assemble(row, nested: bool) -> PostView:
        original = seen_originals.get(row.original_post_id) if row.original_post_id is not None else None
        return PostView(
            row=row, media=[views[m] for m in media_ids.get(row.id, []) if m in views], embeds=[], poll=None,
            viewer_state=states.get(row.id, NO_VIEWER_STATE),
            original=None if original is None or nested else assemble(original, True))

    return [post_view(assemble(seen[post_id], False)) for post_id in ids if post_id in seen]
