"""Posts: writing one (published at once, scheduled, or saved as a draft), and reading posts as
a viewer may see them (docs/social.md, "Posts", "Entities", "Visibility").

``visible_posts`` is the one reader: a single post, a feed page and a post's embedded original
all go through it, in a fixed number of queries whatever the number of posts.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from ...errors import Invalid
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..commerce import cards as commerce_cards
from ..events import cards as event_cards
from ..media import attachments
from . import access, collaboration, composing, polls, publishing
from . import posts_repository as repository
from .views import PostView, embed_view, post_view

MAX_TEXT = 5000
MAX_MEDIA = 20
VISIBILITIES = ("public", "followers", "private")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def future(moment: datetime.datetime | None, field: str) -> datetime.datetime | None:
    """``moment`` if it is in the future, else 422 ``not_in_future`` naming ``field``."""
    if moment is not None and moment <= _now():
        raise Invalid.fields("body", {field: ["Must be in the future."]}, code="not_in_future",
                             message="That time has passed")
    return moment


async def create_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    """A new post of the caller's: published now (``publish``, the default), scheduled
    (``scheduled_at``) or saved as a draft. Its text is stored as typed; its entities are parsed
    from it and resolved; its media, embeds, poll and co-author invites are checked."""
    raw = body.get("text") or ""
    media_ids, poll = list(body.get("media_ids") or []), body.get("poll")
    if not raw.strip() and not media_ids and not body.get("embeds") and poll is None:
        raise Invalid.fields("body", {"text": ["A post needs text, media, an embed or a poll."]}, code="post_empty",
                             message="A post needs text, media, an embed or a poll")
    scheduled_at = future(body.get("scheduled_at"), "scheduled_at")
    if poll is not None:
        future(poll.get("expires_at"), "poll.expires_at")
    post_id, author_id = uuid.uuid4(), caller.user_id
    async with platform.core.transaction("social.post_create") as conn:
        text = await composing.text(platform, conn, author_id, raw)
        kinds = await composing.media(conn, author_id, media_ids)
        embeds = await composing.embeds(conn, author_id, body.get("embeds") or [], text.shop_ids)
        invited = await collaboration.invitees(conn, author_id, body.get("collaborator_ids") or [], "collaborator_ids")
        await repository.insert_post(
            conn, id=post_id, author_id=author_id, kind="original",
            post_type=composing.post_type(kinds, embeds, poll is not None), state="draft",
            visibility=body.get("visibility", "public"), text=raw, entities=text.entities, original_post_id=None,
            scheduled_at=None, published_at=None)
        await repository.insert_media(conn, post_id, media_ids)
        await repository.insert_mentions(conn, post_id, text.mentioned)
        await repository.insert_embeds(conn, post_id, embeds)
        if poll is not None:
            await repository.insert_poll(conn, post_id=post_id, question=poll.get("question"), options=poll["options"],
                                         allows_multiple=poll.get("allows_multiple", False),
                                         is_anonymous=poll.get("is_anonymous", False), expires_at=poll.get("expires_at"))
        await collaboration.write_invites(conn, post_id, author_id, invited)
        if scheduled_at is not None:
            await publishing.schedule_in(conn, post_id, scheduled_at)
        elif body.get("publish", True):
            await publishing.publish_in(conn, await repository.lock_post(conn, post_id))
    return await get_post(platform, author_id, post_id)


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
        return await access.seen_row(conn, viewer_id, post_id) is not None


async def visible_posts(platform: Platform, viewer_id: uuid.UUID | None,
                        post_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """The views (``views.post_view``) of the posts of ``post_ids`` the viewer may see, in the
    order given; what they may not see (or what does not exist) is left out. A fixed number of
    queries whatever the count: the posts (with the viewer's own state), their originals, and
    only for those that have them, their media, embeds and polls, the cards and media views."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return []
    async with platform.core.connection() as conn:
        rows = await repository.posts_for_viewer(conn, viewer_id, ids)
        seen = {post_id: row for post_id, row in rows.items() if access.may_see(row, viewer_id)}
        original_ids = [row.original_post_id for row in seen.values()
                        if row.original_post_id is not None and row.original_post_id not in seen]
        originals = await repository.posts_for_viewer(conn, viewer_id, original_ids) if original_ids else {}
        shown = {**{i: r for i, r in originals.items() if access.may_see(r, viewer_id)}, **seen}
        if not shown:
            return []
        with_media, with_embeds, with_poll = ([i for i, row in shown.items() if getattr(row, flag)]
                                               for flag in ("has_media", "has_embeds", "has_poll"))
        media_ids = await repository.media_of_posts(conn, with_media) if with_media else {}
        embeds = await repository.embeds_of_posts(conn, with_embeds) if with_embeds else {}
        poll_views = await polls.results_of_posts(conn, viewer_id, with_poll) if with_poll else {}
        wanted = {kind: list(dict.fromkeys(e.id for es in embeds.values() for e in es if e.kind == kind))
                  for kind in ("product", "shop", "event")}
        products, shops = await commerce_cards.embed_cards(platform, conn, viewer_id, wanted["product"], wanted["shop"])
        events = await event_cards.embed_cards(platform, conn, viewer_id, wanted["event"])
    # the same for every viewer (no uploader-only fields): a post's media is what its readers see
    views = await attachments.attachment_views(platform, [m for ms in media_ids.values() for m in ms])
    cards = {"product": products, "shop": shops, "event": events}

    def assemble(row, nested: bool) -> PostView:
        original = shown.get(row.original_post_id) if row.original_post_id is not None else None
        return PostView(
            row=row, media=[views[m] for m in media_ids.get(row.id, []) if m in views],
            embeds=[embed_view(e, cards[e.kind][e.id]) for e in embeds.get(row.id, []) if e.id in cards[e.kind]],
            poll=poll_views.get(row.id),
            viewer_state=row.viewer_state,
            original=None if original is None or nested else assemble(original, True))

    return [post_view(assemble(seen[post_id], False)) for post_id in ids if post_id in seen]


async def drafts(platform: Platform, caller: Caller, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
    """The caller's unpublished posts (drafts, scheduled, pending collaboration), newest first."""
    async with platform.core.connection() as conn:
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.drafts_page(conn, caller.user_id, before, n),
                           lambda row: (row["created_at"], row["id"]))
    found = {view["id"]: view for view in await visible_posts(platform, caller.user_id, [r["id"] for r in page.items])}
    return Page([found[r["id"]] for r in page.items if r["id"] in found], page.next_cursor)
