"""Turning a domain ``TokenGrant`` into a response, and web clients' refresh cookie.

A web client that asks for ``refresh_token_cookie`` gets the refresh token as an HttpOnly,
SameSite=Strict cookie scoped to ``/api/auth`` and a readable CSRF cookie; to refresh, it
must echo the CSRF cookie in ``X-CSRF-Token`` (double-submit), which another site's page
cannot do.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web

from ...domain.auth.accounts import account_view
from ...domain.auth.sessions import DeviceInfo, TokenGrant
from ...errors import Forbidden
from ...keys import PLATFORM
from ..routing import client_ip, json_response
from .schemas import TokenResponseSchema

REFRESH_COOKIE = "nexgate_refresh"
CSRF_COOKIE = "nexgate_csrf"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/api/auth"


def device_info(request: web.Request, device: dict[str, Any]) -> DeviceInfo:
    return DeviceInfo(
        client_device_id=device["id"],
        platform=device["platform"],
        name=device["name"] or f"{device['platform']} device",
        user_agent=request.headers.get("User-Agent", "")[:512],
        ip=client_ip(request),
    )


def grant_response(request: web.Request, grant: TokenGrant, *, cookie: bool, status: int = 200) -> web.Response:
    body = {
        "user": account_view(grant.account),
        "access_token": grant.access_token,
        "refresh_token": None if cookie else grant.refresh_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
    }
    response = json_response(TokenResponseSchema, body, status=status)
    if cookie:
        _set_cookies(request, response, grant.refresh_token)
    return response


def _set_cookies(request: web.Request, response: web.Response, refresh_token: str) -> None:
    config = request.app[PLATFORM].config
    common = {"secure": config.cookie_secure, "samesite": "Strict", "max_age": config.refresh_token_ttl_s}
    response.set_cookie(REFRESH_COOKIE, refresh_token, httponly=True, path=COOKIE_PATH, **common)
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=False, path="/", **common)


def clear_cookies(response: web.StreamResponse) -> None:
    response.del_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
    response.del_cookie(CSRF_COOKIE, path="/")


def refresh_token_from_cookie(request: web.Request) -> str | None:
    """The cookie's refresh token, once the CSRF header matches the CSRF cookie."""
    token = request.cookies.get(REFRESH_COOKIE)
    if token is None:
        return None
    expected, sent = request.cookies.get(CSRF_COOKIE, ""), request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected, sent):
        raise Forbidden(f"Send the {CSRF_COOKIE} cookie's value in the {CSRF_HEADER} header", code="csrf_failed")
    return token
