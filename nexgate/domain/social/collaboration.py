"""Collaborative posts (docs/social.md, "Collaborative posts"): whom a creator may invite and
the invites written (``invitees``, ``write_invites``: with the post, from posts.py, or later);
an invited user accepts or declines, the creator removes co-authors, a co-author leaves.

A post has its creator (``posts.author_id``, who cannot be removed: 409
``creator_not_removable``) and at most ``MAX_COLLABORATORS`` co-authors and pending invites
together (409 ``too_many_collaborators``). An invited user accepts (they become an author: the
byline, their profile, equal rights to edit) or declines (the invite's row is deleted and the
inviter told); with no invite it is 404 ``invite_not_found``, an invite accepted already 409
``already_accepted``. Only the creator invites (403 ``not_post_creator``), with the post or
later, under one rule (``invitees``): not themself (422 ``cannot_invite_self``), only people
within reach (the users area's ``tag`` rule; else 422 ``collaborator_not_allowed`` naming them),
not someone invited already (409 ``already_invited``). The creator
removes anyone; anyone else removes only themself (403 ``not_post_creator``). When the last
pending invite of a ``pending_collaboration`` post is resolved (accepted, declined or removed),
the post is published in the same transaction (publishing.py).

Every change holds the post's row first, so two answers at once see each other, the limit holds
whatever runs at once, and the post is published once.
"""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from ... import bus
from ...errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ...pagination import NEWEST_FIRST, Page, fetch
from ...platform import Platform
from ..auth.caller import Caller
from ..users import content_counts, visibility
from . import access, publishing, views
from . import collaboration_repository as repository
from .events import COLLABORATION_ACCEPTED, COLLABORATION_DECLINED, COLLABORATION_INVITED, COLLABORATOR_REMOVED

MAX_COLLABORATORS = 10  # co-authors and pending invites, besides the creator


def invite_not_found() -> NotFound:
    return NotFound("You have no invite to co-author this post", code="invite_not_found")


async def invitees(conn, creator_id: uuid.UUID, user_ids: Sequence[uuid.UUID], field: str) -> list[uuid.UUID]:
    """The users of ``user_ids`` (once each, in order) the creator may invite to co-author: not
    the creator (422 ``cannot_invite_self``), each within reach (the users area's ``tag`` rule:
    not blocked either way, an account that exists; else 422 ``collaborator_not_allowed`` naming
    them in ``user_ids``). Errors name ``field`` of the request's body."""
    wanted = list(dict.fromkeys(user_ids))
    if creator_id in wanted:
        raise Invalid.fields("body", {field: ["You are the post's creator."]}, code="cannot_invite_self",
                             message="You cannot invite yourself")
    refused = []
    for user_id in wanted:
        try:
            visibility.require_reach(await visibility.relationship_in(conn, creator_id, user_id), creator_id, user_id,
                                     "tag")
        except DomainError:
            refused.append(str(user_id))
    if refused:
        raise Invalid.fields("body", {field: ["You cannot invite some of these users."]},
                             code="collaborator_not_allowed", message="You cannot invite some of these users",
                             user_ids=refused)
    return wanted


async def accept(platform: Platform, caller: Caller, post_id: uuid.UUID) -> dict[str, Any]:
    async with platform.core.transaction("social.collaboration_accept") as conn:
        post = await access.held_post(conn, post_id)
        row = await repository.accept(conn, post_id, caller.user_id)
        if row is None:
            if await repository.collaborator(conn, post_id, caller.user_id) is not None:
                raise Conflict("You co-author this post already", code="already_accepted")
            raise invite_not_found()
        # A post published already is theirs from now: on their profile's count and (through the
        # event) in their followers' feeds. A post waiting for them is counted when it is published.
        published_at = post.published_at if post.state == "published" else None
        if published_at is not None:
            await content_counts.change_posts_count(conn, [caller.user_id], +1)
        await _tell(conn, COLLABORATION_ACCEPTED, post_id, user_id=caller.user_id, invited_by=row["invited_by"],
                    published_at=None if published_at is None else published_at.isoformat(),
                    visibility=post.visibility)
        await publishing.publish_if_resolved(conn, platform, post_id)
        return await _collaborators(conn, post_id)


async def decline(platform: Platform, caller: Caller, post_id: uuid.UUID) -> None:
    async with platform.core.transaction("social.collaboration_decline") as conn:
        await access.held_post(conn, post_id)
        row = await repository.collaborator(conn, post_id, caller.user_id)
        if row is None:
            raise invite_not_found()
        if row["status"] != "pending":
            raise Conflict("You co-author this post already: leave it instead", code="already_accepted")
        await repository.delete(conn, post_id, caller.user_id)
        await _tell(conn, COLLABORATION_DECLINED, post_id, user_id=caller.user_id, invited_by=row["invited_by"])
        await publishing.publish_if_resolved(conn, platform, post_id)


