"""The in-app notification centre (spec 003 "Notifications"): your notifications, newest
first, their unread count, reading and deleting them. Someone else's notification, or an
unknown id, answers 404 `notification_not_found` and changes nothing."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.notifications import centre
from ...keys import PLATFORM
from ..routing import Routes, caller, json_response
from .schemas import (
    NOTIFICATION_ID, MarkedSchema, NotificationDetailSchema, NotificationPageSchema, NotificationSchema, NotificationsQuery,
    UnreadCountSchema,
)

routes = Routes("notifications")


# The fixed paths before /api/notifications/{notification_id}, which would take them for ids.
@routes.get("/api/notifications/unread-count", summary="How many of your notifications are unread",
            response=UnreadCountSchema)
async def unread_count(request: web.Request) -> web.Response:
    count = await centre.unread_count(request.app[PLATFORM], caller(request))
    return json_response(UnreadCountSchema, {"unread_count": count})


@routes.patch("/api/notifications/read-all", summary="Mark all your notifications read", response=MarkedSchema)
async def read_all(request: web.Request) -> web.Response:
    """Your other devices get `notifications.unread_count.changed`."""
    marked, unread = await centre.mark_all_read(request.app[PLATFORM], caller(request))
    return json_response(MarkedSchema, {"marked": marked, "unread_count": unread})


@routes.get("/api/notifications", summary="Your notifications, newest first", query=NotificationsQuery,
            response=NotificationPageSchema)
async def notifications(request: web.Request, *, query: dict) -> web.Response:
    """`unread=true` for the unread ones only; `category` for one category. A group (new
    followers) comes back to the top when someone joins it."""
    page = await centre.notifications(request.app[PLATFORM], caller(request), **query)
    return json_response(NotificationPageSchema, page)


@routes.get("/api/notifications/{notification_id}", summary="One of your notifications, with its deliveries",
            ids=(NOTIFICATION_ID,), response=NotificationDetailSchema)
async def notification(request: web.Request, *, notification_id: uuid.UUID) -> web.Response:
    """`deliveries`: each push of it to your devices, with its state (queued, sent, failed and why)."""
    view = await centre.notification(request.app[PLATFORM], caller(request), notification_id)
    return json_response(NotificationDetailSchema, view)


@routes.patch("/api/notifications/{notification_id}/read", summary="Mark one of your notifications read",
              ids=(NOTIFICATION_ID,), response=NotificationSchema)
async def read(request: web.Request, *, notification_id: uuid.UUID) -> web.Response:
    """Reading it again changes nothing. Your other devices get `notifications.unread_count.changed`."""
    view = await centre.mark_read(request.app[PLATFORM], caller(request), notification_id)
    return json_response(NotificationSchema, view)


@routes.delete("/api/notifications/{notification_id}", summary="Delete one of your notifications", status=204,
               ids=(NOTIFICATION_ID,))
async def delete(request: web.Request, *, notification_id: uuid.UUID) -> web.Response:
    """The next event of its kind starts a new notification. Your other devices get
    `notifications.unread_count.changed`."""
    await centre.delete(request.app[PLATFORM], caller(request), notification_id)
    return web.Response(status=204)
