"""The SQL of posts (``sql/social/posts.sql``). It runs queries and decides nothing."""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import orjson

from ...sql import all_rows, queries

_sql = queries("social")


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


@dataclasses.dataclass(frozen=True)
class _Post:
    id: uuid.UUID
    author_id: uuid.UUID  # the creator
    kind: str
    post_type: str
    state: str
    visibility: str
    text: str
    entities: list[dict[str, Any]]
    original_post_id: uuid.UUID | None
    scheduled_at: datetime.datetime | None
    published_at: datetime.datetime | None
    edited_at: datetime.datetime | None
    edits_count: int
    created_at: datetime.datetime


@dataclasses.dataclass(frozen=True)
class LockedPost(_Post):
    deleted_at: datetime.datetime | None
    author_ids: list[uuid.UUID]  # creator first, then accepted co-authors
    pending_ids: list[uuid.UUID]  # invited co-authors who have not answered


@dataclasses.dataclass(frozen=True)
class PostRow(_Post):
    """A post as a viewer is shown it, before the visibility rule: ``authors`` carry their cards
    and the viewer's relationship columns to each."""

    likes_count: int
    comments_count: int
    reposts_count: int
    quotes_count: int
    bookmarks_count: int
    updated_at: datetime.datetime
    viewer_mentioned: bool
    viewer_invited: bool
    has_media: bool
    has_embeds: bool
    has_poll: bool
    viewer_liked: bool
    viewer_bookmarked: bool
    viewer_reposted: bool
    authors: list[dict[str, Any]]

    @property
    def viewer_state(self) -> dict[str, bool]:
        return {"liked": self.viewer_liked, "bookmarked": self.viewer_bookmarked, "reposted": self.viewer_reposted}


async def insert_post(conn, *, id: uuid.UUID, author_id: uuid.UUID, kind: str, post_type: str, state: str,
                      visibility: str, text: str, entities: list[dict[str, Any]], original_post_id: uuid.UUID | None,
                      scheduled_at: datetime.datetime | None, published_at: datetime.datetime | None) -> None:
    await _sql.insert_post(conn, id=id, author_id=author_id, kind=kind, post_type=post_type, state=state,
                           visibility=visibility, text=text, entities=entities,
                           original_post_id=original_post_id, scheduled_at=scheduled_at, published_at=published_at)


async def lock_post(conn, post_id: uuid.UUID) -> LockedPost | None:
    row = await _sql.lock_post(conn, id=post_id)
    if row is None:
        return None
    return LockedPost(**{**dict(row), "entities": _json(row["entities"])})


async def posts_for_viewer(conn, viewer_id: uuid.UUID | None, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PostRow]:
    rows = await all_rows(_sql.posts_for_viewer, conn, viewer_id=viewer_id, ids=list(ids))
    return {row["id"]: PostRow(**{**dict(row), "entities": _json(row["entities"]), "authors": _json(row["authors"])})
            for row in rows}


