"""Collaborative posts' co-authors: my invites, accepting and declining, inviting more,
removing and leaving (docs/social.md, "Collaborative posts")."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.social import access, collaboration
from ...errors import NotFound
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, PathId, Routes, caller, json_response, viewer
from .collaboration_schemas import CollaborationInvitePageSchema, CollaboratorsSchema, InviteIn

routes = Routes("social")

POST_ID = PathId("post_id", lambda raw: access.post_not_found())
USER_ID = PathId("user_id", lambda raw: NotFound("This user neither co-authors this post nor is invited to",
                                                 code="collaborator_not_found"))


@routes.get("/api/posts/collaborations", summary="Your pending collaboration invites", query=PageQuery,
            response=CollaborationInvitePageSchema)
async def my_invites(request: web.Request, *, query: dict) -> web.Response:
    """Newest first, each with the post's beginning and who invited you; invites from people
    blocked either way with you are left out."""
    page = await collaboration.my_invites(request.app[PLATFORM], caller(request), **query)
    return json_response(CollaborationInvitePageSchema, page)


@routes.post("/api/posts/{post_id}/collaboration/accept", summary="Accept an invite to co-author a post",
             ids=(POST_ID,), response=CollaboratorsSchema, errors=(404, 409))
async def accept(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """You become one of the post's authors (its byline, your profile, editing it). No invite: 404
    `invite_not_found`; accepted already: 409 `already_accepted`. The inviter is told; a post
    waiting for its invites (`pending_collaboration`) is published once none is pending."""
    found = await collaboration.accept(request.app[PLATFORM], caller(request), post_id)
    return json_response(CollaboratorsSchema, found)


@routes.post("/api/posts/{post_id}/collaboration/decline", summary="Decline an invite to co-author a post",
             ids=(POST_ID,), status=204, errors=(404, 409))
async def decline(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """The invite is gone and the inviter told. No invite: 404 `invite_not_found`; accepted already
    (leave instead): 409 `already_accepted`."""
    await collaboration.decline(request.app[PLATFORM], caller(request), post_id)
    return web.Response(status=204)


@routes.get("/api/posts/{post_id}/collaborators", summary="A post's co-authors", ids=(POST_ID,),
            response=CollaboratorsSchema, errors=(404,), auth=OPTIONAL)
async def list_collaborators(request: web.Request, *, post_id: uuid.UUID) -> web.Response:
    """Whoever may see the post: its accepted co-authors; its authors and invitees see the
    pending invites too."""
    found = await collaboration.collaborators(request.app[PLATFORM], viewer(request), post_id)
    return json_response(CollaboratorsSchema, found)


@routes.post("/api/posts/{post_id}/collaborators", summary="Invite co-authors", ids=(POST_ID,), body=InviteIn,
             response=CollaboratorsSchema, status=201, errors=(403, 404, 409, 422))
async def invite(request: web.Request, *, body: dict, post_id: uuid.UUID) -> web.Response:
    """The post's creator only (403 `not_post_creator`): not yourself (422
    `cannot_invite_self`), people you may reach (422 `collaborator_not_allowed`,
    `details.user_ids`), not invited already (409 `already_invited`), at most 10 co-authors and invites (409
    `too_many_collaborators`). Each is told."""
    found = await collaboration.invite(request.app[PLATFORM], caller(request), post_id, body["user_ids"])
    return json_response(CollaboratorsSchema, found, 201)


@routes.delete("/api/posts/{post_id}/collaborators/{user_id}", summary="Remove a co-author, or leave",
               ids=(POST_ID, USER_ID), status=204, errors=(403, 404, 409))
async def remove(request: web.Request, *, post_id: uuid.UUID, user_id: uuid.UUID) -> web.Response:
    """The creator removes a co-author or withdraws an invite; a co-author leaves with their own
    id (anyone else: 403 `not_post_creator`). The creator is never removed (409
    `creator_not_removable`). The post stays, without their name."""
    await collaboration.remove(request.app[PLATFORM], caller(request), post_id, user_id)
    return web.Response(status=204)
