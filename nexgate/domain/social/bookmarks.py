"""Bookmarks and their collections (docs/social.md, "Bookmarks"): only their owner sees or
changes them. A post is bookmarked once per user, in at most one of their collections (none:
"All bookmarks" only); bookmarking it again changes nothing and answers the bookmark as it is.
Whoever may see a post may bookmark it (404 ``post_not_found``); a bookmark of a post the owner
may no longer see stays listed, without the post, until they remove it. ``posts.bookmarks_count``
and ``bookmark_collections.bookmarks_count`` move in the transaction of the change. Deleting a
collection keeps its bookmarks, in no collection.
"""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ... import bus
from ...errors import Conflict, NotFound
from ...pagination import NEWEST_FIRST, OLDEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from . import bookmarks_repository as repository
from . import posts, targets
from .bookmarks_repository import Bookmark, Collection
from .events import POST_BOOKMARKED, POST_UNBOOKMARKED


def collection_not_found() -> NotFound:
    return NotFound("No such collection", code="collection_not_found")


def bookmark_not_found() -> NotFound:
    return NotFound("You have not bookmarked this post", code="bookmark_not_found")


def _name_taken() -> Conflict:
    return Conflict("You already have a collection of that name", code="collection_name_taken")


async def _collection(conn, caller: Caller, collection_id: uuid.UUID | None) -> uuid.UUID | None:
    if collection_id is not None and await repository.collection_of(conn, collection_id, caller.user_id) is None:
        raise collection_not_found()
    return collection_id


async def bookmark(platform: Platform, caller: Caller, post_id: uuid.UUID, *,
                   collection_id: uuid.UUID | None = None) -> tuple[Bookmark, bool]:
    """The bookmark, and whether it is new."""
    async with platform.core.transaction("social.bookmark") as conn:
        post = await targets.visible_post(conn, caller.user_id, post_id)
        collection_id = await _collection(conn, caller, collection_id)
        made = await repository.insert_bookmark(conn, caller.user_id, post.id, collection_id)
        if made is None:
            return await repository.lock_bookmark(conn, caller.user_id, post.id), False
        count = await repository.add_post_bookmarks(conn, post.id, 1)
        await bus.emit(conn, POST_BOOKMARKED, {"post_id": str(post.id), "user_id": str(caller.user_id),
                                               "bookmarks_count": count})
        if collection_id is not None:
            await repository.add_collection_bookmarks(conn, collection_id, 1)
        return made, True


async def unbookmark(platform: Platform, caller: Caller, post_id: uuid.UUID) -> None:
    """Removes the caller's bookmark of the post, if any (also of a post they may no longer see)."""
    async with platform.core.transaction("social.unbookmark") as conn:
        gone = await repository.delete_bookmark(conn, caller.user_id, post_id)
        if gone is None:
            return
        count = await repository.add_post_bookmarks(conn, post_id, -1)
        await bus.emit(conn, POST_UNBOOKMARKED, {"post_id": str(post_id), "user_id": str(caller.user_id),
                                                 "bookmarks_count": count})
        if gone.collection_id is not None:
            await repository.add_collection_bookmarks(conn, gone.collection_id, -1)


async def move(platform: Platform, caller: Caller, post_id: uuid.UUID, *,
               collection_id: uuid.UUID | None) -> Bookmark:
    """Into one of the caller's collections, or into none (null)."""
    async with platform.core.transaction("social.move_bookmark") as conn:
        found = await repository.lock_bookmark(conn, caller.user_id, post_id)
        if found is None:
            raise bookmark_not_found()
        collection_id = await _collection(conn, caller, collection_id)
        if found.collection_id == collection_id:
            return found
        moved = await repository.move_bookmark(conn, caller.user_id, post_id, collection_id)
        # the two collections' rows in a fixed order, so two moves at once never wait on each other
        for changed, delta in sorted(((found.collection_id, -1), (collection_id, 1)), key=lambda c: str(c[0])):
            if changed is not None:
                await repository.add_collection_bookmarks(conn, changed, delta)
        return moved


async def bookmarks(platform: Platform, caller: Caller, *, collection_id: uuid.UUID | None, cursor: str | None,
                    limit: int) -> Page[Bookmark]:
    """The caller's bookmarks, newest first; of one of their collections when it is named."""
    async with platform.core.connection() as conn:
        await _collection(conn, caller, collection_id)
        return await fetch(NEWEST_FIRST, cursor, limit,
                           lambda before, n: repository.bookmarks_page(conn, caller.user_id, collection_id, before, n),
                           Bookmark.position)


async def create_collection(platform: Platform, caller: Caller, *, name: str, description: str | None = None,
                            is_private: bool = True) -> Collection:
    async with platform.core.transaction("social.create_collection") as conn:
        try:
            async with conn.transaction():
                return await repository.insert_collection(conn, id=uuid.uuid4(), user_id=caller.user_id,
                                                          name=name, description=description,
                                                          is_private=is_private)
        except asyncpg.UniqueViolationError:
            raise _name_taken() from None


async def collection(platform: Platform, caller: Caller, collection_id: uuid.UUID) -> Collection:
    async with platform.core.connection() as conn:
        found = await repository.collection_of(conn, collection_id, caller.user_id)
    if found is None:
        raise collection_not_found()
    return found


async def update_collection(platform: Platform, caller: Caller, collection_id: uuid.UUID,
                            fields: dict[str, Any]) -> Collection:
    async with platform.core.transaction("social.update_collection") as conn:
        found = await repository.collection_of(conn, collection_id, caller.user_id, lock=True)
        if found is None:
            raise collection_not_found()
        columns = {name: fields.get(name, getattr(found, name)) for name in ("name", "description", "is_private")}
        try:
            async with conn.transaction():
                return await repository.update_collection(conn, found.id, **columns)
        except asyncpg.UniqueViolationError:
            raise _name_taken() from None


async def delete_collection(platform: Platform, caller: Caller, collection_id: uuid.UUID) -> None:
    async with platform.core.transaction("social.delete_collection") as conn:
        found = await repository.collection_of(conn, collection_id, caller.user_id, lock=True)
        if found is None:
            raise collection_not_found()
        await repository.delete_collection(conn, found.id)


async def collections(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page[Collection]:
    """The caller's collections, oldest first."""
    async with platform.core.connection() as conn:
        return await fetch(OLDEST_FIRST, cursor, limit,
                           lambda after, n: repository.collections_page(conn, caller.user_id, after, n),
                           Collection.position)


async def posts_shown(platform: Platform, caller: Caller, post_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """The views of the bookmarked posts the caller may still see, by id."""
    return {view["id"]: view for view in await posts.visible_posts(platform, caller.user_id, post_ids)}