async def invite(platform: Platform, caller: Caller, post_id: uuid.UUID,
                 user_ids: Sequence[uuid.UUID]) -> dict[str, Any]:
    async with platform.core.transaction("social.collaboration_invite") as conn:
        post = await access.held_post(conn, post_id)
        if post.author_id != caller.user_id:
            await access.visible_row(conn, caller.user_id, post_id)
            raise Forbidden("Only the post's creator invites co-authors", code="not_post_creator")
        wanted = list(dict.fromkeys(user_ids))
        count = await repository.count(conn, post_id)
        if count + len(wanted) > MAX_COLLABORATORS:
            raise Conflict(f"A post has at most {MAX_COLLABORATORS} co-authors and invites", code="too_many_collaborators",
                           details={"max": MAX_COLLABORATORS, "current": count})
        await invitees(conn, caller.user_id, wanted, "user_ids")
        await write_invites(conn, post_id, caller.user_id, wanted)
        return await _collaborators(conn, post_id)


async def write_invites(conn, post_id: uuid.UUID, invited_by: uuid.UUID, user_ids: Sequence[uuid.UUID]) -> None:
    """Invite each of ``user_ids`` (taken by ``invitees``) to co-author the post, each told; 409
    ``already_invited`` for one invited or co-authoring already. With the post or later."""
    for user_id in user_ids:
        if not await repository.insert(conn, post_id, user_id, invited_by):
            raise Conflict("This user is invited or co-authors the post already", code="already_invited",
                           details={"user_id": str(user_id)})
        await _tell(conn, COLLABORATION_INVITED, post_id, user_id=user_id, invited_by=invited_by)


async def remove(platform: Platform, caller: Caller, post_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The creator removes a co-author or withdraws an invite; a co-author (or an invited user)
    leaves. The post stays, without their name."""
    async with platform.core.transaction("social.collaborator_remove") as conn:
        post = await access.held_post(conn, post_id)
        if caller.user_id not in (post.author_id, user_id):
            await access.visible_row(conn, caller.user_id, post_id)
            raise Forbidden("Only the post's creator removes a co-author", code="not_post_creator")
        if user_id == post.author_id:
            raise Conflict("The post's creator is always its author", code="creator_not_removable")
        row = await repository.delete(conn, post_id, user_id)
        if row is None:
            raise NotFound("This user neither co-authors this post nor is invited to", code="collaborator_not_found")
        await bus.emit(conn, COLLABORATOR_REMOVED, {
            "post_id": str(post_id), "author_ids": await _author_ids(conn, post_id),
            "user_id": str(user_id), "by": str(caller.user_id)})
        if row["status"] == "pending":
            await publishing.publish_if_resolved(conn, platform, post_id)
        elif post.state == "published":
            await content_counts.change_posts_count(conn, [user_id], -1)


async def collaborators(platform: Platform, viewer: Caller | None, post_id: uuid.UUID) -> dict[str, Any]:
    """The post's co-authors for whoever may see it; its authors and invitees see the pending
    invites too."""
    viewer_id = None if viewer is None else viewer.user_id
    async with platform.core.connection() as conn:
        post = await access.visible_row(conn, viewer_id, post_id)
        found = await _collaborators(conn, post_id)
        involved = viewer_id == post.author_id or any(c["user"]["id"] == viewer_id for c in found["collaborators"])
        if not involved:
            found["collaborators"] = [c for c in found["collaborators"] if c["status"] == "accepted"]
        return found


async def my_invites(platform: Platform, caller: Caller, *, cursor: str | None, limit: int) -> Page:
    """The caller's pending invites, newest first."""
    async with platform.core.connection() as conn:
        hidden = await visibility.blocked_either_way(conn, caller.user_id)
        page = await fetch(NEWEST_FIRST, cursor, limit,
                           lambda after, n: repository.pending_of_user(conn, caller.user_id, hidden, after, n),
                           _invite_position)
        return page.map(views.collaboration_invite)


def _invite_position(row) -> tuple[datetime.datetime, uuid.UUID]:
    return row["invited_at"], row["post_id"]


async def _author_ids(conn, post_id: uuid.UUID) -> list[str]:
    """The post's authors as they are now (the row is held already)."""
    return [str(a) for a in (await access.held_post(conn, post_id)).author_ids]


async def _tell(conn, name: str, post_id: uuid.UUID, *, user_id: uuid.UUID, invited_by: uuid.UUID,
                **more: Any) -> None:
    await bus.emit(conn, name, {"post_id": str(post_id),
                                "author_ids": await _author_ids(conn, post_id),
                                "user_id": str(user_id), "invited_by": str(invited_by), **more})


async def _collaborators(conn, post_id: uuid.UUID) -> dict[str, Any]:
    return views.collaborators(post_id, await repository.of_post(conn, post_id))
