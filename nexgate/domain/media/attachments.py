"""What other areas call to use media they are given: a post's photos, a product's gallery,
a message's attachments, a profile's avatar. ``attach`` checks, inside the caller's own
transaction, that each media exists, is the actor's own, was uploaded for this purpose and
is ready; its rows stay share-locked until that transaction ends, so a concurrent delete
waits for it."""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from ...errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ...platform import Platform
from . import repository
from .purposes import PURPOSES
from .views import media_view


@dataclasses.dataclass(frozen=True)
class Attachment:
    id: uuid.UUID
    kind: str
    purpose: str
    is_private: bool


async def attach(conn: asyncpg.Connection, *, owner_id: uuid.UUID, media_ids: Sequence[uuid.UUID],
                 purpose: str) -> list[Attachment]:
    """The media, in the order given, if ``owner_id`` may attach every one of them for ``purpose``."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown media purpose {purpose!r}")
    ids = list(media_ids)
    if len(set(ids)) != len(ids):
        raise Invalid("The same media is attached twice", code="media_duplicate",
                      details={"media_ids": [str(i) for i in ids]})
    found = {media.id: media for media in await repository.share_lock_media(conn, sorted(ids))}
    _refuse(ids, lambda i: i not in found or (found[i].owner_id != owner_id and found[i].is_private),
            NotFound, "media_not_found", "No such media")
    _refuse(ids, lambda i: found[i].owner_id != owner_id, Forbidden, "media_not_owned", "You can only attach your own media")
    _refuse(ids, lambda i: found[i].purpose != purpose, Invalid, "media_purpose_mismatch",
            f"Media uploaded for another purpose cannot be attached as {purpose} media")
    _refuse(ids, lambda i: found[i].status != "ready", Conflict, "media_not_ready",
            "Media still processing or failed cannot be attached yet")
    return [Attachment(i, found[i].kind, found[i].purpose, found[i].is_private) for i in ids]


async def attach_fields(conn: asyncpg.Connection, *, owner_id: uuid.UUID, values: Mapping[str, Any],
                        purposes: Mapping[str, str]) -> None:
    """Attach each single-media field of a body that is set (``purposes``: field -> the purpose
    its media must have been uploaded for, as a profile's avatar), a refusal naming its field."""
    for field, purpose in purposes.items():
        if values.get(field) is None:
            continue
        try:
            await attach(conn, owner_id=owner_id, media_ids=[values[field]], purpose=purpose)
        except DomainError as refused:
            raise type(refused).fields("body", {field: refused.message}, message=refused.message, code=refused.code,
                                       **refused.details) from refused


def _refuse(ids: list[uuid.UUID], bad, error: type, code: str, message: str) -> None:
    offending = [str(i) for i in ids if bad(i)]
    if offending:
        raise error(message, code=code, details={"media_ids": offending})


async def attachment_views(platform: Platform, media_ids: Sequence[uuid.UUID], *,
                           viewer_id: uuid.UUID | None = None) -> dict[uuid.UUID, dict[str, Any]]:
    """Views of attached media, for an area that has already decided the viewer may see what
    carries them (a conversation's participant, a post's reader). Private media gets fresh
    short-lived signed URLs; media deleted since is left out."""
    if not media_ids:
        return {}
    async with platform.core.connection() as conn:
        found = await repository.media_by_ids(conn, list(dict.fromkeys(media_ids)))
    return {media.id: await media_view(platform, media, viewer_id=viewer_id) for media in found}
