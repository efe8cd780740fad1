"""Reading and deleting one media: who may see it, and removal with its stored objects."""
from __future__ import annotations

import uuid

from ... import bus
from ...errors import Forbidden, NotFound
from ...platform import Platform
from ..auth.caller import Caller
from ..users import visibility
from . import repository
from .events import FILE_DELETED
from .repository import Media
from .purposes import PROFILE_PURPOSES


def not_found(media_id: uuid.UUID) -> NotFound:
    return NotFound("No such media", code="media_not_found", details={"media_id": str(media_id)})


async def get_media(platform: Platform, caller: Caller, media_id: uuid.UUID) -> Media:
    """The owner sees their media in any state. Anyone else sees only ready, public media of a
    user whose content they may see; private media (message attachments) reaches others only
    through the conversation that carries it, so here it is not found. A blocked user finds
    nothing, as with profiles."""
    async with platform.core.connection() as conn:
        media = await repository.media_by_id(conn, media_id)
        if media is None:
            raise not_found(media_id)
        if media.owner_id == caller.user_id:
            return media
        if media.is_private or media.status != "ready":
            raise not_found(media_id)
        rel = await visibility.relationship_in(conn, caller.user_id, media.owner_id)
    # An avatar or cover belongs to the profile header, which a private account shows to all.
    visible = visibility.profile_visible if media.purpose in PROFILE_PURPOSES else visibility.content_visible
    if not visible(rel):
        raise not_found(media_id)
    return media


async def delete_media(platform: Platform, caller: Caller, media_id: uuid.UUID) -> None:
    """The owner removes a media and every object stored for it. The objects go first, inside
    the transaction: if storage fails, the media is still there to delete again."""
    async with platform.core.transaction("media.delete") as conn:
        media = await repository.lock_media_for_update(conn, media_id)
        if media is None or (media.owner_id != caller.user_id and media.is_private):
            raise not_found(media_id)
        if media.owner_id != caller.user_id:
            raise Forbidden("Only the owner can delete a media", code="not_media_owner")
        await platform.storage.delete(media.stored_keys())
        await repository.mark_deleted(conn, media_id)
        await bus.emit(conn, FILE_DELETED, {"media_id": str(media_id), "owner_id": str(media.owner_id),
                                            "purpose": media.purpose})


async def kind_of(conn, media_id: uuid.UUID) -> str | None:
    """What a media is, ``image`` or ``video``, for an area that holds it already (a post's image
    tags go on images only); None for no such media."""
    media = await repository.media_by_id(conn, media_id)
    return None if media is None else media.kind
