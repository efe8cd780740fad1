"""What other areas ask of the users area about people they name in text or count on profiles:
the users an @mention names, and the profile's posts count (only this area writes ``users``)."""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from . import repository


async def ids_by_usernames(conn, usernames: Iterable[str]) -> dict[str, uuid.UUID]:
    """Lower-case username -> user id, for each of ``usernames`` (any letter case) that names a user."""
    names = list(dict.fromkeys(name.lower() for name in usernames))
    return await repository.ids_by_usernames(conn, names) if names else {}


async def change_posts_count(conn, author_ids: Iterable[uuid.UUID], delta: int) -> None:
    """In the caller's transaction: each author published (+1) or deleted (-1) a post. Never below 0."""
    ids = list(dict.fromkeys(author_ids))
    if ids:
        await repository.change_posts_count(conn, ids, delta)
