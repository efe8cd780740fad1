"""Africa's Talking's SMS delivery reports (docs/notifications.md, "SMS"): for the gateway only,
at the secret URL set in its dashboard."""
from __future__ import annotations

from aiohttp import web

from ...domain.notifications import sms
from ...keys import PLATFORM
from ..routing import Routes

routes = Routes("notifications")


@routes.post("/api/notifications/sms/delivery-reports/{secret}", summary="An SMS delivery report",
             auth=False, errors=(404, 422), in_openapi=False)
async def delivery_report(request: web.Request) -> web.Response:
    """A form-encoded report (``id``, ``status``, ``phoneNumber``, ``networkCode``,
    ``failureReason``, ``retryCount``): 200 once kept, the id known or not (the gateway does not
    retry a report it was answered 200); 404 for a wrong secret, 422 naming a missing id or an
    unknown status."""
    form = {key: str(value) for key, value in (await request.post()).items()}
    await sms.delivery_reported(request.app[PLATFORM], secret=request.match_info["secret"], form=form)
    return web.Response(status=200, text="OK")
