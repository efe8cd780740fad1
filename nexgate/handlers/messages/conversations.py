"""Conversations: start, list, open, delete for yourself, mute, read position."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.messages import conversations
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import Routes, caller, json_response
from .schemas import (CONVERSATION_ID, ConversationCreateSchema, ConversationPageSchema, ConversationSchema,
                      PositionSchema, ReadSchema)

routes = Routes("messages")


@routes.post("/api/conversations", summary="Start a conversation", body=ConversationCreateSchema,
             response=ConversationSchema, status=201, other_statuses=(200,), errors=(403, 404))
async def create_conversation(request: web.Request, *, body: dict) -> web.Response:
    """`direct` (the default): the one conversation you have with that user, made on first use:
    201 when new, 200 when it existed. `group`: a new named group you own. You can only start or
    add people you may message: a user who blocked you is 404 `user_not_found`, one you blocked
    403 `user_blocked`, one who takes messages only from people they follow 403 `messages_restricted`."""
    platform, me = request.app[PLATFORM], caller(request)
    if body["type"] == "direct":
        started = await conversations.start_direct(platform, me, body["user_ids"][0])
    else:
        started = await conversations.start_group(platform, me, body["name"], body["user_ids"])
    return json_response(ConversationSchema, started.conversation, status=201 if started.created else 200)


@routes.get("/api/conversations", summary="Your conversations, the latest activity first", query=PageQuery,
            response=ConversationPageSchema)
async def list_conversations(request: web.Request, *, query: dict) -> web.Response:
    """Each with your unread count and the last message you can see. A conversation you
    deleted stays out of the list until a new message arrives in it."""
    page = await conversations.list_conversations(request.app[PLATFORM], caller(request), **query)
    return json_response(ConversationPageSchema, page)


@routes.get("/api/conversations/{conversation_id}", ids=(CONVERSATION_ID,), summary="One of your conversations",
            response=ConversationSchema, errors=(404,))
async def get_conversation(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    """404 `conversation_not_found` unless you are or were a member."""
    view = await conversations.get(request.app[PLATFORM], caller(request), conversation_id)
    return json_response(ConversationSchema, view)


@routes.delete("/api/conversations/{conversation_id}", summary="Delete a conversation for yourself",
               ids=(CONVERSATION_ID,), status=204, errors=(404,))
async def delete_conversation(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    """Its history up to now disappears for you only; the others keep theirs. A later message
    brings the conversation back to your list, without the old history."""
    await conversations.delete_for_me(request.app[PLATFORM], caller(request), conversation_id)
    return web.Response(status=204)


@routes.post("/api/conversations/{conversation_id}/mute", summary="Mute a conversation", status=204,
             ids=(CONVERSATION_ID,), errors=(403, 404))
async def mute_conversation(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    """Messages still arrive live (flagged `muted`), but no push notification is sent."""
    await conversations.set_muted(request.app[PLATFORM], caller(request), conversation_id, True)
    return web.Response(status=204)


@routes.delete("/api/conversations/{conversation_id}/unmute", summary="Unmute a conversation", status=204,
               ids=(CONVERSATION_ID,), errors=(403, 404))
async def unmute_conversation(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    await conversations.set_muted(request.app[PLATFORM], caller(request), conversation_id, False)
    return web.Response(status=204)


@routes.delete("/api/conversations/{conversation_id}/mute", summary="Unmute a conversation (same as "
               "DELETE /api/conversations/{conversation_id}/unmute)", ids=(CONVERSATION_ID,), status=204,
               errors=(403, 404))
async def delete_conversation_mute(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    return await unmute_conversation(request, conversation_id=conversation_id)


@routes.post("/api/conversations/{conversation_id}/read", ids=(CONVERSATION_ID,), summary="Mark a conversation read",
             body=ReadSchema, body_optional=True, response=PositionSchema, errors=(404,))
async def read_conversation(request: web.Request, *, body: dict, conversation_id: uuid.UUID) -> web.Response:
    """Up to `seq`, or everything you can see. The position never moves back; the other members'
    devices get `messages.conversation.read` (their messages now show `read`)."""
    seq = await conversations.mark_read(request.app[PLATFORM], caller(request), conversation_id, body["seq"])
    return json_response(PositionSchema, {"seq": seq})


@routes.post("/api/conversations/{conversation_id}/unread", summary="Mark a conversation unread", status=204,
             ids=(CONVERSATION_ID,), errors=(404,))
async def unread_conversation(request: web.Request, *, conversation_id: uuid.UUID) -> web.Response:
    """Shows `marked_unread` until you read it again (`POST .../read`, or the `message.read` frame)."""
    await conversations.mark_unread(request.app[PLATFORM], caller(request), conversation_id)
    return web.Response(status=204)
