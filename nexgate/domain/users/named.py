"""What other areas ask of the users area about people they name in text: the users an
@mention names. (The profile's counts the social area moves are content_counts.py's.)"""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from . import repository


async def ids_by_usernames(conn, usernames: Iterable[str]) -> dict[str, uuid.UUID]:
    """Lower-case username -> user id, for each of ``usernames`` (any letter case) that names a user."""
    names = list(dict.fromkeys(name.lower() for name in usernames))
    return await repository.ids_by_usernames(conn, names) if names else {}
