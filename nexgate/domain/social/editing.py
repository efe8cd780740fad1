"""Changing a post (docs/social.md, "Editing and deleting"): any of its authors (its creator or
an accepted co-author) edits its text, visibility, media or embeds, each edit keeping the
version it replaced (``post_edits``, which viewers may read); deleting is soft (the row stays,
shown to no one) and takes the post off its authors' profile counts and its hashtags."""
from __future__ import annotations

import uuid
from typing import Any

from ... import bus
from ...bus import scheduler
from ...errors import Invalid
from ...pagination import OLDEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..media import attachments
from ..users import content_counts
from . import access, composing, publishing, reposts
from . import posts_repository as repository
from .events import POST_DELETED, POST_EDITED


async def edit_post(platform: Platform, caller: Caller, post_id: uuid.UUID, changes: dict[str, Any]) -> None:
    """Apply what ``changes`` holds (``text``, ``visibility``, ``media_ids``, ``embeds``); what is
    the same as before is no change. A published post's edit is ``social.post.edited`` naming the
    users newly mentioned."""
    async with platform.core.transaction("social.post_edit") as conn:
        post = await access.lock_authored(conn, post_id, caller.user_id)
        editor_id = caller.user_id
        raw = changes.get("text", post.text)
        visibility = changes.get("visibility", post.visibility)
        text = await composing.text(platform, conn, editor_id, raw)
        old_media = (await repository.media_of_posts(conn, [post_id])).get(post_id, [])
        old_embeds = (await repository.embeds_of_posts(conn, [post_id])).get(post_id, [])
        media_ids = list(changes.get("media_ids", old_media))
        if media_ids != old_media:  # the media it keeps were checked when added (a co-author's own, say)
            await composing.media(conn, editor_id, [m for m in media_ids if m not in old_media])
        wanted = changes.get("embeds", [{"kind": e.kind, "id": e.id} for e in old_embeds if e.mention_type != "mention"])
        embeds = await composing.embeds(conn, editor_id, wanted, text.shop_ids,
                                        kept=frozenset((e.kind, e.id) for e in old_embeds))
        changed = [name for name, differs in (
            ("text", raw != post.text), ("visibility", visibility != post.visibility),
            ("media", media_ids != old_media),
            ("embeds", [(e.kind, e.id, e.mention_type) for e in embeds]
             != [(e.kind, e.id, e.mention_type) for e in old_embeds])) if differs]
        if not changed:
            return
        has_poll = bool(await repository.polls_of_posts(conn, [post_id]))
        if not raw.strip() and not media_ids and not embeds and not has_poll:
            raise Invalid.fields("body", {"text": ["A post needs text, media, an embed or a poll."]},
                                 code="post_empty", message="A post needs text, media, an embed or a poll")
        old_mentioned = set(await repository.mentioned_ids(conn, post_id))
        await repository.insert_edit(conn, post_id=post_id, editor_id=editor_id, text=post.text,
                                     entities=post.entities, visibility=post.visibility, changed=changed)
        if "media" in changed:
            await repository.delete_media(conn, post_id)
            await repository.insert_media(conn, post_id, media_ids)
        if "embeds" in changed:
            await repository.delete_embeds(conn, post_id)
            await repository.insert_embeds(conn, post_id, embeds)
        views = await attachments.attachment_views(platform, media_ids)
        post_type = composing.post_type([views[m]["kind"] for m in media_ids if m in views], embeds, has_poll)
        await repository.update_content(conn, post_id, text=raw, entities=text.entities, visibility=visibility,
                                        post_type=post_type)
        await repository.delete_mentions(conn, post_id)
        await repository.insert_mentions(conn, post_id, text.mentioned)
        if post.state == "published":
            if "text" in changed:
                await repository.remove_hashtags(conn, post_id)
                tags = list(dict.fromkeys(e["tag"] for e in text.entities if e["type"] == "hashtag"))
                await repository.add_hashtags(conn, post_id, tags, post.published_at)
            await bus.emit(conn, POST_EDITED, {
                "post_id": str(post_id), "author_ids": [str(i) for i in post.author_ids], "editor_id": str(editor_id),
                "changed": changed,
                "newly_mentioned_user_ids": [str(i) for i in text.mentioned
                                             if i not in old_mentioned and i not in post.author_ids]})


async def delete_post(platform: Platform, caller: Caller, post_id: uuid.UUID) -> None:
    """Any author deletes the post (soft). A published post leaves its authors' counts, its
    hashtags and every feed (``social.post.deleted``); a scheduled one's job is cancelled."""
    async with platform.core.transaction("social.post_delete") as conn:
        post = await access.lock_authored(conn, post_id, caller.user_id)
        await repository.soft_delete(conn, post_id)
        if post.state == "scheduled":
            await scheduler.cancel(conn, job_id=publishing.job_id(post_id))
        if post.state == "published":
            await content_counts.change_posts_count(conn, post.author_ids, -1)
            await repository.remove_hashtags(conn, post_id)
            await reposts.original_lost(conn, post.kind, post.original_post_id)  # a repost's or quote's count
            await bus.emit(conn, POST_DELETED, {"post_id": str(post_id), "author_ids": [str(i) for i in post.author_ids],
                                                "deleted_by": str(caller.user_id)})


async def edits(platform: Platform, viewer_id: uuid.UUID | None, post_id: uuid.UUID, *, limit: int,
                cursor: str | None) -> Page[dict[str, Any]]:
    """A post's earlier versions, oldest first, to whoever may see the post (404 otherwise)."""
    async with platform.core.connection() as conn:
        await access.visible_row(conn, viewer_id, post_id)
        return await fetch(OLDEST_FIRST, cursor, limit, lambda after, n: repository.edits_page(conn, post_id, after, n),
                           lambda edit: (edit["edited_at"], edit["id"]))