async def insert_mentions(conn, post_id: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> None:
    if user_ids:
        await _sql.insert_mentions(conn, post_id=post_id, user_ids=list(user_ids))


async def mentioned_ids(conn, post_id: uuid.UUID) -> list[uuid.UUID]:
    return [row["user_id"] for row in await all_rows(_sql.mentioned_ids, conn, post_id=post_id)]


async def media_of_posts(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in await all_rows(_sql.media_of_posts, conn, ids=list(ids)):
        found[row["post_id"]].append(row["media_id"])
    return found


async def publish_post(conn, post_id: uuid.UUID, published_at: datetime.datetime) -> datetime.datetime | None:
    """The post's publishing time, or None if it was not unpublished (already published or deleted)."""
    row = await _sql.publish_post(conn, id=post_id, published_at=published_at)
    return None if row is None else row["published_at"]


async def set_state(conn, post_id: uuid.UUID, state: str, scheduled_at: datetime.datetime | None = None) -> None:
    await _sql.set_state(conn, id=post_id, state=state, scheduled_at=scheduled_at)


async def insert_media(conn, post_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> None:
    if media_ids:
        await _sql.insert_media(conn, post_id=post_id, media_ids=list(media_ids))


async def drafts_page(conn, author_id: uuid.UUID, before: tuple, limit: int) -> list:
    return await all_rows(_sql.drafts_page, conn, author_id=author_id, before_created_at=before[0],
                          before_id=before[1], limit=limit)


async def delete_media(conn, post_id: uuid.UUID) -> None:
    await _sql.delete_media(conn, post_id=post_id)


async def delete_mentions(conn, post_id: uuid.UUID) -> None:
    await _sql.delete_mentions(conn, post_id=post_id)


@dataclasses.dataclass(frozen=True)
class Embed:
    kind: str  # product, shop, event
    id: uuid.UUID
    mention_type: str | None = None  # a shop's: link (embedded), tag, mention ($handle in the text)


async def insert_embeds(conn, post_id: uuid.UUID, embeds: Sequence[Embed]) -> None:
    if not embeds:
        return
    await _sql.insert_embeds(
        conn, post_id=post_id, kinds=[e.kind for e in embeds],
        product_ids=[e.id if e.kind == "product" else None for e in embeds],
        shop_ids=[e.id if e.kind == "shop" else None for e in embeds],
        event_ids=[e.id if e.kind == "event" else None for e in embeds],
        mention_types=[e.mention_type for e in embeds])


async def delete_embeds(conn, post_id: uuid.UUID) -> None:
    await _sql.delete_embeds(conn, post_id=post_id)


async def embeds_of_posts(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Embed]]:
    found: dict[uuid.UUID, list[Embed]] = defaultdict(list)
    for row in await all_rows(_sql.embeds_of_posts, conn, ids=list(ids)):
        found[row["post_id"]].append(Embed(row["kind"], row["product_id"] or row["shop_id"] or row["event_id"],
                                           row["mention_type"]))
    return found


async def add_hashtags(conn, post_id: uuid.UUID, tags: Sequence[str], published_at: datetime.datetime) -> None:
    if tags:
        await _sql.add_hashtags(conn, post_id=post_id, tags=sorted(set(tags)), published_at=published_at)


async def remove_hashtags(conn, post_id: uuid.UUID) -> None:
    await _sql.remove_hashtags(conn, post_id=post_id)


async def insert_poll(conn, *, post_id: uuid.UUID, question: str | None, options: Sequence[str],
                      allows_multiple: bool, is_anonymous: bool, expires_at: datetime.datetime | None) -> None:
    poll_id = uuid.uuid4()
    await _sql.insert_poll(conn, id=poll_id, post_id=post_id, question=question, allows_multiple=allows_multiple,
                           is_anonymous=is_anonymous, expires_at=expires_at)
    await _sql.insert_poll_options(conn, poll_id=poll_id, ids=[uuid.uuid4() for _ in options], texts=list(options))


async def polls_of_posts(conn, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    rows = await all_rows(_sql.polls_of_posts, conn, ids=list(ids))
    return {row["post_id"]: {**{k: row[k] for k in row.keys() if k != "post_id"},
                             "options": _json(row["options"]) or []} for row in rows}


async def insert_edit(conn, *, post_id: uuid.UUID, editor_id: uuid.UUID, text: str, entities: list[dict[str, Any]],
                      visibility: str, changed: Sequence[str]) -> None:
    await _sql.insert_edit(conn, post_id=post_id, editor_id=editor_id, text=text, entities=entities,
                           visibility=visibility, changed=list(changed))


async def update_content(conn, post_id: uuid.UUID, *, text: str, entities: list[dict[str, Any]], visibility: str,
                         post_type: str) -> None:
    await _sql.update_content(conn, id=post_id, text=text, entities=entities, visibility=visibility,
                              post_type=post_type)


async def edits_page(conn, post_id: uuid.UUID, after: tuple, limit: int) -> list:
    rows = await all_rows(_sql.edits_page, conn, post_id=post_id, after_edited_at=after[0], after_id=after[1],
                          limit=limit)
    return [{**dict(row), "entities": _json(row["entities"])} for row in rows]


async def soft_delete(conn, post_id: uuid.UUID) -> None:
    await _sql.soft_delete(conn, id=post_id)
