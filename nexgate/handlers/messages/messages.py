"""Messages: history and search, send, forward, edit, delete, reactions, product context."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.messages import editing, history, sending
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import (CONVERSATION_ID, MESSAGE_ID, ForwardSchema, HistoryQuerySchema, MessageDeleteQuerySchema,
                      MessageEditSchema, MessagePageSchema, MessageSchema, MessageSendSchema, ProductViewSchema,
                      ReactionSchema, ReactionsSchema, SearchQuerySchema)

routes = Routes("messages")


@routes.get("/api/conversations/{conversation_id}/messages", summary="A conversation's messages, newest first",
            ids=(CONVERSATION_ID,), query=HistoryQuerySchema, response=MessagePageSchema, errors=(404,))
async def list_messages(request: web.Request, *, query: dict, conversation_id: uuid.UUID) -> web.Response:
    """Page backwards with `cursor`. Only what you can see: from when you joined, up to when you
    left, not what you deleted for yourself. With `q`: full-text search in this conversation."""
    page = await history.history(request.app[PLATFORM], caller(request), conversation_id, **query)
    return json_response(MessagePageSchema, page)


@routes.get("/api/messages/search", summary="Search all your conversations", query=SearchQuerySchema,
            response=MessagePageSchema)
async def search_messages(request: web.Request, *, query: dict) -> web.Response:
    """Full-text search (words; "quoted phrases", -excluded) over the messages you can see, newest first."""
    page = await history.search(request.app[PLATFORM], caller(request), query.pop("q"), **query)
    return json_response(MessagePageSchema, page)


@routes.post("/api/conversations/{conversation_id}/messages", summary="Send a message", body=MessageSendSchema,
             ids=(CONVERSATION_ID,), response=MessageSchema, status=201, other_statuses=(200,),
             errors=(403, 404, 409, 429))
async def send_message(request: web.Request, *, body: dict, conversation_id: uuid.UUID) -> web.Response:
    """Stored, then pushed to every device of every member (`messages.message.created`). With a
    `client_id` already used, answers 200 with the stored message instead of sending it twice.
    Not a member: 404 `conversation_not_found`; left: 403 `not_a_member`; blocked either way or
    the recipient's dm_policy: 404 `user_not_found` / 403 `user_blocked` / 403 `messages_restricted`;
    too many: 429."""
    sent = await sending.send(request.app[PLATFORM], caller(request), conversation_id, **body)
    return json_response(MessageSchema, sent.message, status=201 if sent.created else 200)


@routes.post("/api/messages/{message_id}/forward", summary="Forward a message to another conversation",
             ids=(MESSAGE_ID,), body=ForwardSchema, response=MessageSchema, status=201, other_statuses=(200,),
             errors=(403, 404, 409, 429))
async def forward_message(request: web.Request, *, body: dict, message_id: uuid.UUID) -> web.Response:
    sent = await sending.forward(request.app[PLATFORM], caller(request), message_id, body["conversation_id"],
                                 client_id=body.get("client_id"))
    return json_response(MessageSchema, sent.message, status=201 if sent.created else 200)


@routes.patch("/api/messages/{message_id}", ids=(MESSAGE_ID,), summary="Edit your message", body=MessageEditSchema,
              response=MessageSchema, errors=(403, 404, 409))
async def edit_message(request: web.Request, *, body: dict, message_id: uuid.UUID) -> web.Response:
    """Within 15 minutes of sending (`NEXGATE_MESSAGE_EDIT_WINDOW_S`; later: 403
    `edit_window_passed`); someone else's: 403 `not_message_sender`. The message shows `edited_at`."""
    view = await editing.edit(request.app[PLATFORM], caller(request), message_id, body["text"])
    return json_response(MessageSchema, view)


@routes.delete("/api/messages/{message_id}", ids=(MESSAGE_ID,), summary="Delete a message for yourself or for everyone",
               query=MessageDeleteQuerySchema, status=204, errors=(403, 404))
async def delete_message(request: web.Request, *, query: dict, message_id: uuid.UUID) -> web.Response:
    """`scope=me` (default) hides it from you; `scope=everyone` (its sender only) replaces it
    with a "deleted" marker for every member."""
    await editing.delete(request.app[PLATFORM], caller(request), message_id, query["scope"])
    return web.Response(status=204)


@routes.post("/api/messages/{message_id}/reactions", ids=(MESSAGE_ID,), summary="React to a message with an emoji",
             body=ReactionSchema, response=ReactionsSchema, status=201, other_statuses=(200,), errors=(403, 404, 409))
async def react(request: web.Request, *, body: dict, message_id: uuid.UUID) -> web.Response:
    """One emoji (422 otherwise). 201 when new, 200 if you had already reacted with it. The
    message's reactions after the change."""
    reactions, created = await editing.react(request.app[PLATFORM], caller(request), message_id, body["emoji"])
    return json_response(ReactionsSchema, {"reactions": reactions}, status=201 if created else 200)


@routes.delete("/api/messages/{message_id}/reactions/{emoji}", ids=(MESSAGE_ID,), summary="Remove your reaction",
               response=ReactionsSchema, errors=(403, 404, 409))
async def unreact(request: web.Request, *, message_id: uuid.UUID) -> web.Response:
    """The emoji URL-encoded in the path. 404 `reaction_not_found` if you had not reacted with it."""
    reactions = await editing.unreact(request.app[PLATFORM], caller(request), message_id,
                                      request.match_info["emoji"])
    return json_response(ReactionsSchema, {"reactions": reactions})


@routes.get("/api/messages/{message_id}/product-context", ids=(MESSAGE_ID,), summary="The product banner of a message",
            response=ProductViewSchema, errors=(404,))
async def product_context(request: web.Request, *, message_id: uuid.UUID) -> web.Response:
    product = await history.product_context(request.app[PLATFORM], caller(request), message_id)
    return json_response(ProductViewSchema, product)
